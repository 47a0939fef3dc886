// One open chat: its header (title, model, aspect ratio), the conversation, followed live with
// Firestore onSnapshot (a sent message's user turn is written `pending` before the model runs,
// then turns complete, blocked or failed), and the composer.
import { collection, doc, onSnapshot, orderBy, query } from 'firebase/firestore';
import { h, select } from '../dom.js';
import { toDate } from '../format.js';
import { ASPECT_RATIOS, modelLabel } from '../options.js';
import { Composer } from './composer.js';
import { ImageViewer } from './image-viewer.js';
import { localBubble, modelBubble, userBubble, workingBubble } from './turn-bubble.js';

/** A session document in the shape the REST API returns. */
function sessionFromDoc(snapshot) {
  const data = snapshot.data();
  const iso = (value) => toDate(value)?.toISOString() ?? null;
  return {
    id: snapshot.id, title: data.title, aspectRatio: data.aspectRatio, imageSize: data.imageSize,
    model: data.model, lastActive: iso(data.lastActive), createdAt: iso(data.createdAt),
    turnCount: data.turnCount ?? 0, lastImage: data.lastImage ?? null,
  };
}

export class ChatPane {
  constructor({ api, auth, db }, sessionId, { onSessionChanged, onMissing }) {
    this.api = api;
    this.sessionId = sessionId;
    this.onSessionChanged = onSessionChanged;
    this.onMissing = onMissing;
    this.session = null;
    this.turns = [];
    this.sends = new Map(); // requestId → {message, previews, error?}: sends this page started
    this.rendered = new Map(); // row key → {signature, el}
    this.viewer = new ImageViewer();
    this.composer = new Composer({ api }, { onSend: (message, previews) => this.send(message, previews) });

    this.title = h('h2', { class: 'chat-title' }, 'Loading…');
    this.meta = h('p', { class: 'chat-meta' });
    this.aspect = select(ASPECT_RATIOS.map((r) => [r, r]), '1:1', {
      'aria-label': 'Aspect ratio for this chat', onchange: () => this.setAspect(this.aspect.value),
    });
    this.notice = h('p', { class: 'form-message', role: 'status', 'aria-live': 'polite' });
    this.log = h('ol', { class: 'turns', 'aria-label': 'Conversation', 'aria-live': 'polite' });
    this.el = h('section', { class: 'chat-pane', 'aria-labelledby': 'chat-title' },
      h('header', { class: 'chat-head' },
        h('div', {}, this.title, this.meta),
        h('label', { class: 'inline' }, 'Aspect ratio ', this.aspect)),
      this.notice,
      this.log,
      this.composer.el,
      this.viewer.el);
    this.title.id = 'chat-title';
    this.dropTarget();

    const uid = auth.currentUser.uid;
    const sessionRef = doc(db, 'users', uid, 'chatSessions', sessionId);
    this.unsubscribe = [
      onSnapshot(sessionRef, (snapshot) => this.onSession(snapshot), () => this.missing()),
      onSnapshot(query(collection(sessionRef, 'turns'), orderBy('index')),
        (snapshot) => this.onTurns(snapshot), () => this.missing()),
    ];
  }

  focus() {
    this.composer.focus();
  }

  dropTarget() {
    const hasFiles = (event) => [...(event.dataTransfer?.types ?? [])].includes('Files');
    this.el.addEventListener('dragover', (event) => {
      if (!hasFiles(event)) return;
      event.preventDefault();
      this.el.classList.add('dropping');
    });
    this.el.addEventListener('dragleave', (event) => {
      if (!this.el.contains(event.relatedTarget)) this.el.classList.remove('dropping');
    });
    this.el.addEventListener('drop', (event) => {
      if (!hasFiles(event)) return;
      event.preventDefault();
      this.el.classList.remove('dropping');
      this.composer.addFiles([...event.dataTransfer.files]);
    });
  }

  onSession(snapshot) {
    if (!snapshot.exists()) return this.missing();
    this.session = sessionFromDoc(snapshot);
    this.title.textContent = this.session.title;
    document.title = `${this.session.title} · Image Chat`; // tabs and history entries tell chats apart
    this.meta.textContent = `${modelLabel(this.session.model)} · ${this.session.imageSize}`;
    this.aspect.value = this.session.aspectRatio;
    this.composer.setChatAspect(this.session.aspectRatio);
    this.onSessionChanged(this.session);
  }

  onTurns(snapshot) {
    this.turns = snapshot.docs.map((d) => ({ id: d.id, ...d.data() }));
    this.render();
  }

