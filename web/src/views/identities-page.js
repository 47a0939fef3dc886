// The Identities screen (#/identities): "me as this identity" (docs/api.md, identity image chat).
// Pick an identity of the catalog, keep reference photos of yourself, "Start" makes an image of you
// as it, then "Continue" refines it turn by turn; the chat is an ordinary one ("Open in chat").
import { h, uid } from '../dom.js';
import { UPLOAD_TYPES } from '../options.js';
import { chatHash } from '../routes.js';

export class IdentitiesPage {
  constructor({ api }) {
    this.api = api;
    this.identities = [];
    this.references = [];
    this.busy = false;
    this.heading = h('h2', { id: 'identities-title', tabindex: '-1' }, 'Identities');
    this.message = h('p', { class: 'form-message', role: 'status', 'aria-live': 'polite' }, 'Loading identities…');
    this.identityList = h('div', { class: 'identity-list' });
    this.picker = h('input', {
      type: 'file', accept: UPLOAD_TYPES.join(','), multiple: true, hidden: true,
      onchange: () => { this.upload([...this.picker.files]); this.picker.value = ''; },
    });
    this.refList = h('ul', { class: 'library-grid reference-grid', 'aria-label': 'Your reference photos' });
    const promptId = uid('field');
    this.prompt = h('textarea', { id: promptId, rows: 2, maxlength: 2000 });
    this.startButton = h('button', { type: 'submit', class: 'primary' }, 'Start');
    this.status = h('p', { class: 'identity-status', 'aria-live': 'polite' });
    this.result = h('section', { class: 'identity-result', 'aria-label': 'Result', hidden: true });
    const editId = uid('field');
    this.edit = h('input', { type: 'text', id: editId, maxlength: 2000, placeholder: 'e.g. make it warmer' });
    this.continueButton = h('button', { type: 'submit', class: 'primary' }, 'Continue');
    this.editForm = h('form', { class: 'identity-edit', hidden: true, onsubmit: (event) => { event.preventDefault(); this.continue(); } },
      h('label', { for: editId }, 'Edit'), this.edit, this.continueButton);
    this.el = h('section', { class: 'library-page identities-page', 'aria-labelledby': 'identities-title' },
      this.heading,
      h('p', { class: 'hint' }, 'Pick an identity and get an image of yourself as it, made from your reference photos; then refine it.'),
      this.message,
      h('form', { class: 'identity-form', onsubmit: (event) => { event.preventDefault(); this.start(); } },
        h('fieldset', {}, h('legend', {}, 'Identity'), this.identityList),
        h('div', { class: 'library-head' },
          h('h3', { id: 'references-title' }, 'Your reference photos'),
          h('button', { type: 'button', onclick: () => this.picker.click() }, 'Upload reference photo'),
          this.picker),
        this.refList,
        h('div', { class: 'field' }, h('label', { for: promptId }, 'Additional prompt (optional)'), this.prompt),
        this.startButton),
      this.status, this.result, this.editForm);
    document.title = 'Identities · Image Chat';
    this.load();
  }

  focus() {
    this.heading.focus();
  }

  say(text, isError = false) {
    this.message.textContent = text;
    this.message.classList.toggle('error', isError);
    this.message.setAttribute('role', isError ? 'alert' : 'status');
  }

  async load() {
    try {
      const [identities, references] = await Promise.all([this.api.listIdentities(), this.api.listReferenceImages()]);
      this.identities = identities;
      this.references = references;
      this.say('');
      this.renderIdentities();
      this.renderReferences();
      await this.refreshStatus();
    } catch (error) {
      this.say(`Could not load: ${error.message}`, true);
    }
  }

  renderIdentities() {
    if (!this.identities.length) {
      this.identityList.replaceChildren(h('p', { class: 'hint' }, 'No identities yet. An admin adds them.'));
      return;
    }
    this.identityList.replaceChildren(...this.identities.map((identity, index) => {
      const id = uid('identity');
      return h('div', { class: 'identity-option' },
        h('input', { type: 'radio', name: 'identity', id, value: identity.id, checked: index === 0, 'aria-describedby': `${id}-d` }),
        h('label', { for: id }, identity.name),
        h('small', { class: 'hint', id: `${id}-d` }, identity.description || ''));
    }));
  }

