// "Pinned references" in a chat's header: the session's pinned images (up to 4), prepended to
// every message it sends. "Pin from library" adds, "Remove" takes one off; each change replaces
// the list (PATCH pinnedRefs), and a refusal says the server's message.
import { h, uid } from '../dom.js';

export const MAX_PINNED = 4;

export class PinnedRefs {
  constructor({ api }, sessionId, { picker }) {
    this.api = api;
    this.sessionId = sessionId;
    this.picker = picker;
    this.pins = [];
    const panelId = uid('pins');
    this.toggle = h('button', {
      type: 'button', class: 'pins-toggle', 'aria-expanded': 'false', 'aria-controls': panelId,
      onclick: () => this.show(this.panel.hidden),
    }, 'Pinned references');
    // Until the session arrives, a line where "Nothing pinned." will be: the panel keeps its height
    // (the session's first snapshot must not move "Pin from library" under a pointer).
    this.items = h('ul', { class: 'pins', 'aria-label': 'Pinned references' }, h('li', { class: 'empty' }, 'Loading…'));
    this.message = h('p', { class: 'form-message', role: 'status', 'aria-live': 'polite' });
    this.pinButton = h('button', { type: 'button', onclick: () => this.pinFromLibrary() }, 'Pin from library');
    this.panel = h('div', { class: 'pins-panel', id: panelId, hidden: true },
      h('p', { class: 'hint' }, `Sent first with every message of this chat (at most ${MAX_PINNED}).`),
      this.items, this.pinButton, this.message);
    this.el = h('div', { class: 'pinned-refs' }, this.toggle, this.panel);
  }

  show(open) {
    this.panel.hidden = !open;
    this.toggle.setAttribute('aria-expanded', String(open));
  }

  say(text, isError = false) {
    this.message.textContent = text;
    this.message.classList.toggle('error', isError);
  }

  /** The session's pins ([Attachment] with url and storagePath), from its snapshot. */
  update(pins = []) {
    this.pins = pins;
    this.toggle.textContent = pins.length ? `Pinned references (${pins.length})` : 'Pinned references';
    this.pinButton.disabled = pins.length >= MAX_PINNED;
    this.items.replaceChildren(...pins.map((pin, i) => h('li', {},
      h('img', { src: pin.url, alt: `Pinned reference ${i + 1}`, width: 64, height: 64 }),
      h('button', {
        type: 'button', class: 'icon remove', 'aria-label': `Remove pinned reference ${i + 1}`,
        onclick: () => this.save(this.pins.filter((_, j) => j !== i).map((p) => p.storagePath), 'Removed.'),
      }, '×'))));
    if (!pins.length) this.items.append(h('li', { class: 'empty' }, 'Nothing pinned.'));
  }

  async pinFromLibrary() {
    const picked = await this.picker.ask({
      title: 'Pin from library', confirm: 'Pin', max: Math.max(1, MAX_PINNED - this.pins.length),
    });
    this.pinButton.focus();
    if (!picked.length) return;
    const refs = [...this.pins.map((p) => p.storagePath), ...picked.map((image) => `library://${image.id}`)];
    await this.save(refs, `Pinned ${picked.map((image) => image.name).join(', ')}.`);
  }

  /** Replaces the list: the current pins by their session copies, new ones as library://id. */
  async save(refs, done) {
    this.say('Saving…');
    try {
      const { session } = await this.api.updateSession(this.sessionId, { pinnedRefs: refs });
      this.update(session.pinnedRefs ?? []);
      this.say(done);
    } catch (error) {
      this.say(`Not done. ${error.message}`, true);
    }
    (this.items.querySelector('button') ?? this.pinButton).focus();
  }
}
