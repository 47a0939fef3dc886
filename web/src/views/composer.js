// Writing a message: text, attached images (picker, drag-and-drop, paste, "Add from library";
// reorder and remove before sending), a prompt preset (a removable chip), aspect ratio for this
// message, image-only, "Edit only the current image" (a stateless edit: no history), how many
// answers (variations, 1–4) and "Edit only a region" (a rectangle or lasso mask on the current
// image or on one of the attached images).
// Enter sends, Shift+Enter breaks.
// Editing an earlier message fills it in (with its stored images) and sends it as a new branch
// from that message's parent; the draft it replaced comes back on Cancel.
import { h, uid } from '../dom.js';
import { plural } from '../format.js';
import { ASPECT_RATIOS, MAX_IMAGES_PER_MESSAGE, MAX_UPLOAD_BYTES, UPLOAD_TYPES } from '../options.js';
import { LibraryPicker } from './library-picker.js';
import { PresetMenu } from './preset-menu.js';
import { RegionPicker } from './region-picker.js';

/**
 * The images of a send, in tray order: library picks at the front go as `imageIds` (the server
 * puts those first), any later one as a `library://<id>` entry of `refUrls`, so the order holds.
 */
export function imagesOf(items) {
  const imageIds = [];
  let i = 0;
  while (i < items.length && items[i].libraryId) imageIds.push(items[i++].libraryId);
  const refUrls = items.slice(i).map((item) => (item.libraryId ? `library://${item.libraryId}` : item.storagePath));
  return { imageIds, refUrls };
}

export class Composer {
  constructor({ api }, { onSend, onRegionContext }) {
    this.api = api;
    this.onSend = onSend;
    // {key, file?, name?, libraryId?, preview, storagePath?, error?, upload?: Promise, stored?}
    this.attachments = [];
    this.libraryPicker = new LibraryPicker({ api });
    this.presetMenu = new PresetMenu({ api });
    this.preset = null; // the chosen prompt preset {id, name, text}
    /** The composer's dialogs: the page puts them outside the form. */
    this.dialogs = [this.libraryPicker.el, this.presetMenu.el];
    this.chatAspect = '1:1';
    this.text = h('textarea', {
      rows: 2, maxlength: 8000, placeholder: 'Describe an edit, e.g. “make the lighting warmer”',
      onkeydown: (event) => this.onKey(event), onpaste: (event) => this.onPaste(event),
    });
    this.picker = h('input', {
      type: 'file', accept: UPLOAD_TYPES.join(','), multiple: true, hidden: true,
      onchange: () => { this.addFiles([...this.picker.files]); this.picker.value = ''; },
    });
    this.aspect = h('select', { 'aria-label': 'Aspect ratio for this message' });
    this.imageOnly = h('input', { type: 'checkbox', id: uid('image-only') });
    this.stateless = h('input', { type: 'checkbox', id: uid('stateless') });
    // Variations: this many answers in parallel (each a sibling to pick with ‹ 1/N ›).
    this.candidates = h('select', { 'aria-label': 'Answers to this message' },
      [1, 2, 3, 4].map((n) => h('option', { value: String(n) }, n === 1 ? '1 answer' : `${n} variations`)));
    this.region = new RegionPicker({ onContextChange: onRegionContext });
    this.presetChip = h('div', { class: 'preset-chip', hidden: true });
    this.tray = h('ol', { class: 'tray', 'aria-label': 'Images to send, in order' });
    this.message = h('p', { class: 'form-message', role: 'status', 'aria-live': 'polite' });
    this.sendButton = h('button', { type: 'submit', class: 'primary send' }, 'Send');
    this.editing = null; // {turnId, parentTurnId, draft} while an earlier message is being edited
    this.editBanner = h('div', { class: 'editing-banner', role: 'status', hidden: true },
      h('p', {}, h('strong', {}, 'Editing:'), ' branching from here'),
      h('button', { type: 'button', 'aria-label': 'Cancel editing', onclick: () => this.cancelEdit() }, 'Cancel'));
    const textId = uid('message');
    this.text.id = textId;
    this.el = h('form', { class: 'composer', onsubmit: (event) => { event.preventDefault(); this.submit(); } },
      this.editBanner,
      this.tray,
      this.presetChip,
      h('label', { for: textId, class: 'visually-hidden' }, 'Message'),
      h('div', { class: 'compose-row' }, this.text, this.sendButton),
      h('div', { class: 'compose-options' },
        h('button', { type: 'button', onclick: () => this.picker.click() }, 'Add images'),
        this.picker,
        h('button', { type: 'button', onclick: () => this.addFromLibrary() }, 'Add from library'),
        h('button', { type: 'button', 'aria-haspopup': 'dialog', onclick: () => this.choosePreset() }, 'Presets'),
        this.aspect,
        h('span', { class: 'check' }, this.imageOnly, h('label', { for: this.imageOnly.id }, 'Image only')),
        h('span', { class: 'check' }, this.stateless,
          h('label', { for: this.stateless.id }, 'Edit only the current image (no history)')),
        this.candidates,
        this.region.el,
        h('small', { class: 'hint' }, 'Enter sends · Shift+Enter: new line · drop or paste images')),
      this.region.panel,
      this.message);
    this.setChatAspect(this.chatAspect);
  }

