// A shared project's page for someone who is not signed in: the project, read-only, under a bar
// leading to Image Chat's sign-in.
import { h } from '../dom.js';
import { ProjectPage } from './project-page.js';

export class PublicProjectScreen {
  constructor(services, route) {
    this.project = new ProjectPage(services, route, { ownUid: null });
    this.el = h('div', { class: 'chat-page public-project' },
      h('header', { class: 'top-bar' },
        h('h1', {}, 'Image Chat'),
        h('a', { class: 'button-link', href: '#' }, 'Sign in')),
      h('main', { class: 'chat-area project-area', id: 'project', tabindex: '-1' }, this.project.el));
  }

  destroy() {
    this.project.destroy();
  }
}
