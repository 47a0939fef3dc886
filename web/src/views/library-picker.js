// "Choose from your library": a dialog listing the user's library images as checkboxes; the
// images come back in the order they were ticked (that is the order they are sent in).
import { h, uid } from '../dom.js';

export class LibraryPicker {
  constructor({ api }) {
    this.api = api;
    this.heading = h('h2', { id: uid('picker-title') }, 'Choose from your library');
    this.items = h('ul', { class: 'library-grid picker', 'aria-label': 'Library images' });
    this.message = h('p', { class: 'form-message', role: 'status', 'aria-live': 'polite' });
    this.confirmButton = h('button', { type: 'submit', class: 'primary', value: 'pick' }, 'Add');
    this.form = h('form', { method: 'dialog' },
      this.heading, this.message, this.items,
      h('div', { class: 'actions' },
        this.confirmButton,
        h('button', { type: 'submit', value: 'cancel', formnovalidate: true }, 'Cancel')));
    this.el = h('dialog', { class: 'library-picker', 'aria-labelledby': this.heading.id }, this.form);
  }

  /**
   * Resolves the picked library images ([] when cancelled): `max` caps how many can be ticked,
   * `confirm` names the button ("Add", "Pin").
   */
  async ask({ title = 'Choose from your library', confirm = 'Add', max = 14 } = {}) {
    this.heading.textContent = title;
    this.confirmButton.textContent = confirm;
    this.picked = [];
    this.max = max;
    this.items.replaceChildren();
    this.say('Loading your library…');
    this.el.returnValue = '';
    this.el.showModal();
    const closed = new Promise((resolve) => {
      this.el.addEventListener('close', () => resolve(this.el.returnValue === 'pick' ? [...this.picked] : []), { once: true });
    });
    try {
      const { images } = await this.api.listLibrary();
      this.say(images.length ? '' : 'Your library is empty. Add images on the Library screen, or with “Save to library” on an answer.');
      this.items.replaceChildren(...images.map((image) => this.item(image)));
      this.items.querySelector('input')?.focus();
    } catch (error) {
      this.say(`Could not load your library: ${error.message}`, true);
    }
    this.update();
    return closed;
  }

  say(text, isError = false) {
    this.message.textContent = text;
    this.message.classList.toggle('error', isError);
  }

  item(image) {
    const box = h('input', {
      type: 'checkbox', id: uid('pick'),
      onchange: () => {
        if (box.checked) this.picked.push(image);
        else this.picked = this.picked.filter((p) => p.id !== image.id);
        this.update();
      },
    });
    box.dataset.id = image.id;
    return h('li', { class: 'library-item' },
      h('label', { for: box.id },
        h('img', { src: image.thumbnail?.publicUrl ?? image.publicUrl, alt: '', loading: 'lazy' }),
        h('span', { class: 'name' }, image.name)),
      box);
  }

  update() {
    const full = this.picked.length >= this.max;
    for (const box of this.items.querySelectorAll('input')) box.disabled = full && !box.checked;
    this.confirmButton.disabled = !this.picked.length;
    if (full && this.max < 14) this.say(`At most ${this.max} can be chosen.`);
  }
}
