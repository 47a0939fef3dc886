// The signed-in page: account bar, the list of chats and the open chat. The open chat's id
// lives in the URL fragment (#/chat/<id>), so reload and back/forward keep it.
import { h } from '../dom.js';
import { AccountBar } from './account-bar.js';
import { ChatPane } from './chat-pane.js';
import { NewChatDialog } from './new-chat-dialog.js';
import { SessionList } from './session-list.js';

const chatIdFromHash = () => /^#\/chat\/([^/]+)$/.exec(window.location.hash)?.[1] ?? null;

export class ChatPage {
  constructor(services, user) {
    this.services = services;
    this.pane = null;
    this.newChatDialog = new NewChatDialog();
    this.list = new SessionList(services, {
      onOpen: (id) => this.navigate(id),
      onNew: () => this.newChat(),
      onDeleted: (id) => { if (id === this.openId) this.navigate(null); },
    });
    this.toggle = h('button', {
      type: 'button', class: 'sessions-toggle', 'aria-expanded': 'false', 'aria-controls': 'sessions',
      onclick: () => this.showSessions(this.el.dataset.sessions !== 'open'),
    }, 'Chats');
    this.main = h('main', { class: 'chat-area', id: 'chat', tabindex: '-1' });
    this.el = h('div', { class: 'chat-page' },
      h('a', { class: 'skip-link', href: '#chat' }, 'Skip to the chat'),
      h('header', { class: 'top-bar' },
        this.toggle,
        h('h1', {}, 'Image Chat'),
        new AccountBar(services, user).el),
      h('div', { class: 'columns' },
        h('nav', { class: 'sessions', id: 'sessions', 'aria-label': 'Chats' }, this.list.el),
        this.main),
      this.newChatDialog.el);
    this.onHash = () => this.open(chatIdFromHash());
    window.addEventListener('hashchange', this.onHash);
    this.list.load();
    this.open(chatIdFromHash());
  }

  get openId() {
    return this.pane?.sessionId ?? null;
  }

  navigate(id) {
    const hash = id ? `#/chat/${id}` : '';
    if (window.location.hash !== hash) {
      if (hash) window.location.hash = hash;
      else window.history.pushState(null, '', window.location.pathname);
    }
    this.open(id);
    this.showSessions(false);
  }

  open(id) {
    if (id === this.openId && this.pane) return;
    this.pane?.destroy();
    this.pane = null;
    this.list.markOpen(id);
    if (!id) {
      this.main.replaceChildren(h('div', { class: 'empty-chat' },
        h('h2', {}, 'Pick a chat or start a new one'),
        h('p', {}, 'Upload a photo, describe an edit, and keep refining it.'),
        h('button', { type: 'button', class: 'primary', onclick: () => this.newChat() }, 'New chat')));
      return;
    }
    this.pane = new ChatPane(this.services, id, {
      onSessionChanged: (session) => this.list.upsert(session),
      onMissing: () => this.list.remove(id),
    });
    this.main.replaceChildren(this.pane.el);
  }

  async newChat() {
    const fields = await this.newChatDialog.ask();
    if (!fields) return;
    try {
      const { id, session } = await this.services.api.createSession(fields);
      this.list.upsert(session);
      this.navigate(id);
      this.pane?.focus();
    } catch (error) {
      this.list.say(error.message, true);
    }
  }

  showSessions(open) {
    this.el.dataset.sessions = open ? 'open' : 'closed';
    this.toggle.setAttribute('aria-expanded', String(open));
  }

  destroy() {
    window.removeEventListener('hashchange', this.onHash);
    this.pane?.destroy();
    this.list.destroy();
  }
}
