// "Create project": asks for an optional title before a chat's image is published as a project.
import { field, h } from '../dom.js';

export class CreateProjectDialog {
  constructor() {
    this.title = h('input', { type: 'text', maxlength: 200, autocomplete: 'off' });
    this.form = h('form', { method: 'dialog' },
      h('h2', { id: 'create-project-title' }, 'Create project'),
      h('p', {}, 'A page with this image, every step that led to it and a short story of how it came together. '
        + 'Only you can see it until you make it public.'),
      field('Title', this.title, 'Optional; you can rename it later.'),
      h('div', { class: 'actions' },
        h('button', { type: 'submit', class: 'primary', value: 'create' }, 'Create project'),
        h('button', { type: 'submit', value: 'cancel', formnovalidate: true }, 'Cancel')));
    this.el = h('dialog', { class: 'create-project', 'aria-labelledby': 'create-project-title' }, this.form);
  }

  /** Resolves {title} (title undefined: the server's default, the placeholder) or null when cancelled. */
  ask({ placeholder }) {
    this.form.reset();
    this.title.placeholder = placeholder;
    this.el.returnValue = '';
    this.el.showModal();
    this.title.focus();
    return new Promise((resolve) => {
      this.el.addEventListener('close', () => {
        if (this.el.returnValue !== 'create') return resolve(null);
        resolve({ title: this.title.value.trim() || undefined });
      }, { once: true });
    });
  }
}

/** The server's default title (imagechat/projects.py default_title): the first prompt's first eight words. */
export function defaultProjectTitle(firstPrompt) {
  const words = (firstPrompt ?? '').split(/\s+/).filter(Boolean);
  let short = words.slice(0, 8).join(' ') + (words.length > 8 ? '…' : '');
  short = short ? short[0].toUpperCase() + short.slice(1) : 'Untitled';
  return `Nano Banana Creation: ${short}`;
}
