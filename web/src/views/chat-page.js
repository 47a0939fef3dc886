// The signed-in page: account bar, the list of chats and what the main area shows: the open
// chat, the user's projects, a project's page, the image library or the identity chat. Which one lives in the URL fragment
// (src/routes.js), so reload and back/forward keep it.
import { h } from '../dom.js';
import { routeFromHash } from '../routes.js';
import { AccountBar } from './account-bar.js';
import { ChatPane } from './chat-pane.js';
import { IdentitiesPage } from './identities-page.js';
import { LibraryPage } from './library-page.js';
import { NewChatDialog } from './new-chat-dialog.js';
import { ProjectList } from './project-list.js';
import { ProjectPage } from './project-page.js';
import { SessionList } from './session-list.js';
import { UsagePage } from './usage-page.js';

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
        this.libraryLink = h('a', { class: 'button-link', href: '#/library' }, 'Library'),
        this.projectsLink = h('a', { class: 'button-link', href: '#/projects' }, 'Projects'),
        this.identitiesLink = h('a', { class: 'button-link', href: '#/identities' }, 'Identities'),
        this.usageLink = h('a', { class: 'button-link', href: '#/usage' }, 'Usage'),
        new AccountBar(services, user).el),
      h('div', { class: 'columns' },
        h('nav', { class: 'sessions', id: 'sessions', 'aria-label': 'Chats' }, this.list.el),
        this.main),
      this.newChatDialog.el);
    this.user = user;
    this.view = null; // the project list or a project's page, when the main area shows one
    this.viewKey = null;
    this.onHash = () => this.route();
    window.addEventListener('hashchange', this.onHash);
    this.list.load();
    this.route();
  }

  /** Shows what the URL fragment names. */
  route() {
    const route = routeFromHash();
    if (route.kind === 'chat') return this.open(route.id);
    if (route.kind === 'none') return this.open(null);
    const key = route.kind === 'project' ? `project/${route.uid}/${route.slug}` : route.kind;
    if (key === this.viewKey) return;
    this.closeMain();
    this.list.markOpen(null);
    this.viewKey = key;
    if (route.kind === 'library') this.view = new LibraryPage(this.services);
    else if (route.kind === 'identities') this.view = new IdentitiesPage(this.services);
    else if (route.kind === 'projects') this.view = new ProjectList(this.services);
    else if (route.kind === 'usage') this.view = new UsagePage(this.services);
    else {
      this.view = new ProjectPage(this.services, route, {
        ownUid: this.user.uid,
        onDeleted: (project) => {
          this.navigate(null);
          this.showSessions(true); // back to the chat list (on a phone, the list replaces the chat)
          this.list.say(`Deleted the project “${project.title}”.`);
        },
      });
    }
    this.projectsLink.setAttribute('aria-current', route.kind === 'projects' ? 'page' : 'false');
    this.libraryLink.setAttribute('aria-current', route.kind === 'library' ? 'page' : 'false');
    this.identitiesLink.setAttribute('aria-current', route.kind === 'identities' ? 'page' : 'false');
    this.usageLink.setAttribute('aria-current', route.kind === 'usage' ? 'page' : 'false');
    this.main.replaceChildren(this.view.el);
    this.showSessions(false);
    this.main.focus({ preventScroll: true });
  }

  /** Ends what the main area shows (a chat's listeners, a project page). */
  closeMain() {
    this.pane?.destroy();
    this.pane = null;
    this.view?.destroy();
    this.view = null;
    this.viewKey = null;
    this.projectsLink.setAttribute('aria-current', 'false');
    this.libraryLink.setAttribute('aria-current', 'false');
    this.identitiesLink.setAttribute('aria-current', 'false');
    this.usageLink.setAttribute('aria-current', 'false');
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
    if (!id && !this.pane && !this.view && this.main.firstChild) return;
    this.closeMain();
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

  /**
   * "New chat": creates the chat, and with a first message sends it in the same call (composer
   * chat mode). If that send fails, the chat exists with its failed turn: it opens all the same.
   */
  async newChat(problem = '') {
    const answer = await this.newChatDialog.ask({ problem });
    if (!answer) return;
    const { fields, first } = answer;
    const api = this.services.api;
    try {
      if (first) {
        this.list.say(first.files.length ? 'Uploading the images…' : 'Starting the chat…');
        const uploads = await Promise.all(first.files.map((file) => api.uploadImage(file)));
        this.list.say('Starting the chat…');
        fields.message = {
          text: first.text, refUrls: uploads.map((u) => u.storagePath), requestId: crypto.randomUUID(),
        };
      }
      const { id, session } = await api.createSession(fields);
      this.list.say('');
      this.list.upsert(session);
      this.navigate(id);
      this.pane?.focus();
    } catch (error) {
      const created = error.body?.id;
      if (created) {
        if (error.body.session) this.list.upsert(error.body.session);
        this.navigate(created); // the failed turn is there, with "Try again"
        this.pane?.focus();
        this.list.say(`The chat was created, but its first message failed: ${error.message}`, true);
      } else if (error.overQuota) {
        this.list.say('');
        this.newChat(error.message); // nothing was created: the dialog again, its input kept
      } else {
        this.list.say(error.message, true);
      }
    }
  }

  showSessions(open) {
    this.el.dataset.sessions = open ? 'open' : 'closed';
    this.toggle.setAttribute('aria-expanded', String(open));
  }

  destroy() {
    window.removeEventListener('hashchange', this.onHash);
    this.closeMain();
    this.list.destroy();
  }
}
