// "Presets": the prompt presets (built-in ones, then the user's) to put before a message; "Save
// as preset" keeps the composer's current text as one of the user's; the user's own can be deleted.
import { field, h, uid } from '../dom.js';

export class PresetMenu {
  constructor({ api }) {
    this.api = api;
    this.heading = h('h2', { id: uid('presets-title') }, 'Presets');
    this.list = h('ul', { class: 'preset-list', 'aria-label': 'Presets' });
    this.message = h('p', { class: 'form-message', role: 'status', 'aria-live': 'polite' });
    this.name = h('input', { type: 'text', maxlength: 100, autocomplete: 'off' });
    this.current = h('p', { class: 'hint current-text' });
    this.saveForm = h('form', { class: 'save-preset', onsubmit: (event) => { event.preventDefault(); this.save(); } },
      h('h3', {}, 'Save the current text as a preset'),
      this.current,
      field('Preset name', this.name),
      h('button', { type: 'submit' }, 'Save as preset'));
    this.el = h('dialog', { class: 'preset-menu', 'aria-labelledby': this.heading.id },
      this.heading,
      h('p', { class: 'hint' }, 'A preset’s text goes before your message.'),
      this.message, this.list, this.saveForm,
      h('div', { class: 'actions' }, h('button', { type: 'button', onclick: () => this.el.close() }, 'Close')));
  }

  say(text, isError = false) {
    this.message.textContent = text;
    this.message.classList.toggle('error', isError);
  }

  /** Resolves the chosen preset {id, name, text, builtin}, or null. `text`: the composer's text (for "Save as preset"). */
  ask({ text = '' } = {}) {
    this.text = text.trim();
    this.chosen = null;
    this.name.value = '';
    this.current.textContent = this.text ? `“${this.text}”` : 'Write the text in the message box first.';
    this.saveForm.hidden = !this.text;
    this.say('Loading presets…');
    this.el.showModal();
    this.load();
    return new Promise((resolve) => {
      this.el.addEventListener('close', () => resolve(this.chosen), { once: true });
    });
  }

  async load({ focus = true } = {}) {
    try {
      const { presets } = await this.api.listPresets();
      this.say('');
      this.list.replaceChildren(...presets.map((preset) => this.item(preset)));
      if (focus) this.list.querySelector('button')?.focus();
    } catch (error) {
      this.say(`Could not load the presets: ${error.message}`, true);
    }
  }

  item(preset) {
    const textId = uid('preset-text');
    return h('li', { class: 'preset', dataset: { id: preset.id } },
      h('button', {
        type: 'button', class: 'use', 'aria-describedby': textId,
        onclick: () => { this.chosen = preset; this.el.close(); },
      }, preset.name),
      h('small', { class: 'hint', id: textId }, preset.builtin ? `Built-in · ${preset.text}` : preset.text),
      preset.builtin ? null : h('button', {
        type: 'button', class: 'tool danger', 'aria-label': `Delete preset ${preset.name}`, onclick: () => this.remove(preset),
      }, 'Delete'));
  }

  async save() {
    const name = this.name.value.trim();
    if (!name) {
      this.say('Give the preset a name.', true);
      this.name.focus();
      return;
    }
    try {
      const { preset } = await this.api.createPreset(name, this.text);
      this.name.value = '';
      this.say(`Saved the preset “${preset.name}”.`);
      await this.load({ focus: false });
    } catch (error) {
      this.say(`Could not save the preset: ${error.message}`, true);
    }
  }

  async remove(preset) {
    try {
      await this.api.deletePreset(preset.id);
      this.say(`Deleted the preset “${preset.name}”.`);
      await this.load({ focus: false });
      this.list.querySelector('button')?.focus();
    } catch (error) {
      this.say(`Could not delete the preset: ${error.message}`, true);
    }
  }
}
