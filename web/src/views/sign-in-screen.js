// Sign in, create an account, reset a password, or try the app without an account.
import {
  createUserWithEmailAndPassword,
  sendPasswordResetEmail,
  signInAnonymously,
  signInWithEmailAndPassword,
} from 'firebase/auth';
import { describeAuthError } from '../auth-errors.js';
import { field, h } from '../dom.js';

export class SignInScreen {
  constructor({ auth, local }) {
    this.auth = auth;
    this.email = h('input', { type: 'email', name: 'email', autocomplete: 'username', required: true });
    this.password = h('input', {
      type: 'password', name: 'password', autocomplete: 'current-password', minlength: 6, required: true,
    });
    this.message = h('p', { class: 'form-message', role: 'status', 'aria-live': 'polite' });
    const form = h('form', { class: 'card', onsubmit: (event) => this.submit(event), novalidate: true },
      h('h2', {}, 'Sign in or create an account'),
      field('Email', this.email),
      field('Password', this.password, 'At least 6 characters.'),
      this.message,
      h('div', { class: 'actions' },
        h('button', { type: 'submit', class: 'primary', value: 'sign-in' }, 'Sign in'),
        h('button', { type: 'submit', value: 'sign-up' }, 'Create account')),
      h('button', { type: 'button', class: 'link', onclick: () => this.resetPassword() }, 'Forgot your password?'),
    );
    this.el = h('main', { class: 'sign-in' },
      h('header', { class: 'brand' },
        h('h1', {}, 'Image Chat'),
        h('p', {}, 'Edit images by talking to them: "make the light warmer", "now swap the jacket".'),
        local ? h('p', { class: 'badge' }, 'Local emulators') : null),
      form,
      h('section', { class: 'card try-it', 'aria-labelledby': 'try-it-title' },
        h('h2', { id: 'try-it-title' }, 'Just looking?'),
        h('p', {}, 'Try it without an account. You can save your chats to an account later.'),
        h('button', { type: 'button', onclick: () => this.tryIt() }, 'Try it without an account')));
  }

  focus() {
    this.email.focus();
  }

  say(text, isError = false) {
    this.message.textContent = text;
    this.message.classList.toggle('error', isError);
    this.message.setAttribute('role', isError ? 'alert' : 'status');
  }

  async run(action) {
    const buttons = this.el.querySelectorAll('button');
    buttons.forEach((b) => { b.disabled = true; });
    try {
      await action();
    } catch (error) {
      this.say(describeAuthError(error), true);
    } finally {
      buttons.forEach((b) => { b.disabled = false; });
    }
  }

  submit(event) {
    event.preventDefault();
    const signUp = event.submitter?.value === 'sign-up';
    const email = this.email.value.trim();
    const password = this.password.value;
    if (!email || !password) {
      this.say('Enter your email and a password.', true);
      (email ? this.password : this.email).focus();
      return;
    }
    this.say(signUp ? 'Creating your account…' : 'Signing in…');
    this.run(() => (signUp
      ? createUserWithEmailAndPassword(this.auth, email, password)
      : signInWithEmailAndPassword(this.auth, email, password)));
  }

  resetPassword() {
    const email = this.email.value.trim();
    if (!email) {
      this.say('Enter your email above, then choose "Forgot your password?" again.', true);
      this.email.focus();
      return;
    }
    this.run(async () => {
      await sendPasswordResetEmail(this.auth, email);
      this.say(`If ${email} has an account, a reset link is on its way.`);
    });
  }

  tryIt() {
    this.say('Starting a guest session…');
    this.run(() => signInAnonymously(this.auth));
  }
}
