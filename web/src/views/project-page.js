// A project's page (seed 003): the hero image, the creative-journey summary and each iteration
// (its image and prompt), rendered from the project's `content`. Its owner also gets the
// Public/Private switch, rename, delete and, once public, "Copy link"; anyone else (signed in or
// not) reads a public project through GET /api/public/projects/{uid}/{slug}, read-only.
import { h, uid as newId } from '../dom.js';
import { toDate } from '../format.js';
import { projectHash } from '../routes.js';
import { ConfirmDialog } from './confirm-dialog.js';

export const PRIVATE_MESSAGE = 'This project is private or does not exist.';

/** The text of a summary: paragraphs split at blank lines. */
function paragraphs(text, props = {}) {
  return (text ?? '').split(/\n\s*\n/).map((p) => p.trim()).filter(Boolean).map((p) => h('p', props, p));
}

/** Seed 003's `content` ({templateVersion: 2, sections: [hero, journey]}) as DOM; unknown parts are skipped. */
export function renderContent(content, title) {
  return (content?.sections ?? []).map((section) => {
    const headingId = newId('project-section');
    if (section.type === 'hero') {
      return h('section', { class: 'project-hero', 'aria-labelledby': headingId },
        h('h3', { id: headingId }, section.title ?? 'The Final Result'),
        section.imageUrl ? h('img', { src: section.imageUrl, alt: `The final result: ${title}`, decoding: 'async' }) : null);
    }
    if (section.type !== 'content') return null;
    const journey = h('section', { class: 'project-journey', 'aria-labelledby': headingId },
      h('h3', { id: headingId }, section.title ?? 'Creative Journey'));
    let current = journey; // blocks after an "Iteration N" heading belong to that iteration
    let step = '';
    for (const block of section.blocks ?? []) {
      if (block.type === 'heading') {
        const id = newId('iteration');
        step = block.content ?? '';
        current = h('section', { class: 'iteration', 'aria-labelledby': id }, h('h4', { id }, step));
        journey.append(current);
      } else if (block.type === 'text') {
        current.append(...paragraphs(block.content, { class: 'summary' }));
      } else if (block.type === 'image' && block.url) {
        current.append(h('img', {
          src: block.url, alt: step ? `The image of ${step.toLowerCase()}` : 'An image of the journey',
          loading: 'lazy', decoding: 'async',
        }));
      } else if (block.type === 'quote') {
        current.append(h('figure', { class: 'prompt' },
          h('blockquote', {}, h('p', {}, block.content || '(an image without a prompt)')),
          h('figcaption', {}, 'Prompt')));
      }
    }
    return journey;
  });
}

export class ProjectPage {
  /** `ownUid`: the signed-in user's uid (null: signed out); their own project gets the owner's tools. */
  constructor({ api }, { uid, slug }, { ownUid = null, onDeleted = () => {} } = {}) {
    this.api = api;
    this.uid = uid;
    this.slug = slug;
    this.owner = ownUid === uid;
    this.onDeleted = onDeleted;
    this.project = null;
    this.confirm = new ConfirmDialog();
    this.el = h('article', { class: 'project-page', 'aria-busy': 'true' },
      h('p', { class: 'loading', role: 'status' }, 'Loading the project…'));
    this.load();
  }

  async load() {
    try {
      const { project } = this.owner
        ? await this.api.getProject(this.slug)
        : await this.api.getPublicProject(this.uid, this.slug);
      this.project = project;
      // The page was just opened (focus on the page's frame): its title is where reading starts.
      const focusHere = [document.body, this.el.parentElement].includes(document.activeElement);
      this.render();
      if (focusHere) this.focus();
    } catch (error) {
      if (error.httpStatus === 404) this.missing();
      else this.failed(error);
    }
  }

  focus() {
    this.heading?.focus({ preventScroll: true });
  }

  missing() {
    document.title = 'Project not found · Image Chat';
    this.el.removeAttribute('aria-busy');
    this.el.replaceChildren(h('div', { class: 'empty-chat', role: 'status' },
      h('h2', {}, PRIVATE_MESSAGE),
      h('p', {}, 'If someone shared this link with you, ask them to make the project public.')));
  }

  failed(error) {
    this.el.removeAttribute('aria-busy');
    this.el.replaceChildren(h('div', { class: 'empty-chat', role: 'alert' },
      h('h2', {}, 'The project could not be loaded'),
      h('p', {}, error.message),
      h('button', { type: 'button', onclick: () => { this.el.replaceChildren(); this.load(); } }, 'Try again')));
  }

  get link() {
    return `${window.location.origin}${window.location.pathname}${projectHash(this.uid, this.project.slug)}`;
  }

  say(text, isError = false) {
    this.message.textContent = text;
    this.message.classList.toggle('error', isError);
    this.message.setAttribute('role', isError ? 'alert' : 'status');
  }

