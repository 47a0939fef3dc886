// The Library screen (#/library): the user's images as a grid (thumbnail, name), newest first;
// upload from this device, rename, delete (confirmed), and "Open in new chat" on each.
import { h } from '../dom.js';
import { UPLOAD_TYPES } from '../options.js';
import { openInNewChat } from '../open-in-chat.js';
import { ConfirmDialog } from './confirm-dialog.js';

export class LibraryPage {
  constructor({ api }) {
    this.api = api;
    this.images = [];
    this.confirm = new ConfirmDialog();
    this.heading = h('h2', { id: 'library-title', tabindex: '-1' }, 'Library');
    this.picker = h('input', {
      type: 'file', accept: UPLOAD_TYPES.join(','), multiple: true, hidden: true,
      onchange: () => { this.upload([...this.picker.files]); this.picker.value = ''; },
    });
    this.message = h('p', { class: 'form-message', role: 'status', 'aria-live': 'polite' }, 'Loading your library…');
    this.grid = h('ul', { class: 'library-grid', 'aria-label': 'Your images' });
    this.el = h('section', { class: 'library-page', 'aria-labelledby': 'library-title' },
      h('div', { class: 'library-head' },
        this.heading,
        h('button', { type: 'button', class: 'primary', onclick: () => this.picker.click() }, 'Upload images'),
        this.picker),
      h('p', { class: 'hint' }, 'Your images, to use in any chat (“Add from library”, “Pin from library”) or to start one.'),
      this.message, this.grid, this.confirm.el);
    document.title = 'Library · Image Chat';
    this.load();
  }

  focus() {
    this.heading.focus();
  }

  say(text, isError = false) {
    this.message.textContent = text;
    this.message.classList.toggle('error', isError);
  }

  async load() {
    try {
      const { images } = await this.api.listLibrary();
      this.images = images;
      this.say('');
      this.render();
    } catch (error) {
      this.say(`Could not load your library: ${error.message}`, true);
    }
  }

  render() {
    this.grid.replaceChildren(...this.images.map((image) => this.item(image)));
    if (!this.images.length) {
      this.grid.append(h('li', { class: 'empty' }, 'No images yet. Upload some, or use “Save to library” on an answer.'));
    }
  }

  async upload(files) {
    for (const file of files) {
      this.say(`Uploading ${file.name}…`);
      try {
        const { image } = await this.api.uploadToLibrary(file);
        this.images.unshift(image);
        this.render();
        this.say(`Added ${image.name}.`);
      } catch (error) {
        this.say(`Could not add ${file.name}: ${error.message}`, true);
        return;
      }
    }
  }

  item(image, { renaming = false } = {}) {
    const li = h('li', { class: 'library-item', dataset: { id: image.id } });
    const thumb = image.thumbnail ?? image;
    const picture = h('img', {
      src: thumb.publicUrl, alt: image.name, loading: 'lazy', decoding: 'async',
      width: thumb.width, height: thumb.height,
    });
    let name;
    if (renaming) {
      const input = h('input', { type: 'text', value: image.name, maxlength: 200, 'aria-label': `New name for ${image.name}` });
      name = h('form', {
        class: 'rename', onsubmit: (event) => { event.preventDefault(); this.rename(image, input.value); },
        onkeydown: (event) => { if (event.key === 'Escape') { event.preventDefault(); this.replace(image); } },
      }, input,
      h('button', { type: 'submit', class: 'primary' }, 'Save'),
      h('button', { type: 'button', onclick: () => this.replace(image) }, 'Cancel'));
      queueMicrotask(() => { input.focus(); input.select(); });
    } else {
      name = h('p', { class: 'name' }, image.name);
    }
    const label = (verb) => ({ 'aria-label': `${verb} ${image.name}` });
    li.append(picture, name, h('div', { class: 'item-tools' },
      h('button', { type: 'button', class: 'tool', onclick: () => this.open(image) }, 'Open in new chat'),
      renaming ? null : h('button', { type: 'button', class: 'tool', ...label('Rename'), onclick: () => this.replace(image, { renaming: true }) }, 'Rename'),
      h('button', { type: 'button', class: 'tool danger', ...label('Delete'), onclick: () => this.remove(image) }, 'Delete')));
    return li;
  }

  /** Redraws one image's card (e.g. into or out of renaming). */
  replace(image, options = {}) {
    const old = this.grid.querySelector(`[data-id="${CSS.escape(image.id)}"]`);
    const next = this.item(image, options);
    old?.replaceWith(next);
    if (!options.renaming) next.querySelector('button[aria-label^="Rename"]')?.focus();
  }

  async rename(image, value) {
    const name = value.trim();
    if (!name || name === image.name) return this.replace(image);
    try {
      const { image: renamed } = await this.api.renameLibraryImage(image.id, name);
      this.images = this.images.map((i) => (i.id === image.id ? renamed : i));
      this.replace(renamed);
      this.say(`Renamed to ${renamed.name}.`);
    } catch (error) {
      this.say(`Could not rename: ${error.message}`, true);
    }
  }

  async remove(image) {
    const ok = await this.confirm.ask({
      title: 'Delete this image?',
      body: `“${image.name}” leaves your library. Chats that used it keep their own copy.`,
      confirm: 'Delete image',
    });
    if (!ok) return;
    try {
      await this.api.deleteLibraryImage(image.id);
      this.images = this.images.filter((i) => i.id !== image.id);
      this.render();
      this.say(`Deleted ${image.name}.`);
      this.heading.focus();
    } catch (error) {
      this.say(`Could not delete: ${error.message}`, true);
    }
  }

  async open(image) {
    this.say('Opening a new chat…');
    try {
      await openInNewChat(this.api, `library://${image.id}`);
    } catch (error) {
      this.say(`Could not open it in a chat: ${error.message}`, true);
    }
  }

  destroy() {
    document.title = 'Image Chat';
  }
}
