// Starting a chat: title, model and image size (fixed for the chat), default aspect ratio.
import { field, h, select } from '../dom.js';
import { ASPECT_RATIOS, DEFAULT_ASPECT_RATIO, DEFAULT_MODEL, MODELS } from '../options.js';

export class NewChatDialog {
  constructor() {
    this.title = h('input', { type: 'text', maxlength: 200, placeholder: 'New chat', autocomplete: 'off' });
    this.model = select(MODELS.map((m) => [m.id, m.label]), DEFAULT_MODEL, { onchange: () => this.fillSizes() });
    this.size = h('select', {});
    this.aspect = select(ASPECT_RATIOS.map((r) => [r, r]), DEFAULT_ASPECT_RATIO);
    this.form = h('form', { method: 'dialog' },
      h('h2', { id: 'new-chat-title' }, 'New chat'),
      field('Title', this.title, 'Optional; you can rename it later.'),
      field('Model', this.model),
      field('Image size', this.size, '2K and 4K need a Gemini 3 model.'),
      field('Aspect ratio', this.aspect, 'The default for this chat; each message can change it.'),
      h('div', { class: 'actions' },
        h('button', { type: 'submit', class: 'primary', value: 'create' }, 'Create chat'),
        h('button', { type: 'submit', value: 'cancel', formnovalidate: true }, 'Cancel')));
    this.el = h('dialog', { class: 'new-chat', 'aria-labelledby': 'new-chat-title' }, this.form);
    this.fillSizes();
  }

  fillSizes() {
    const sizes = MODELS.find((m) => m.id === this.model.value)?.sizes ?? ['1K'];
    const current = sizes.includes(this.size.value) ? this.size.value : sizes[0];
    this.size.replaceChildren(...sizes.map((s) => h('option', { value: s, selected: s === current }, s)));
  }

  /** Resolves the createSession fields, or null when cancelled. */
  ask() {
    this.form.reset();
    this.fillSizes();
    this.el.returnValue = '';
    this.el.showModal();
    this.title.focus();
    return new Promise((resolve) => {
      this.el.addEventListener('close', () => {
        if (this.el.returnValue !== 'create') return resolve(null);
        const fields = { model: this.model.value, imageSize: this.size.value, aspectRatio: this.aspect.value };
        const title = this.title.value.trim();
        if (title) fields.title = title;
        resolve(fields);
      }, { once: true });
    });
  }
}