  render() {
    const project = this.project;
    document.title = `${project.title} · Image Chat`;
    this.el.removeAttribute('aria-busy');
    const titleId = newId('project-title');
    this.el.setAttribute('aria-labelledby', titleId);
    this.heading = h('h2', { id: titleId, class: 'project-title', tabindex: '-1' }, project.title);
    this.titleRow = h('div', { class: 'project-title-row' }, this.heading);
    this.message = h('p', { class: 'form-message', role: 'status', 'aria-live': 'polite' });
    const created = toDate(project.createdAt);
    const meta = h('p', { class: 'project-meta' },
      this.owner ? h('span', { class: 'badge visibility' }, project.visibility === 'public' ? 'Public' : 'Private') : null,
      created ? h('span', {}, `Made ${created.toLocaleDateString(undefined, { dateStyle: 'medium' })}`) : null,
      h('span', {}, `${project.iterations?.length ?? 0} iterations`));
    const fallback = project.summaryStatus === 'fallback'
      ? h('p', { class: 'hint fallback' },
        'Fallback summary: the AI-written story could not be made this time, so the summary lists the steps.')
      : null;
    this.el.replaceChildren(
      h('header', { class: 'project-head' }, this.titleRow, meta, fallback,
        this.owner ? this.ownerTools() : null, this.message),
      ...renderContent(project.content, project.title).filter(Boolean),
      this.confirm.el);
  }

  ownerTools() {
    const isPublic = this.project.visibility === 'public';
    this.visibility = h('input', {
      type: 'checkbox', role: 'switch', checked: isPublic, onchange: () => this.setVisibility(this.visibility.checked),
    });
    const tools = h('div', { class: 'actions project-tools' },
      h('label', { class: 'check switch' }, this.visibility, 'Public'),
      h('button', { type: 'button', onclick: () => this.rename() }, 'Rename'),
      h('button', { type: 'button', class: 'danger', onclick: () => this.delete() }, 'Delete'));
    if (!isPublic) {
      return h('div', {}, tools, h('p', { class: 'hint' }, 'Private: only you can see this page.'));
    }
    const linkField = h('input', { type: 'text', readonly: true, value: this.link, 'aria-label': 'Public link' });
    return h('div', {}, tools,
      h('p', { class: 'hint' }, 'Public: anyone with the link can see this page.'),
      h('div', { class: 'share' }, linkField,
        h('button', { type: 'button', class: 'primary', onclick: () => this.copyLink(linkField) }, 'Copy link')));
  }

  async setVisibility(makePublic) {
    this.visibility.disabled = true;
    try {
      const { project } = await this.api.updateProject(this.project.id, { visibility: makePublic ? 'public' : 'private' });
      this.project = project;
      this.render();
      this.visibility.focus();
      this.say(makePublic ? 'The project is public.' : 'The project is private.');
    } catch (error) {
      this.visibility.checked = !makePublic;
      this.visibility.disabled = false;
      this.say(`Not done. ${error.message}`, true);
    }
  }

  async copyLink(linkField) {
    try {
      await navigator.clipboard.writeText(this.link);
      this.say('Link copied.');
    } catch {
      linkField.focus();
      linkField.select();
      this.say('Copy the selected link (Ctrl+C or ⌘C).');
    }
  }

  rename() {
    const input = h('input', {
      type: 'text', value: this.project.title, maxlength: 200, required: true, 'aria-label': 'Project title',
    });
    const cancel = () => { this.render(); this.focus(); };
    const form = h('form', {
      class: 'rename',
      onsubmit: async (event) => {
        event.preventDefault();
        const title = input.value.trim();
        if (!title || title === this.project.title) return cancel();
        try {
          const { project } = await this.api.updateProject(this.project.id, { title });
          this.project = project;
          this.render();
          this.focus();
          this.say(`Renamed to “${project.title}”.`);
        } catch (error) {
          this.say(`Not done. ${error.message}`, true);
        }
      },
    }, input,
    h('button', { type: 'submit', class: 'primary' }, 'Save'),
    h('button', { type: 'button', onclick: cancel }, 'Cancel'));
    input.addEventListener('keydown', (event) => { if (event.key === 'Escape') { event.preventDefault(); cancel(); } });
    this.titleRow.replaceChildren(form);
    input.select();
    input.focus();
  }

  async delete() {
    const ok = await this.confirm.ask({
      title: 'Delete this project?',
      body: 'The project page and its copies of the images are deleted for good. The chat it came from stays.',
      confirm: 'Delete project',
    });
    if (!ok) return;
    try {
      await this.api.deleteProject(this.project.id);
      this.onDeleted(this.project);
    } catch (error) {
      this.say(`Not done. ${error.message}`, true);
    }
  }

  destroy() {
    document.title = 'Image Chat';
  }
}
