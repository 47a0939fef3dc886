// The user's chats, newest activity first; more load on scroll. New, open, rename, delete.
import { h } from '../dom.js';
import { excerpt, plural, timeAgo, toDate } from '../format.js';
import { icon } from '../icons.js';
import { ConfirmDialog } from './confirm-dialog.js';

const PAGE_SIZE = 20;

export class SessionList {
  constructor({ api }, { onOpen, onNew, onDeleted }) {
    this.api = api;
    this.onOpen = onOpen;
    this.onDeleted = onDeleted;
    this.sessions = new Map();
    this.cursor = undefined; // undefined: first page not loaded; null: no more pages
    this.openId = null;
    this.loading = false;
    this.confirm = new ConfirmDialog();
    this.items = h('ul', { class: 'session-items' });
    this.message = h('p', { class: 'form-message', role: 'status', 'aria-live': 'polite' });
    this.more = h('button', { type: 'button', class: 'link more', hidden: true, onclick: () => this.loadMore() },
      'Load older chats');
    this.el = h('div', { class: 'session-list' },
      h('div', { class: 'session-list-head' },
        h('h2', {}, 'Chats'),
        h('button', { type: 'button', class: 'primary', onclick: onNew }, 'New chat')),
      this.message, this.items, this.more, this.confirm.el);
    // "More on scroll": the "Load older chats" button loads itself when it scrolls into view;
    // it stays a button for keyboard users.
    this.observer = new IntersectionObserver((entries) => {
      if (entries.some((e) => e.isIntersecting)) this.loadMore();
    });
    this.observer.observe(this.more);
  }

  say(text, isError = false) {
    this.message.textContent = text;
    this.message.classList.toggle('error', isError);
  }

  async load() {
    this.cursor = undefined;
    this.sessions.clear();
    await this.loadMore();
  }

  async loadMore() {
    if (this.loading || this.cursor === null) return;
    this.loading = true;
    this.more.disabled = true;
    try {
      const page = await this.api.listSessions({ limit: PAGE_SIZE, cursor: this.cursor });
      for (const session of page.sessions) this.sessions.set(session.id, session);
      this.cursor = page.nextCursor ?? null;
      if (this.message.classList.contains('error')) this.say('');
    } catch (error) {
      this.say(`Could not load your chats: ${error.message}`, true);
    } finally {
      this.loading = false;
      this.more.disabled = false;
      this.render();
    }
  }

  upsert(session) {
    const known = this.sessions.get(session.id);
    const merged = { ...known, ...session };
    if (JSON.stringify(known) === JSON.stringify(merged)) return;
    this.sessions.set(session.id, merged);
    this.render();
  }

  remove(id) {
    this.sessions.delete(id);
    this.render();
  }

  markOpen(id) {
    this.openId = id;
    this.render();
  }

  sorted() {
    const time = (s) => toDate(s.lastActive)?.getTime() ?? 0;
    return [...this.sessions.values()].sort((a, b) => time(b) - time(a) || (a.id < b.id ? 1 : -1));
  }

  render() {
    const sessions = this.sorted();
    // Keep keyboard focus across the rebuild: on the same element when it survives (a title
    // being edited), else on the same chat's link.
    const active = this.items.contains(document.activeElement) ? document.activeElement : null;
    const focusedId = active?.closest('.session-item')?.dataset.id;
    this.items.replaceChildren(...sessions.map((s) => this.item(s)));
    if (active?.isConnected) active.focus();
    else if (focusedId) this.items.querySelector(`[data-id="${CSS.escape(focusedId)}"] .open`)?.focus();
    if (this.cursor !== undefined && !sessions.length) {
      this.items.append(h('li', { class: 'empty' }, 'No chats yet. Start one with "New chat".'));
    }
    this.more.hidden = !this.cursor;
  }

  item(session) {
    // A title being edited stays as it is while the list updates around it.
    if (this.renaming?.id === session.id) return this.renaming.li;
    const thumb = session.lastImage?.thumbnail?.publicUrl;
    const open = h('a', {
      class: 'open', href: `#/chat/${session.id}`,
      'aria-current': session.id === this.openId ? 'page' : false,
      onclick: (event) => { event.preventDefault(); this.onOpen(session.id); },
    },
    thumb ? h('img', { src: thumb, alt: '', loading: 'lazy', width: 40, height: 40 })
      : h('span', { class: 'thumb-placeholder', 'aria-hidden': 'true' }),
    h('span', { class: 'session-text' },
      h('span', { class: 'title' }, session.title),
      h('small', {}, [timeAgo(session.lastActive), plural(Math.floor((session.turnCount ?? 0) / 2), 'edit')]
        .filter(Boolean).join(' · '))));
    return h('li', { class: 'session-item', dataset: { id: session.id } },
      open,
      h('button', {
        type: 'button', class: 'icon', 'aria-label': `Rename “${excerpt(session.title, 40)}”`,
        title: 'Rename', onclick: (event) => this.rename(session, event.currentTarget.closest('li')),
      }, icon('pencil')),
      h('button', {
        type: 'button', class: 'icon danger', 'aria-label': `Delete “${excerpt(session.title, 40)}”`,
        title: 'Delete', onclick: () => this.delete(session),
      }, icon('trash')));
  }

  rename(session, li) {
    const input = h('input', {
      type: 'text', value: session.title, maxlength: 200, required: true, 'aria-label': 'Chat title',
    });
    let done = false;
    const finish = async (save) => {
      if (done) return;
      done = true;
      this.renaming = null;
      const title = input.value.trim();
      if (save && title && title !== session.title) {
        try {
          const { session: updated } = await this.api.updateSession(session.id, { title });
          this.upsert(updated);
          this.say(`Renamed to “${updated.title}”.`);
        } catch (error) {
          this.say(`Could not rename: ${error.message}`, true);
          this.render();
        }
      } else {
        this.render();
      }
      this.items.querySelector(`[data-id="${CSS.escape(session.id)}"] .open`)?.focus();
    };
    const form = h('form', { class: 'rename', onsubmit: (event) => { event.preventDefault(); finish(true); } },
      input,
      h('button', { type: 'submit', class: 'primary' }, 'Save'),
      h('button', { type: 'button', onclick: () => finish(false) }, 'Cancel'));
    input.addEventListener('keydown', (event) => { if (event.key === 'Escape') finish(false); });
    li.replaceChildren(form);
    this.renaming = { id: session.id, li };
    input.select();
    input.focus();
  }

  async delete(session) {
    const ok = await this.confirm.ask({
      title: `Delete “${excerpt(session.title, 60)}”?`,
      body: 'Its messages and images are deleted for good.',
      confirm: 'Delete chat',
    });
    if (!ok) return;
    try {
      await this.api.deleteSession(session.id);
      this.remove(session.id);
      this.say(`Deleted “${session.title}”.`);
      this.onDeleted(session.id);
    } catch (error) {
      this.say(`Could not delete: ${error.message}`, true);
    }
  }

  destroy() {
    this.observer.disconnect();
  }
}