  missing() {
    if (this.gone) return;
    this.gone = true;
    this.stopListening();
    this.el.replaceChildren(h('div', { class: 'empty-chat', role: 'status' },
      h('h2', {}, 'This chat is not here'),
      h('p', {}, 'It was deleted, or it belongs to someone else.')));
    this.onMissing();
  }

  async setAspect(aspectRatio) {
    try {
      await this.api.updateSession(this.sessionId, { aspectRatio });
      this.notice.textContent = `New images in this chat default to ${aspectRatio}.`;
    } catch (error) {
      this.notice.textContent = `Could not change the aspect ratio: ${error.message}`;
      if (this.session) this.aspect.value = this.session.aspectRatio;
    }
  }

  async send(message, previews, requestId = crypto.randomUUID()) {
    const entry = { message, previews };
    this.sends.set(requestId, entry);
    this.render({ scroll: true });
    try {
      await this.api.sendMessage(this.sessionId, { ...message, requestId });
      entry.sent = true;
    } catch (error) {
      // A failure after the user turn was stored shows on that turn (from Firestore); one
      // before it (busy, invalid input, offline) shows on this local bubble.
      entry.error = error;
    }
    this.render();
  }

  retry(message, previews = []) {
    this.send({ text: message.text, refUrls: message.refUrls, imageOnly: message.imageOnly }, previews);
  }

  retryTurn(userTurn) {
    if (!userTurn) return;
    const refUrls = (userTurn.attachments ?? []).map((a) => a.storagePath);
    const previews = (userTurn.attachments ?? []).map((a) => ({ src: a.url, width: a.width, height: a.height }));
    this.retry({ text: userTurn.text ?? '', refUrls }, previews);
  }

  rows() {
    const rows = [];
    const stored = new Set();
    const byIndex = new Map(this.turns.map((t) => [t.index, t]));
    let waiting = false;
    for (const turn of this.turns) {
      if (turn.role === 'user') {
        if (turn.requestId) stored.add(turn.requestId);
        rows.push([turn.id, turn, () => userBubble(turn, { onRetry: () => this.retryTurn(turn) })]);
        waiting = turn.status === 'pending';
      } else {
        const userTurn = byIndex.get(turn.index - 1);
        rows.push([turn.id, turn, () => modelBubble(turn, {
          prompt: userTurn?.text,
          onRetry: () => this.retryTurn(userTurn),
          onOpenImage: (image, alt) => this.viewer.open(image, alt),
        })]);
        waiting = false;
      }
    }
    // The working indicator follows the turn it works on: a stored pending turn (maybe sent from
    // another device) comes before this page's unsent bubbles.
    if (waiting) rows.push(['working', {}, workingBubble]);
    let localWaiting = false;
    for (const [requestId, entry] of this.sends) {
      if (stored.has(requestId)) {
        this.sends.delete(requestId); // its stored turn has taken over
        continue;
      }
      rows.push([`local-${requestId}`, { error: entry.error?.message }, () => localBubble(entry, {
        onRetry: () => { this.sends.delete(requestId); this.retry(entry.message, entry.previews); },
        onDismiss: () => { this.sends.delete(requestId); this.render(); this.composer.focus(); },
      })]);
      localWaiting ||= !entry.error;
    }
    if (localWaiting && !waiting) rows.push(['working', {}, workingBubble]);
    return rows;
  }

  render({ scroll = false } = {}) {
    const atBottom = this.log.scrollHeight - this.log.scrollTop - this.log.clientHeight < 120;
    const next = new Map();
    const elements = this.rows().map(([key, data, build]) => {
      const signature = JSON.stringify(data);
      const known = this.rendered.get(key);
      const el = known?.signature === signature ? known.el : build();
      next.set(key, { signature, el });
      return el;
    });
    this.rendered = next;
    // Move only what moved: re-inserting every node would drop keyboard focus and reload images.
    let cursor = this.log.firstChild;
    for (const el of elements) {
      if (el === cursor) cursor = cursor.nextSibling;
      else this.log.insertBefore(el, cursor);
    }
    while (cursor) {
      const following = cursor.nextSibling;
      cursor.remove();
      cursor = following;
    }
    if (!elements.length) {
      this.log.append(h('li', { class: 'empty' }, 'Attach a photo and describe an edit, or describe an image to make.'));
    }
    if (scroll || atBottom) this.log.scrollTop = this.log.scrollHeight;
  }

  stopListening() {
    this.unsubscribe.forEach((stop) => stop());
    this.unsubscribe = [];
  }

  destroy() {
    this.stopListening();
    this.gone = true;
    document.title = 'Image Chat';
  }
}
