// A modal yes/no question (in place of window.confirm, which cannot be styled or tested well).
import { h } from '../dom.js';

export class ConfirmDialog {
  constructor() {
    this.title = h('h2', {});
    this.body = h('p', {});
    this.yes = h('button', { type: 'submit', class: 'danger', value: 'yes' });
    this.el = h('dialog', { class: 'confirm', 'aria-modal': 'true' },
      h('form', { method: 'dialog' }, this.title, this.body,
        h('div', { class: 'actions' },
          this.yes,
          h('button', { type: 'submit', value: 'no', autofocus: true }, 'Cancel'))));
    this.el.setAttribute('aria-labelledby', (this.title.id = `confirm-${Math.random().toString(36).slice(2)}`));
  }

  /** Resolves true when the person confirms, false on Cancel or Escape. */
  ask({ title, body, confirm, danger = true }) {
    this.yes.className = danger ? 'danger' : 'primary';
    this.title.textContent = title;
    this.body.textContent = body;
    this.yes.textContent = confirm;
    this.el.returnValue = '';
    this.el.showModal();
    return new Promise((resolve) => {
      this.el.addEventListener('close', () => resolve(this.el.returnValue === 'yes'), { once: true });
    });
  }
}