  focus() {
    this.text.focus();
  }

  /** The chat's own ratio is the default choice ("Chat default (16:9)"). */
  setChatAspect(ratio) {
    if (ratio === this.chatAspect && this.aspect.options.length) return;
    const chosen = this.aspect.value;
    this.chatAspect = ratio;
    this.aspect.replaceChildren(...[['', `Chat default (${ratio})`], ...ASPECT_RATIOS.map((r) => [r, r])]
      .map(([value, text]) => h('option', { value }, text)));
    this.aspect.value = chosen || '';
  }

  say(text, isError = false) {
    this.message.textContent = text;
    this.message.classList.toggle('error', isError);
  }

  /**
   * Fills in an earlier message to send again as a new branch: `images` are its stored copies
   * ({storagePath, url, width, height}); the send carries `parentTurnId` (null: from the root).
   */
  edit({ turnId, parentTurnId, text, images = [] }, onChange) {
    const draft = this.editing?.draft ?? { text: this.text.value, attachments: this.attachments };
    if (this.editing) this.attachments.forEach((item) => this.forget(item));
    this.editing = { turnId, parentTurnId, draft, onChange };
    this.attachments = images.map((image) => ({
      key: uid('attachment'), storagePath: image.storagePath, preview: image.url, stored: true,
    }));
    this.text.value = text ?? '';
    this.editBanner.hidden = false;
    this.say('');
    this.renderTray();
    this.focus();
    this.text.setSelectionRange(this.text.value.length, this.text.value.length);
    onChange?.(turnId);
  }

  /** "Add from library": the picked images join the tray, in the order picked. */
  async addFromLibrary() {
    const room = MAX_IMAGES_PER_MESSAGE - this.attachments.length;
    if (room <= 0) return this.say(`A message takes at most ${MAX_IMAGES_PER_MESSAGE} images.`, true);
    const picked = await this.libraryPicker.ask({ title: 'Add from library', confirm: 'Add', max: room });
    for (const image of picked) {
      this.attachments.push({
        key: uid('attachment'), libraryId: image.id, name: image.name, stored: true,
        preview: image.thumbnail?.publicUrl ?? image.publicUrl, storagePath: `library://${image.id}`,
        width: image.width, height: image.height,
      });
    }
    this.renderTray();
    this.focus();
  }

  /** "Presets": the chosen one shows as a chip above the text until removed or sent. */
  async choosePreset() {
    const preset = await this.presetMenu.ask({ text: this.text.value });
    if (preset) this.setPreset(preset);
    this.focus();
  }

  setPreset(preset) {
    this.preset = preset;
    this.presetChip.hidden = !preset;
    this.presetChip.replaceChildren();
    if (!preset) return;
    this.presetChip.append(
      h('span', {}, 'Preset: ', h('strong', {}, preset.name)),
      h('button', {
        type: 'button', class: 'icon', 'aria-label': `Remove preset ${preset.name}`,
        onclick: () => { this.setPreset(null); this.focus(); },
      }, '×'));
  }

  /** Leaves editing (on Cancel, or once the edit is sent): the draft from before comes back. */
  cancelEdit({ focus = true } = {}) {
    if (!this.editing) return;
    const { draft, onChange } = this.editing;
    this.editing = null;
    this.editBanner.hidden = true;
    this.attachments.forEach((item) => this.forget(item));
    this.attachments = draft.attachments;
    this.text.value = draft.text;
    this.renderTray();
    onChange?.(null);
    if (focus) this.focus();
  }

  get editingTurnId() {
    return this.editing?.turnId ?? null;
  }

  forget(item) {
    if (!item.stored) URL.revokeObjectURL(item.preview);
  }

