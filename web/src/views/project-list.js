// The signed-in user's projects (GET /api/projects), newest first, each a link to its page.
import { h } from '../dom.js';
import { plural, timeAgo, toDate } from '../format.js';
import { hashOf } from '../routes.js';

export class ProjectList {
  constructor({ api }) {
    this.api = api;
    this.items = h('ul', { class: 'project-items', 'aria-label': 'Your projects' });
    this.message = h('p', { class: 'form-message', role: 'status', 'aria-live': 'polite' }, 'Loading your projects…');
    this.heading = h('h2', { id: 'projects-title', tabindex: '-1' }, 'Projects');
    this.el = h('section', { class: 'project-list', 'aria-labelledby': 'projects-title' },
      this.heading,
      h('p', { class: 'hint' }, 'Pages made from your images with “Create project”, newest first.'),
      this.message, this.items);
    document.title = 'Projects · Image Chat';
    this.load();
  }

  focus() {
    this.heading.focus();
  }

  async load() {
    try {
      const { projects } = await this.api.listProjects();
      const time = (p) => toDate(p.createdAt)?.getTime() ?? 0;
      projects.sort((a, b) => time(b) - time(a));
      this.message.textContent = '';
      this.items.replaceChildren(...projects.map((p) => this.item(p)));
      if (!projects.length) {
        this.items.append(h('li', { class: 'empty' }, 'No projects yet. In a chat, use “Create project” on an image.'));
      }
    } catch (error) {
      this.message.textContent = `Could not load your projects: ${error.message}`;
      this.message.classList.add('error');
    }
  }

  item(project) {
    return h('li', { class: 'project-item', dataset: { id: project.id } },
      h('a', { class: 'open', href: hashOf(project.url) },
        project.featuredImageUrl
          ? h('img', { src: project.featuredImageUrl, alt: '', loading: 'lazy', width: 64, height: 64 })
          : h('span', { class: 'thumb-placeholder', 'aria-hidden': 'true' }),
        h('span', { class: 'session-text' },
          h('span', { class: 'title' }, project.title),
          h('small', {}, [project.visibility === 'public' ? 'Public' : 'Private',
            plural(project.iterations?.length ?? 0, 'iteration'), timeAgo(project.createdAt)].filter(Boolean).join(' · ')))));
  }

  destroy() {
    document.title = 'Image Chat';
  }
}
