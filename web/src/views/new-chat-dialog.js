// Starting a chat: title, model and image size (fixed for the chat), default aspect ratio, whether
// region edits also show the model the whole image, and optionally its first message (text and
// images), sent with the chat in one call.
import { field, h, select, uid } from '../dom.js';
import { ASPECT_RATIOS, DEFAULT_ASPECT_RATIO, DEFAULT_MODEL, MAX_IMAGES_PER_MESSAGE, MAX_UPLOAD_BYTES, MODELS, UPLOAD_TYPES } from '../options.js';

export class NewChatDialog {
  constructor() {
    this.title = h('input', { type: 'text', maxlength: 200, placeholder: 'New chat', autocomplete: 'off' });
    this.model = select(MODELS.map((m) => [m.id, m.label]), DEFAULT_MODEL, { onchange: () => this.fillSizes() });
    this.size = h('select', {});
    this.aspect = select(ASPECT_RATIOS.map((r) => [r, r]), DEFAULT_ASPECT_RATIO);
    this.regionContext = h('input', { type: 'checkbox', id: uid('new-region-context') });
    this.firstMessage = h('textarea', { rows: 2, maxlength: 8000, placeholder: 'e.g. “a watercolor lighthouse at dusk”' });
    this.images = h('input', { type: 'file', accept: UPLOAD_TYPES.join(','), multiple: true });
    this.problem = h('p', { class: 'form-message error', role: 'alert' });
    this.form = h('form', { method: 'dialog', onsubmit: (event) => this.check(event) },
      h('h2', { id: 'new-chat-title' }, 'New chat'),
      field('Title', this.title, 'Optional; you can rename it later.'),
      field('Model', this.model),
      field('Image size', this.size, '2K and 4K need a Gemini 3 model.'),
      field('Aspect ratio', this.aspect, 'The default for this chat; each message can change it.'),
      h('div', { class: 'field check' }, this.regionContext,
        h('label', { for: this.regionContext.id }, 'Region edits: also show the model the whole image')),
      field('First message', this.firstMessage, 'Optional: sent as soon as the chat is created.'),
      field('Images for the first message', this.images, 'Optional: PNG, JPEG or WebP, up to 10 MB each.'),
      this.problem,
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

  /** Refuses files the server would refuse, before the dialog closes. */
  check(event) {
    if (event.submitter?.value !== 'create') return;
    const files = [...this.images.files];
    let problem = '';
    if (files.length > MAX_IMAGES_PER_MESSAGE) problem = `A message takes at most ${MAX_IMAGES_PER_MESSAGE} images.`;
    else if (files.some((f) => !UPLOAD_TYPES.includes(f.type))) problem = 'Use PNG, JPEG or WebP images.';
    else if (files.some((f) => f.size > MAX_UPLOAD_BYTES)) problem = 'An image is larger than 10 MB.';
    this.problem.textContent = problem;
    if (problem) {
      event.preventDefault();
      this.images.focus();
    }
  }

  /**
   * Resolves {fields, first} (the createSession fields; `first`: {text, files} of the first
   * message, or null), or null when cancelled. `problem`: the dialog opens again as it was
   * (its input kept) saying why the chat was not created (e.g. over the daily quota).
   */
  ask({ problem = '' } = {}) {
    if (!problem) this.form.reset();
    this.problem.textContent = problem;
    if (!problem) this.fillSizes();
    this.el.returnValue = '';
    this.el.showModal();
    (problem ? this.firstMessage : this.title).focus();
    return new Promise((resolve) => {
      this.el.addEventListener('close', () => {
        if (this.el.returnValue !== 'create') return resolve(null);
        const fields = { model: this.model.value, imageSize: this.size.value, aspectRatio: this.aspect.value };
        if (this.regionContext.checked) fields.regionContext = true;
        const title = this.title.value.trim();
        if (title) fields.title = title;
        const text = this.firstMessage.value.trim();
        const files = [...this.images.files];
        resolve({ fields, first: text || files.length ? { text, files } : null });
      }, { once: true });
    });
  }
}
