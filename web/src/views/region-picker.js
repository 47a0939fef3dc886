// "Edit only a region": a rectangle mask on the image being edited (the chat's current image).
// Drawn with the pointer on the image, or typed as X / Y / width / height in the image's pixels
// (the keyboard way; the two stay in sync). The send carries `mask: {rects: [[x, y, w, h]]}`:
// the server edits only that part and keeps every pixel outside it.
import { h, uid } from '../dom.js';

const clamp = (value, low, high) => Math.max(low, Math.min(high, value));

export class RegionPicker {
  constructor() {
    this.image = null; // the session's lastImage {publicUrl, width, height}
    this.toggle = h('input', { type: 'checkbox', id: uid('region'), onchange: () => this.render() });
    this.preview = h('img', { alt: 'The current image: drag on it to mark the region to edit', draggable: false });
    this.box = h('div', { class: 'region-box', hidden: true, 'aria-hidden': 'true' });
    this.stage = h('div', {
      class: 'region-stage',
      onpointerdown: (event) => this.start(event),
      onpointermove: (event) => this.drag(event),
      onpointerup: () => { this.dragFrom = null; },
    }, this.preview, this.box);
    this.inputs = ['x', 'y', 'w', 'h'].map((name) => h('input', {
      type: 'number', min: name === 'w' || name === 'h' ? 1 : 0, step: 1, inputmode: 'numeric',
      id: uid(`region-${name}`), dataset: { name }, oninput: () => this.showBox(),
    }));
    const labels = { x: 'X', y: 'Y', w: 'Width', h: 'Height' };
    this.panel = h('fieldset', { class: 'region-panel', hidden: true },
      h('legend', {}, 'Region to edit (image pixels)'),
      this.stage,
      h('div', { class: 'region-fields' }, this.inputs.map((input) =>
        h('span', { class: 'region-field' },
          h('label', { for: input.id }, labels[input.dataset.name]), input))));
    this.label = h('label', { for: this.toggle.id }, 'Edit only a region');
    this.el = h('span', { class: 'check region-toggle' }, this.toggle, this.label);
    this.setImage(null);
  }

  /** The image a region would be drawn on (null: none yet, the option is off). */
  setImage(image) {
    const same = image && this.image && image.publicUrl === this.image.publicUrl;
    this.image = image ?? null;
    this.toggle.disabled = !this.image;
    if (!this.image) this.toggle.checked = false;
    if (this.image && !same) {
      this.preview.src = this.image.thumbnail?.publicUrl ?? this.image.publicUrl;
      this.setRect([0, 0, 0, 0].map(() => ''));
    }
    this.render();
  }

  render() {
    this.panel.hidden = !this.toggle.checked;
    this.showBox();
  }

  /** [x, y, w, h] in image pixels, or null when off or incomplete. */
  value() {
    if (!this.toggle.checked || !this.image) return null;
    const [x, y, w, hgt] = this.inputs.map((input) => Math.round(Number(input.value)));
    if (![x, y, w, hgt].every(Number.isFinite) || w <= 0 || hgt <= 0) return null;
    return [x, y, w, hgt];
  }

  /** Whether the option is on but no region is marked yet. */
  get incomplete() {
    return this.toggle.checked && this.value() === null;
  }

  reset() {
    this.toggle.checked = false;
    this.setRect(['', '', '', '']);
    this.render();
  }

  setRect(values) {
    this.inputs.forEach((input, i) => { input.value = values[i] === '' ? '' : String(values[i]); });
    this.showBox();
  }

  /** Image pixels per displayed pixel. */
  scale() {
    const shown = this.preview.getBoundingClientRect();
    return shown.width ? this.image.width / shown.width : 1;
  }

  point(event) {
    const shown = this.preview.getBoundingClientRect();
    const s = this.scale();
    return [
      clamp(Math.round((event.clientX - shown.left) * s), 0, this.image.width),
      clamp(Math.round((event.clientY - shown.top) * s), 0, this.image.height),
    ];
  }

  start(event) {
    if (!this.image) return;
    event.preventDefault();
    this.stage.setPointerCapture?.(event.pointerId);
    this.dragFrom = this.point(event);
    this.setRect([...this.dragFrom, 1, 1]);
  }

  drag(event) {
    if (!this.dragFrom) return;
    const [x0, y0] = this.dragFrom;
    const [x1, y1] = this.point(event);
    this.setRect([Math.min(x0, x1), Math.min(y0, y1), Math.max(1, Math.abs(x1 - x0)), Math.max(1, Math.abs(y1 - y0))]);
  }

  showBox() {
    const rect = this.value();
    this.box.hidden = !rect;
    if (!rect) return;
    const s = this.scale() || 1;
    const [x, y, w, hgt] = rect.map((v) => v / s);
    Object.assign(this.box.style, { left: `${x}px`, top: `${y}px`, width: `${w}px`, height: `${hgt}px` });
  }
}
