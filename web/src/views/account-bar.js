// Who is signed in; a guest can save their chats to an email account; sign out.
import { EmailAuthProvider, linkWithCredential, signOut } from 'firebase/auth';
import { describeAuthError } from '../auth-errors.js';
import { field, h } from '../dom.js';
import { ConfirmDialog } from './confirm-dialog.js';

export class AccountBar {
  constructor({ auth }, user) {
    this.auth = auth;
    this.user = user;
    this.who = h('span', { class: 'who' });
    this.upgradeButton = h('button', { type: 'button', onclick: () => this.openUpgrade() }, 'Save your chats');
    this.confirm = new ConfirmDialog();
    this.dialog = this.upgradeDialog();
    this.el = h('div', { class: 'account' },
      this.who, this.upgradeButton,
      h('button', { type: 'button', onclick: () => this.signOut() }, 'Sign out'),
      this.dialog, this.confirm.el);
    this.show();
  }

  show() {
    const guest = this.user.isAnonymous;
    this.who.textContent = guest ? 'Guest' : this.user.email;
    this.who.title = guest ? 'Signed in without an account' : `Signed in as ${this.user.email}`;
    this.upgradeButton.hidden = !guest;
  }

  upgradeDialog() {
    this.email = h('input', { type: 'email', autocomplete: 'username', required: true });
    this.password = h('input', { type: 'password', autocomplete: 'new-password', minlength: 6, required: true });
    this.message = h('p', { class: 'form-message', role: 'alert' });
    const form = h('form', { method: 'dialog', onsubmit: (event) => this.upgrade(event) },
      h('h2', {}, 'Save your chats to an account'),
      h('p', {}, 'Your chats stay as they are; next time, sign in with this email.'),
      field('Email', this.email),
      field('Password', this.password, 'At least 6 characters.'),
      this.message,
      h('div', { class: 'actions' },
        h('button', { type: 'submit', class: 'primary' }, 'Create account'),
        h('button', { type: 'button', onclick: () => this.dialog.close() }, 'Cancel')));
    return h('dialog', { class: 'upgrade', 'aria-label': 'Save your chats to an account' }, form);
  }

  openUpgrade() {
    this.message.textContent = '';
    this.dialog.showModal();
    this.email.focus();
  }

  async upgrade(event) {
    event.preventDefault();
    try {
      const credential = EmailAuthProvider.credential(this.email.value.trim(), this.password.value);
      const { user } = await linkWithCredential(this.auth.currentUser, credential);
      this.user = user;
      this.show();
      this.dialog.close();
    } catch (error) {
      this.message.textContent = describeAuthError(error);
    }
  }

  async signOut() {
    if (this.user.isAnonymous) {
      const ok = await this.confirm.ask({
        title: 'Sign out of the guest session?',
        body: 'A guest cannot sign in again: its chats are lost unless you save them to an account first.',
        confirm: 'Sign out and lose the chats',
      });
      if (!ok) return;
    }
    await signOut(this.auth);
  }
}