  renderReferences() {
    this.refList.replaceChildren(...this.references.map((ref, index) => {
      const label = `Reference photo ${index + 1}`;
      return h('li', { class: 'library-item' },
        h('img', { src: ref.image_url, alt: label, width: ref.width, height: ref.height, decoding: 'async' }),
        h('button', { type: 'button', class: 'tool danger', 'aria-label': `Delete ${label.toLowerCase()}`, onclick: () => this.remove(ref) }, 'Delete'));
    }));
    if (!this.references.length) {
      this.refList.append(h('li', { class: 'empty' }, 'No reference photos yet. Upload one or more photos of yourself.'));
    }
  }

  async upload(files) {
    for (const file of files) {
      this.say(`Uploading ${file.name}…`);
      try {
        this.references.push(await this.api.uploadReferenceImage(file));
        this.renderReferences();
        this.say(`Added ${file.name}.`);
      } catch (error) {
        this.say(`Could not add ${file.name}: ${error.message}`, true);
        return;
      }
    }
  }

  async remove(ref) {
    try {
      await this.api.deleteReferenceImage(ref.id);
      this.references = this.references.filter((r) => r.id !== ref.id);
      this.renderReferences();
      this.say('Deleted the reference photo.');
      this.heading.focus();
    } catch (error) {
      this.say(`Could not delete: ${error.message}`, true);
    }
  }

  async refreshStatus() {
    try {
      const status = await this.api.identityChatStatus();
      const name = this.identities.find((i) => i.id === status.session_identity_id)?.name;
      if (!status.has_active_session) this.status.textContent = 'No identity chat yet.';
      else {
        this.status.textContent = `Active chat${name ? ` as ${name}` : ''}.` +
          (status.references_changed ? ' Your reference photos changed since it started: Start again to use them.' : '');
      }
    } catch {
      // the status line is a courtesy; the image itself is what matters
    }
  }

  setBusy(busy, text) {
    this.busy = busy;
    this.startButton.disabled = busy;
    this.continueButton.disabled = busy;
    if (text) this.say(text);
  }

  async start() {
    if (this.busy) return;
    const identityId = this.identityList.querySelector('input[name="identity"]:checked')?.value;
    if (!identityId) return this.say('Pick an identity first.', true);
    const fields = { identity_id: identityId };
    const extra = this.prompt.value.trim();
    if (extra) fields.additional_prompt = extra;
    await this.run('Making your image…', () => this.api.startIdentityChat(fields));
  }

  async continue() {
    if (this.busy) return;
    const text = this.edit.value.trim();
    if (!text) return this.say('Type an edit first.', true);
    if (await this.run('Making the next image…', () => this.api.continueIdentityChat({ edit_prompt: text }))) {
      this.edit.value = '';
    }
  }

  async run(working, call) {
    this.setBusy(true, working);
    try {
      this.show(await call());
      this.say(this.lastNotice ?? 'Done.');
      return true;
    } catch (error) {
      this.say(error.message, true);
      return false;
    } finally {
      this.setBusy(false);
      await this.refreshStatus();
    }
  }

  show(result) {
    this.lastNotice = result.notice || null;
    const src = result.image_url || `data:${result.image_mime_type};base64,${result.image_base64}`;
    this.result.replaceChildren(
      h('h3', {}, `You as ${result.identity_name}`),
      h('img', { src, alt: `You as ${result.identity_name}`, class: 'identity-image', decoding: 'async' }),
      result.session_id ? h('a', { class: 'button-link', href: chatHash(result.session_id) }, 'Open in chat') : null);
    this.result.hidden = false;
    this.editForm.hidden = false;
    this.edit.focus();
  }

  destroy() {
    document.title = 'Image Chat';
  }
}
