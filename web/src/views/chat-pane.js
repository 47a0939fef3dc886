// One open chat: its header (title, model, aspect ratio, "Start over"), the conversation, followed
// live with Firestore onSnapshot (a sent message's user turn is written `pending` before the model
// runs, then turns complete, blocked or failed), and the composer. The conversation is a tree
// (web/src/tree.js): the chat shows the active branch, with switchers between versions and
// answers, and actions that move the head, regenerate, edit and resend, and delete.
import { collection, doc, onSnapshot, orderBy, query } from 'firebase/firestore';
import { h, select } from '../dom.js';
import { toDate } from '../format.js';
import { ASPECT_RATIOS, modelLabel } from '../options.js';
import { buildTree } from '../tree.js';
import { Composer } from './composer.js';
import { hashOf } from '../routes.js';
import { ConfirmDialog } from './confirm-dialog.js';
import { CreateProjectDialog, defaultProjectTitle } from './create-project-dialog.js';
import { ImageViewer } from './image-viewer.js';
import { openInNewChat } from '../open-in-chat.js';
import { PinnedRefs } from './pinned-refs.js';
import { hiddenLaterBubble, localBubble, modelBubble, userBubble, workingBubble } from './turn-bubble.js';

/** A session document in the shape the REST API returns. */
function sessionFromDoc(snapshot) {
  const data = snapshot.data();
  const iso = (value) => toDate(value)?.toISOString() ?? null;
  return {
    id: snapshot.id, title: data.title, aspectRatio: data.aspectRatio, imageSize: data.imageSize,
    model: data.model, lastActive: iso(data.lastActive), createdAt: iso(data.createdAt),
    turnCount: data.turnCount ?? 0, lastImage: data.lastImage ?? null,
    // undefined: a session written before the conversation tree (its head is its newest answer).
    headTurnId: Object.hasOwn(data, 'headTurnId') ? data.headTurnId ?? null : undefined,
    pinnedRefs: data.pinnedRefs ?? [],
    regionContext: data.regionContext ?? false,
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
    this.turnsLoaded = false;
    this.tree = null; // buildTree() of the last render
    this.sends = new Map(); // requestId → {message, previews, error?}: sends this page started
    this.failures = new Map(); // row key → {error, onRetry}: tree actions that did not go through
    this.regenerating = new Map(); // model turn id → how many new answers its running regenerate asks for
    this.severalOpen = null; // the model turn whose "Regenerate several" choices are shown
    this.creatingProject = new Set(); // model turn ids whose project is being made
    this.focusAfter = null; // {key, label?}: the row (and button) to focus once it is rendered
    this.rendered = new Map(); // row key → {signature, el}
    this.viewer = new ImageViewer();
    this.confirm = new ConfirmDialog();
    this.projectDialog = new CreateProjectDialog();
    this.composer = new Composer({ api }, {
      onSend: (message, previews, options) => this.send(message, previews, options),
      onRegionContext: (on) => this.setRegionContext(on),
    });
    this.pins = new PinnedRefs({ api }, sessionId, { picker: this.composer.libraryPicker });

    this.title = h('h2', { class: 'chat-title' }, 'Loading…');
    // The meta line holds its line before the session arrives: filled in by the first snapshot
    // (seconds later under load) it would push the header's controls down under a pointer
    // already on its way to them ("Pinned references", "Start over"), and the click would miss.
    this.meta = h('p', { class: 'chat-meta' }, '\u00a0');
    this.aspect = select(ASPECT_RATIOS.map((r) => [r, r]), '1:1', {
      'aria-label': 'Aspect ratio for this chat', onchange: () => this.setAspect(this.aspect.value),
    });
    this.startOverButton = h('button', { type: 'button', class: 'start-over', disabled: true, onclick: () => this.startOver() },
      'Start over');
    this.notice = h('p', { class: 'form-message', role: 'status', 'aria-live': 'polite' });
    this.log = h('ol', { class: 'turns', 'aria-label': 'Conversation', 'aria-live': 'polite' });
    this.el = h('section', { class: 'chat-pane', 'aria-labelledby': 'chat-title' },
      h('header', { class: 'chat-head' },
        h('div', {}, this.title, this.meta),
        h('div', { class: 'chat-tools' },
          h('label', { class: 'inline' }, 'Aspect ratio ', this.aspect),
          this.startOverButton),
        this.pins.el),
      this.notice,
      this.log,
      this.composer.el,
      ...this.composer.dialogs,
      this.viewer.el,
      this.confirm.el,
      this.projectDialog.el);
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
    this.composer.region.setImage(this.session.lastImage);
    this.composer.region.setContext(this.session.regionContext);
    this.pins.update(this.session.pinnedRefs);
    this.onSessionChanged(this.session);
    this.scheduleRender();
  }

  onTurns(snapshot) {
    this.turns = snapshot.docs.map((d) => ({ id: d.id, ...d.data() }));
    this.turnsLoaded = true;
    this.scheduleRender();
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

  /** The line under the header: the chat's own settings and actions. */
  say(text, isError = false) {
    this.notice.textContent = text;
    this.notice.classList.toggle('error', isError);
  }

  async setAspect(aspectRatio) {
    try {
      await this.api.updateSession(this.sessionId, { aspectRatio });
      this.say(`New images in this chat default to ${aspectRatio}.`);
    } catch (error) {
      this.say(`Could not change the aspect ratio: ${error.message}`, true);
      if (this.session) this.aspect.value = this.session.aspectRatio;
    }
  }

  /** The chat's `regionContext`: region edits also show the model the whole image. */
  async setRegionContext(on) {
    try {
      await this.api.updateSession(this.sessionId, { regionContext: on });
      this.composer.region.say(on ? 'Region edits in this chat now also show the model the whole image.'
        : 'Region edits in this chat now send only the part to edit.');
    } catch (error) {
      this.composer.region.say(`Could not change it: ${error.message}`, true);
      if (this.session) this.composer.region.setContext(this.session.regionContext);
    }
  }

  /**
   * Sends a message (or, `stateless`, a stateless edit of the head's image: POST .../edit);
   * `display` is the text its bubble shows until the stored turn replaces it (a preset's first).
   */
  async send(message, previews, { stateless = false, display } = {}, requestId = crypto.randomUUID()) {
    const entry = { message, previews, stateless, display };
    this.sends.set(requestId, entry);
    this.render({ scroll: true });
    try {
      if (stateless) await this.api.editImage(this.sessionId, { ...message, requestId });
      else await this.api.sendMessage(this.sessionId, { ...message, requestId });
      entry.sent = true;
    } catch (error) {
      // A failure after the user turn was stored shows on that turn (from Firestore); one
      // before it (busy, invalid input, offline) shows on this local bubble.
      entry.error = error;
    }
    this.render();
  }

  /** The same message again (a new requestId). */
  retry(message, previews = [], options = {}) {
    this.send({ ...message }, previews, options);
  }

  /**
   * Sends a stored user turn's text and stored images again, from the point it was sent from (its
   * pinned references are not repeated: the session prepends its pins to every send).
   */
  retryTurn(userTurn) {
    if (!userTurn) return;
    const own = (userTurn.attachments ?? []).filter((a) => !a.pinned);
    const refUrls = own.map((a) => a.storagePath);
    const previews = own.map((a) => ({ src: a.url, width: a.width, height: a.height }));
    const message = { text: userTurn.text ?? '', refUrls };
    if (userTurn.mode === 'stateless') return this.retry(message, previews, { stateless: true });
    const parent = this.tree?.parentOf.get(userTurn.id);
    // Omitted, a send continues from the head: name the parent only when it is somewhere else.
    if (parent !== undefined && parent !== this.tree.head) message.parentTurnId = parent;
    this.retry(message, previews);
  }

  /** "Save to library" on an answer's image. */
  async saveImage(image) {
    this.say('Saving to your library…');
    try {
      const { image: saved } = await this.api.saveToLibrary(image.publicUrl);
      this.say(`Saved to your library as “${saved.name}”.`);
    } catch (error) {
      this.say(`Could not save it to your library: ${error.message}`, true);
    }
  }

  /** "Open in new chat" on an answer's image: a new chat starting from it. */
  async openImageInChat(image) {
    this.say('Opening a new chat…');
    try {
      await openInNewChat(this.api, image.storagePath);
    } catch (error) {
      if (!this.gone) this.say(`Could not open it in a new chat: ${error.message}`, true);
    }
  }

  // The tree ---------------------------------------------------------------------------

  /** The versions of a user turn that lead to an answer (the head can only move to an answer). */
  versions(tree, turn) {
    return tree.siblingsOf(turn.id).filter((t) => tree.newestAnswerUnder(t.id));
  }

  /** The complete answers to the same message as a model turn. */
  answers(tree, turn) {
    return tree.siblingsOf(turn.id).filter((t) => t.status === 'complete');
  }

  navFor(group, turn, noun) {
    const position = group.findIndex((t) => t.id === turn.id);
    if (position < 0 || group.length < 2) return null;
    return {
      position: position + 1, count: group.length,
      onPrevious: () => this.switchTo(turn, -1, noun),
      onNext: () => this.switchTo(turn, 1, noun),
    };
  }

  /**
   * Shows another version of a message (or another answer): the head moves to the newest complete
   * answer in that sibling's subtree, so its branch is shown as far as it went.
   */
  switchTo(turn, step, noun) {
    const tree = this.tree;
    const group = noun === 'answer' ? this.answers(tree, turn) : this.versions(tree, turn);
    const target = group[group.findIndex((t) => t.id === turn.id) + step];
    const answer = target && tree.newestAnswerUnder(target.id);
    if (!answer) return;
    this.focusAfter = { key: target.id, label: `${step < 0 ? 'Previous' : 'Next'} ${noun}` };
    this.moveHead(answer.id, turn.id);
  }

  /** Moves the head (null: start over); a failure shows on row `failureKey` (else the notice). */
  async moveHead(turnId, failureKey = null) {
    this.failures.delete(failureKey);
    try {
      await this.api.setHead(this.sessionId, turnId);
    } catch (error) {
      this.focusAfter = null;
      this.fail(failureKey, error, () => this.moveHead(turnId, failureKey));
    }
  }

  fail(key, error, onRetry) {
    if (key === null) {
      this.say(`${error.busy ? 'Busy.' : 'Not done.'} ${error.message}`, true);
      return;
    }
    this.failures.set(key, { error, onRetry });
    this.focusAfter = { key, label: 'Dismiss' };
    this.render();
  }

  goBack(turn) {
    this.focusAfter = { key: 'later', label: 'Show later messages' };
    this.moveHead(turn.id, turn.id);
  }

  showLater(answerId) {
    this.focusAfter = { key: answerId };
    this.moveHead(answerId, 'later');
  }

  async startOver() {
    const ok = await this.confirm.ask({
      title: 'Start over?',
      body: 'Your next message starts a new conversation in this chat, without the earlier messages. '
        + 'They are kept: you can come back to them.',
      confirm: 'Start over', danger: false,
    });
    if (!ok) return;
    this.say('');
    this.focusAfter = { key: 'later' };
    this.moveHead(null);
  }

  /**
   * `candidates` (1–4) new answers to the same message: siblings of `turn`, shown with the answer
   * switcher like a message's variations; the server picks the head among them.
   */
  async regenerate(turn, candidates = 1) {
    this.failures.delete(turn.id);
    this.severalOpen = null;
    this.regenerating.set(turn.id, candidates);
    this.render();
    let failure = null;
    try {
      const result = await this.api.regenerateTurn(this.sessionId, turn.id, crypto.randomUUID(), candidates);
      if (result?.turn?.id) this.focusAfter = { key: result.turn.id, label: 'Previous answer' };
      const succeeded = result?.succeeded ?? candidates;
      if (candidates > 1 && succeeded < candidates) {
        this.say(`${succeeded} of the ${candidates} new answers came back; the others did not.`, true);
      }
    } catch (error) {
      failure = error;
    }
    this.regenerating.delete(turn.id);
    if (failure) this.fail(turn.id, failure, () => this.regenerate(turn, candidates));
    else this.render();
  }

  /** Shows or hides an answer's "Regenerate several" choices (2–4 new answers). */
  toggleSeveral(turn) {
    const open = this.severalOpen !== turn.id;
    this.severalOpen = open ? turn.id : null;
    this.focusAfter = { key: turn.id, label: open ? '2 answers' : 'Regenerate several' };
    this.render();
  }

  /** The first prompt on the path to a turn (the server's default project title starts with it). */
  firstPrompt(turn) {
    let prompt = '';
    for (let id = turn.id; id; id = this.tree.parentOf.get(id)) {
      const t = this.tree.byId.get(id);
      if (t?.role === 'user') prompt = t.text ?? '';
    }
    return prompt;
  }

  /** "Create project": asks for a title, then publishes the path to this answer's image. */
  async createProject(turn) {
    const answer = await this.projectDialog.ask({ placeholder: defaultProjectTitle(this.firstPrompt(turn)) });
    if (answer) this.submitProject(turn, answer.title);
  }

  async submitProject(turn, title) {
    this.failures.delete(turn.id);
    this.creatingProject.add(turn.id);
    this.render();
    try {
      const { project } = await this.api.createProject(this.sessionId, { turnId: turn.id, title });
      this.creatingProject.delete(turn.id);
      // The chat page opens the project's page (unless the person has left this chat meanwhile).
      if (!this.gone) window.location.hash = hashOf(project.url);
    } catch (error) {
      this.creatingProject.delete(turn.id);
      if (!this.gone) this.fail(turn.id, error, () => this.submitProject(turn, title));
    }
  }

  edit(turn) {
    if (this.composer.editingTurnId === turn.id) {
      this.composer.cancelEdit(); // the Edit button is a toggle (aria-pressed)
      return;
    }
    const attachments = (turn.attachments ?? []).filter((a) => !a.pinned); // the pins come with every send
    this.composer.edit({
      turnId: turn.id,
      parentTurnId: this.tree.parentOf.get(turn.id) ?? null,
      text: turn.text ?? '',
      images: attachments.map((a) => ({ storagePath: a.storagePath, url: a.url })),
    }, () => this.render());
  }

  /** Stops a running message: the server frees the chat at once; the turn shows as cancelled. */
  async cancelTurn(turn) {
    this.failures.delete(turn.id);
    try {
      await this.api.cancelTurn(this.sessionId, turn.id);
      this.composer.focus();
    } catch (error) {
      this.fail(turn.id, error, () => this.cancelTurn(turn));
    }
  }

  async deleteTurn(turn) {
    const user = turn.role === 'user';
    const ok = await this.confirm.ask(user ? {
      title: 'Delete this message?',
      body: 'The message, its answers and every message that continues from them are deleted, with their images.',
      confirm: 'Delete message',
    } : {
      title: 'Delete this answer?',
      body: 'The answer and every message that continues from it are deleted, with their images.',
      confirm: 'Delete answer',
    });
    if (!ok) return;
    this.failures.delete(turn.id);
    try {
      await this.api.deleteTurn(this.sessionId, turn.id);
      this.composer.focus();
    } catch (error) {
      this.fail(turn.id, error, () => this.deleteTurn(turn));
    }
  }

  failureOf(key) {
    const failure = this.failures.get(key);
    if (!failure) return null;
    return {
      ...failure,
      onRetry: () => { this.failures.delete(key); failure.onRetry(); },
      onDismiss: () => { this.failures.delete(key); this.focusAfter = { key }; this.render(); },
    };
  }

  // Rows -------------------------------------------------------------------------------

  rows(tree) {
    const rows = [];
    const stored = new Set(this.turns.map((t) => t.requestId).filter(Boolean));
    let waiting = null; // the stored running message, if the branch ends with one
    const editing = this.composer.editingTurnId;
    const failureText = (key) => this.failures.get(key)?.error.message ?? null;
    const later = (answer, startedOver) => ['later', { later: answer.id, startedOver }, () => hiddenLaterBubble({
      startedOver, onShow: () => this.showLater(answer.id),
    })];
    if (tree.head === null) {
      const newest = tree.newestAnswerUnder(null);
      if (newest) rows.push(later(newest, true));
    }
    for (const turn of tree.branch) {
      if (turn.role === 'user') {
        const nav = this.navFor(this.versions(tree, turn), turn, 'version');
        const data = { turn, nav: nav && [nav.position, nav.count], failure: failureText(turn.id), editing: editing === turn.id };
        rows.push([turn.id, data, () => userBubble(turn, {
          onRetry: () => this.retryTurn(turn),
          nav,
          onEdit: () => this.edit(turn),
          onDelete: () => this.deleteTurn(turn),
          failure: this.failureOf(turn.id),
          editing: editing === turn.id,
        })]);
        waiting = turn.status === 'pending' ? turn : null;
        continue;
      }
      const userTurn = tree.byId.get(tree.parentOf.get(turn.id));
      const isUserParent = userTurn?.role === 'user';
      const nav = turn.status === 'complete' ? this.navFor(this.answers(tree, turn), turn, 'answer') : null;
      const isHead = turn.id === tree.head;
      const regenerating = this.regenerating.get(turn.id) ?? 0;
      const creatingProject = this.creatingProject.has(turn.id);
      const canRegenerate = isUserParent && turn.status !== 'pending' && !regenerating;
      const severalOpen = canRegenerate && this.severalOpen === turn.id;
      const data = {
        turn, nav: nav && [nav.position, nav.count], isHead, failure: failureText(turn.id), regenerating, creatingProject,
        severalOpen,
      };
      rows.push([turn.id, data, () => modelBubble(turn, {
        prompt: userTurn?.text,
        onRetry: isUserParent ? () => this.retryTurn(userTurn) : null,
        onOpenImage: (image, alt) => this.viewer.open(image, alt),
        nav,
        onGoBack: turn.status === 'complete' && !isHead ? () => this.goBack(turn) : null,
        onRegenerate: canRegenerate ? (candidates) => this.regenerate(turn, candidates) : null,
        several: canRegenerate ? { open: severalOpen, onToggle: () => this.toggleSeveral(turn) } : null,
        onDelete: turn.status !== 'pending' ? () => this.deleteTurn(turn) : null,
        failure: this.failureOf(turn.id),
        onCreateProject: turn.status === 'complete' && turn.images?.length && turn.mode !== 'imported'
          ? () => this.createProject(turn) : null,
        creatingProject,
        onSaveImage: (image) => this.saveImage(image),
        onOpenInChat: (image) => this.openImageInChat(image),
      })]);
      waiting = null;
      const storedPending = tree.branch.some((t) => t.role === 'model' && t.status === 'pending'
        && tree.parentOf.get(t.id) === tree.parentOf.get(turn.id));
      if (regenerating && !storedPending) {
        const text = regenerating > 1 ? `Working on ${regenerating} more answers…` : 'Working on another answer…';
        rows.push([`regenerating-${turn.id}`, { regenerating }, () => workingBubble(text)]);
      }
      if (isHead) {
        const newest = tree.newestAnswerUnder(turn.id);
        if (newest && newest.id !== turn.id) rows.push(later(newest, false));
      }
    }
    // The working indicator follows the turn it works on: a stored pending turn (maybe sent from
    // another device) comes before this page's unsent bubbles.
    if (waiting) {
      const running = waiting;
      const progress = running.progress ?? null;
      rows.push(['working', { cancel: running.id, progress }, () => workingBubble(undefined, {
        onCancel: () => this.cancelTurn(running),
        progress,
      })]);
    }
    let localWaiting = false;
    for (const [requestId, entry] of this.sends) {
      if (stored.has(requestId)) {
        this.sends.delete(requestId); // its stored turn has taken over
        continue;
      }
      rows.push([`local-${requestId}`, { error: entry.error?.message }, () => localBubble(entry, {
        onRetry: () => {
          this.sends.delete(requestId);
          this.retry(entry.message, entry.previews, { stateless: entry.stateless, display: entry.display });
        },
        onDismiss: () => { this.sends.delete(requestId); this.render(); this.composer.focus(); },
      })]);
      localWaiting ||= !entry.error;
    }
    if (localWaiting && !waiting) rows.push(['working', {}, workingBubble]);
    return rows;
  }

  /**
   * Snapshot listeners render through here: Firestore raises the session's and the turns'
   * snapshots of one write as separate tasks back to back, so one render after both sees the head
   * and the turns agree.
   */
  scheduleRender() {
    if (this.renderTimer) return;
    this.renderTimer = setTimeout(() => {
      this.renderTimer = null;
      this.render();
    }, 0);
  }

  render({ scroll = false } = {}) {
    if (!this.session || !this.turnsLoaded || this.gone) return;
    const tree = buildTree(this.turns, this.session);
    if (tree.headMissing) {
      // The session names a head the turns do not have yet (or any more): wait for the other
      // snapshot, and if they still disagree after a moment show the newest answer's branch.
      if (!this.headMissingSince) {
        this.headMissingSince = Date.now();
        setTimeout(() => this.render(), 1500);
        return;
      }
      if (Date.now() - this.headMissingSince < 1400) return;
    } else {
      this.headMissingSince = null;
    }
    this.tree = tree.headMissing
      ? buildTree(this.turns, { ...this.session, headTurnId: tree.newestAnswerUnder(null)?.id ?? null })
      : tree;
    this.startOverButton.disabled = this.tree.head === null;
    const atBottom = this.log.scrollHeight - this.log.scrollTop - this.log.clientHeight < 120;
    const focused = this.focusedControl();
    const next = new Map();
    const elements = this.rows(this.tree).map(([key, data, build]) => {
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
    if (focused && !focused.el.isConnected && !this.focusAfter) this.focusAfter = focused;
    this.restoreFocus();
  }

  /** The button in the conversation that has focus, as {key, label} of its row, with the element. */
  focusedControl() {
    const el = document.activeElement;
    if (!el || !this.log.contains(el) || el.tagName !== 'BUTTON') return null;
    for (const [key, row] of this.rendered) {
      if (row.el.contains(el)) return { key, label: el.getAttribute('aria-label') ?? el.textContent, el };
    }
    return null;
  }

  /** After an action replaced the row a person was on, focus goes to the row it leads to. */
  restoreFocus() {
    const wanted = this.focusAfter;
    if (wanted && !wanted.at) wanted.at = Date.now();
    if (wanted && Date.now() - wanted.at > 10_000) this.focusAfter = null; // never showed up
    const row = wanted && this.rendered.get(wanted.key)?.el;
    if (!row) return;
    this.focusAfter = null;
    const buttons = [...row.querySelectorAll('button:not(:disabled)')];
    const named = buttons.find((b) => (b.getAttribute('aria-label') ?? b.textContent) === wanted.label);
    (named ?? buttons.find((b) => b.closest('.turn-tools, .switcher')) ?? buttons[0])?.focus();
  }

  stopListening() {
    this.unsubscribe.forEach((stop) => stop());
    this.unsubscribe = [];
  }

  destroy() {
    clearTimeout(this.renderTimer);
    this.stopListening();
    this.gone = true;
    document.title = 'Image Chat';
  }
}