  onKey(event) {
    if (event.key === 'Escape' && this.editing) {
      event.preventDefault();
      this.cancelEdit();
      return;
    }
    if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      this.submit();
    }
  }

  onPaste(event) {
    const files = [...(event.clipboardData?.files ?? [])].filter((f) => f.type.startsWith('image/'));
    if (files.length) {
      event.preventDefault();
      this.addFiles(files);
    }
  }

  addFiles(files) {
    for (const file of files) {
      if (this.attachments.length >= MAX_IMAGES_PER_MESSAGE) {
        this.say(`A message takes at most ${MAX_IMAGES_PER_MESSAGE} images.`, true);
        break;
      }
      const item = { key: uid('attachment'), file, preview: URL.createObjectURL(file) };
      if (!UPLOAD_TYPES.includes(file.type)) item.error = 'Use a PNG, JPEG or WebP image.';
      else if (file.size > MAX_UPLOAD_BYTES) item.error = 'Larger than 10 MB.';
      else item.upload = this.upload(item);
      this.attachments.push(item);
    }
    this.renderTray();
  }

  async upload(item) {
    try {
      const { storagePath } = await this.api.uploadImage(item.file);
      item.storagePath = storagePath;
    } catch (error) {
      item.error = error.message;
    }
    this.renderTray();
  }

  move(index, by) {
    const [item] = this.attachments.splice(index, 1);
    this.attachments.splice(index + by, 0, item);
    this.renderTray();
    this.tray.children[index + by]?.querySelector(by < 0 ? '.earlier' : '.later')?.focus();
  }

  remove(index) {
    const [item] = this.attachments.splice(index, 1);
    this.forget(item);
    this.renderTray();
    (this.tray.querySelector('.remove') ?? this.text).focus();
  }

  renderTray() {
    const count = this.attachments.length;
    // A region can be marked on any of the message's images (sizes: a library pick's own; an
    // upload's preview is the file itself, measured when it loads).
    this.region.setAttachments(this.attachments.map((item) => ({
      key: item.key, src: item.preview, name: item.file?.name || item.name, width: item.width, height: item.height,
    })));
    this.tray.hidden = count === 0;
    this.tray.replaceChildren(...this.attachments.map((item, i) => {
      const name = `image ${i + 1}`;
      let state = null;
      if (item.error) state = h('span', { class: 'error' }, item.error);
      else if (!item.storagePath) state = h('span', { class: 'uploading' }, 'Uploading…');
      return h('li', { class: item.error ? 'invalid' : '', dataset: { key: item.key } },
        h('img', { src: item.preview, alt: `Attached ${name}${item.file?.name || item.name ? ` (${item.file?.name || item.name})` : ''}` }),
        h('span', { class: 'order', 'aria-hidden': 'true' }, i + 1),
        state,
        h('div', { class: 'tray-actions' },
          h('button', {
            type: 'button', class: 'icon earlier', 'aria-label': `Move ${name} earlier`, disabled: i === 0,
            onclick: () => this.move(i, -1),
          }, '‹'),
          h('button', {
            type: 'button', class: 'icon later', 'aria-label': `Move ${name} later`, disabled: i === count - 1,
            onclick: () => this.move(i, 1),
          }, '›'),
          h('button', {
            type: 'button', class: 'icon remove', 'aria-label': `Remove ${name}`, onclick: () => this.remove(i),
          }, '×')));
    }));
  }

  async submit() {
    const text = this.text.value.trim();
    const items = [...this.attachments];
    const preset = this.preset;
    if (!text && !items.length && !preset) {
      this.say('Write what to change, or attach an image.', true);
      this.text.focus();
      return;
    }
    if (items.some((item) => item.error)) {
      this.say('Remove the images that could not be used first.', true);
      return;
    }
    if (items.some((item) => !item.storagePath)) {
      this.say(`Uploading ${plural(items.filter((i) => !i.storagePath).length, 'image')}…`);
      await Promise.all(items.map((item) => item.upload));
      if (items.some((item) => item.error)) return this.say('Some images could not be uploaded.', true);
    }
    // A stateless edit continues the head; editing an earlier message is always a message.
    const stateless = this.stateless.checked && !this.editing;
    const mask = this.editing || stateless ? null : this.region.value();
    if (!this.editing && !stateless && this.region.incomplete) {
      this.say(this.region.missingText, true);
      return;
    }
    let message;
    if (stateless) {
      // The edit endpoint has no presetId: the preset's text comes first, as the server does it.
      const fullText = preset ? [preset.text, text].filter(Boolean).join('\n\n') : text;
      message = { text: fullText, ...imagesOf(items) };
    } else {
      message = { text, ...imagesOf(items), imageOnly: this.imageOnly.checked };
      if (preset) message.presetId = preset.id;
      if (this.aspect.value) message.aspectRatio = this.aspect.value;
      if (this.editing) message.parentTurnId = this.editing.parentTurnId;
      const candidates = Number(this.candidates.value);
      if (candidates > 1) message.candidates = candidates;
      if (mask) message.mask = mask;
    }
    if (!message.imageIds.length) delete message.imageIds;
    const previews = items.map((item) => ({ src: item.preview }));
    const display = preset && !stateless ? [preset.text, text].filter(Boolean).join('\n\n') : message.text;
    // The previews' blob URLs stay alive: the pending bubble shows them until the server's turn
    // (with its stored copies) replaces it.
    this.attachments = [];
    this.text.value = '';
    this.say('');
    this.renderTray();
    this.setPreset(null);
    this.region.reset();
    this.cancelEdit({ focus: false });
    this.onSend(message, previews, { stateless, display });
  }
}
