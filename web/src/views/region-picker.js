// "Edit only a region": a mask on the image being edited — the chat's current image, or one of the
// images attached to the message ("Region on": Current image / Attachment N). Two shapes:
// - Rectangle: dragged on the image, or typed as X / Y / width / height in the image's pixels
//   (the keyboard way; the two stay in sync) → `mask: {rects: [[x, y, w, h]]}`;
// - Lasso: a freehand outline dragged around the part to edit, closed on release and simplified to
//   at most MAX_LASSO_POINTS points, or typed as "x,y x,y x,y ..." in the image's pixels (the
//   keyboard way; the field shows a drawn outline's points too) → `mask: {polygons: [[[x, y], ...]]}`.
// On an attachment the mask also names it: `mask.attachment` (its index among the message's images).
// The server edits only that part and keeps every pixel outside it. The panel also holds the chat's
// own "whole image as context" setting (the session's `regionContext`).
import { h, uid } from '../dom.js';
import { clamp, parseOutline, simplifyPath } from '../outline.js';

const SVG = 'http://www.w3.org/2000/svg';
const svg = (tag, attributes = {}) => {
  const el = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attributes)) el.setAttribute(key, String(value));
  return el;
};

const MIN_STEP_PX = 3; // displayed pixels between two recorded points of a lasso being drawn

export class RegionPicker {
  /** `onContextChange(on)`: the person turned the chat's "whole image as context" setting on or off. */
  constructor({ onContextChange } = {}) {
    this.current = null; // the session's lastImage {publicUrl, width, height, thumbnail}
    this.attachments = []; // the message's images [{key, src, width?, height?, name?}], in send order
    this.targetKey = 'current'; // 'current' or an attachment's key
    this.image = null; // what the region is drawn on: {src, width, height}
    this.shape = 'rect';
    this.lasso = []; // [[x, y], ...] image pixels
    this.lassoClosed = false;
    this.toggle = h('input', { type: 'checkbox', id: uid('region'), onchange: () => this.opened() });
    this.preview = h('img', { alt: '', draggable: false, onload: () => this.onPreviewLoad() });
    this.box = h('div', { class: 'region-box', hidden: true, 'aria-hidden': 'true' });
    this.outline = svg('path', { class: 'region-lasso-path' });
    this.overlay = svg('svg', { class: 'region-lasso', 'aria-hidden': 'true', preserveAspectRatio: 'none' });
    this.overlay.append(this.outline);
    this.stage = h('div', {
      class: 'region-stage',
      onpointerdown: (event) => this.start(event),
      onpointermove: (event) => this.drag(event),
      onpointerup: () => this.finish(),
      onpointercancel: () => this.finish(),
      onlostpointercapture: () => this.finish(),
    }, this.preview, this.box, this.overlay);
    this.target = h('select', { id: uid('region-target'), onchange: () => this.choose(this.target.value) });
    this.targetField = h('span', { class: 'region-field region-target', hidden: true },
      h('label', { for: this.target.id }, 'Region on'), this.target);
    const shapeName = uid('region-shape');
    this.shapes = [['rect', 'Rectangle'], ['lasso', 'Lasso']].map(([value, text]) => {
      const radio = h('input', {
        type: 'radio', name: shapeName, value, id: uid(`region-${value}`), checked: value === this.shape,
        onchange: () => this.setShape(value),
      });
      return h('span', { class: 'check' }, radio, h('label', { for: radio.id }, text));
    });
    this.inputs = ['x', 'y', 'w', 'h'].map((name) => h('input', {
      type: 'number', min: name === 'w' || name === 'h' ? 1 : 0, step: 1, inputmode: 'numeric',
      id: uid(`region-${name}`), dataset: { name }, oninput: () => this.showBox(),
    }));
    const labels = { x: 'X', y: 'Y', w: 'Width', h: 'Height' };
    this.fields = h('div', { class: 'region-fields' }, this.inputs.map((input) =>
      h('span', { class: 'region-field' },
        h('label', { for: input.id }, labels[input.dataset.name]), input)));
    this.lassoHint = h('p', { class: 'hint', hidden: true, id: uid('region-lasso-hint') },
      'Drag around the part to edit; the outline closes when you let go. Or type its points: x,y in image pixels, '
      + 'separated by spaces, at least 3 (e.g. 100,100 400,120 250,380), then press Enter.');
    // The keyboard way to a lasso: typed points, applied on Enter or on leaving the field.
    this.points = h('input', {
      type: 'text', id: uid('region-points'), autocomplete: 'off', spellcheck: false,
      'aria-describedby': this.lassoHint.id,
      onchange: () => this.typedOutline(),
      onkeydown: (event) => {
        if (event.key !== 'Enter') return;
        event.preventDefault(); // applies the points; it does not send the message
        this.typedOutline();
      },
    });
    this.pointsField = h('span', { class: 'region-field region-points', hidden: true },
      h('label', { for: this.points.id }, 'Outline points'), this.points);
    this.clearButton = h('button', { type: 'button', hidden: true, onclick: () => this.clearLasso(true) }, 'Clear outline');
    this.status = h('p', { class: 'form-message', role: 'status', 'aria-live': 'polite' });
    this.context = h('input', {
      type: 'checkbox', id: uid('region-context'), onchange: () => onContextChange?.(this.context.checked),
    });
    this.panel = h('fieldset', { class: 'region-panel', hidden: true },
      h('legend', {}, 'Region to edit (image pixels)'),
      h('div', { class: 'region-options' },
        this.targetField,
        h('fieldset', { class: 'region-shape' }, h('legend', {}, 'Shape'), this.shapes)),
      this.stage,
      this.fields,
      this.lassoHint,
      this.pointsField,
      this.clearButton,
      this.status,
      h('span', { class: 'check region-context' }, this.context,
        h('label', { for: this.context.id }, 'Region edits: also show the model the whole image (this chat)')));
    this.label = h('label', { for: this.toggle.id }, 'Edit only a region');
    this.el = h('span', { class: 'check region-toggle' }, this.toggle, this.label);
    this.refresh();
  }

  /** The chat's current image (null: none yet). */
  setImage(image) {
    this.current = image ?? null;
    this.refresh();
  }

  /**
   * The message's images, in the order they are sent ([{key, src, width?, height?, name?}];
   * without a size, an image's own is read once it loads — uploads are previewed at full size).
   */
  setAttachments(attachments) {
    this.attachments = attachments;
    this.refresh();
  }

  /** The chat's `regionContext`, as stored. */
  setContext(on) {
    this.context.checked = Boolean(on);
  }

  /** The images a region can be on: [{key, label, src, width, height}]. */
  targets() {
    const list = [];
    if (this.current) {
      list.push({
        key: 'current', label: 'Current image', src: this.current.thumbnail?.publicUrl ?? this.current.publicUrl,
        width: this.current.width, height: this.current.height,
      });
    }
    this.attachments.forEach((item, i) => list.push({
      key: item.key, label: `Attachment ${i + 1}${item.name ? ` (${item.name})` : ''}`, index: i,
      src: item.src, width: item.width, height: item.height,
    }));
    return list;
  }

  /** Re-reads what can be drawn on; keeps the region while its image stays the same. */
  refresh() {
    const targets = this.targets();
    this.toggle.disabled = !targets.length;
    if (!targets.length) this.toggle.checked = false;
    this.targetField.hidden = !this.attachments.length; // only the current image: nothing to choose
    this.target.replaceChildren(...targets.map((t) => h('option', { value: t.key }, t.label)));
    const chosen = targets.find((t) => t.key === this.targetKey) ?? targets[0] ?? null;
    this.targetKey = chosen?.key ?? 'current';
    this.target.value = this.targetKey;
    this.show(chosen);
    this.render();
  }

  choose(key) {
    this.targetKey = key;
    this.refresh();
    this.say('');
  }

  /** Shows `target` to draw on; a different image clears the region drawn so far. */
  show(target) {
    const src = target?.src ?? null;
    const same = src !== null && src === this.image?.src;
    // The same image (maybe moved in the tray) keeps the size measured when its preview loaded.
    this.image = target && {
      ...target, width: target.width ?? (same ? this.image.width : undefined),
      height: target.height ?? (same ? this.image.height : undefined),
    };
    if (same) return;
    if (src) this.preview.src = src;
    else this.preview.removeAttribute('src');
    this.preview.alt = target ? `${target.label}: drag on it to mark the region to edit` : '';
    this.setRect(['', '', '', '']);
    this.clearLasso(false);
  }

  /** An image without a known size (a fresh upload) is measured when its preview loads. */
  onPreviewLoad() {
    if (this.image && !this.image.width) {
      this.image.width = this.preview.naturalWidth;
      this.image.height = this.preview.naturalHeight;
    }
    this.render();
  }

  get ready() {
    return Boolean(this.image?.width && this.image?.height);
  }

  setShape(shape) {
    this.shape = shape;
    this.say('');
    this.render();
  }

  /** The panel shown or hidden: shown, it scrolls into the composer's view (the composer scrolls). */
  opened() {
    this.render();
    if (this.toggle.checked) this.panel.scrollIntoView({ block: 'nearest' });
  }

  render() {
    this.panel.hidden = !this.toggle.checked;
    const lasso = this.shape === 'lasso';
    this.fields.hidden = lasso;
    this.lassoHint.hidden = !lasso;
    this.pointsField.hidden = !lasso;
    this.clearButton.hidden = !lasso || !this.lasso.length;
    this.stage.dataset.shape = this.shape;
    if (this.ready) this.overlay.setAttribute('viewBox', `0 0 ${this.image.width} ${this.image.height}`);
    this.showBox();
    this.showLasso();
  }

  say(text, isError = false) {
    this.status.textContent = text;
    this.status.classList.toggle('error', isError);
  }

  /** The rectangle [x, y, w, h] in image pixels, or null when incomplete. */
  rect() {
    const [x, y, w, hgt] = this.inputs.map((input) => Math.round(Number(input.value)));
    if (!this.inputs.every((input) => input.value !== '')) return null;
    if (![x, y, w, hgt].every(Number.isFinite) || w <= 0 || hgt <= 0) return null;
    return [x, y, w, hgt];
  }

  /** The send's `mask`, or null when the option is off or no region is marked yet. */
  value() {
    if (!this.toggle.checked || !this.image) return null;
    let mask;
    if (this.shape === 'lasso') {
      if (!this.lassoClosed || this.lasso.length < 3) return null;
      mask = { polygons: [this.lasso.map(([x, y]) => [x, y])] };
    } else {
      const rect = this.rect();
      if (!rect) return null;
      mask = { rects: [rect] };
    }
    if (this.image.index !== undefined) mask.attachment = this.image.index;
    return mask;
  }

  /** Whether the option is on but no region is marked yet. */
  get incomplete() {
    return this.toggle.checked && this.value() === null;
  }

  /** What to do when the send finds no region marked. */
  get missingText() {
    return this.shape === 'lasso'
      ? 'Draw around the part to edit on the image (Lasso), or type the outline’s points.'
      : 'Mark the region to edit: drag on the image, or type X, Y, width and height.';
  }

  reset() {
    this.toggle.checked = false;
    this.setRect(['', '', '', '']);
    this.clearLasso(false);
    this.say('');
    this.render();
  }

  setRect(values) {
    this.inputs.forEach((input, i) => { input.value = values[i] === '' ? '' : String(values[i]); });
    this.showBox();
  }

  clearLasso(focus) {
    this.lasso = [];
    this.lassoClosed = false;
    this.points.value = '';
    this.points.removeAttribute('aria-invalid');
    this.showLasso();
    this.clearButton.hidden = true;
    if (focus) {
      this.say('Outline cleared: draw it again.');
      this.panel.querySelector('input[value="lasso"]')?.focus();
    }
  }

  /** Image pixels per displayed pixel. */
  scale() {
    const shown = this.preview.getBoundingClientRect();
    return shown.width && this.ready ? this.image.width / shown.width : 1;
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
    if (!this.ready || event.button > 0) return;
    event.preventDefault();
    this.stage.setPointerCapture?.(event.pointerId);
    this.dragFrom = this.point(event);
    if (this.shape === 'lasso') {
      this.lasso = [this.dragFrom];
      this.lassoClosed = false;
      this.say('');
      this.showLasso();
    } else {
      this.setRect([...this.dragFrom, 1, 1]);
    }
  }

  drag(event) {
    if (!this.dragFrom) return;
    const next = this.point(event);
    if (this.shape === 'lasso') {
      const [lx, ly] = this.lasso[this.lasso.length - 1];
      const step = MIN_STEP_PX * this.scale();
      if (Math.hypot(next[0] - lx, next[1] - ly) < step) return;
      this.lasso.push(next);
      this.showLasso();
      return;
    }
    const [x0, y0] = this.dragFrom;
    const [x1, y1] = next;
    this.setRect([Math.min(x0, x1), Math.min(y0, y1), Math.max(1, Math.abs(x1 - x0)), Math.max(1, Math.abs(y1 - y0))]);
  }

  /** The pointer is up: a lasso closes (simplified), or asks to be drawn again. */
  finish() {
    if (!this.dragFrom) return;
    this.dragFrom = null;
    if (this.shape !== 'lasso') return;
    const outline = simplifyPath(this.lasso);
    if (outline.length < 3) {
      this.lasso = [];
      this.lassoClosed = false;
      this.say('That outline is too small: drag around the part to edit, then let go.', true);
    } else {
      this.lasso = outline;
      this.lassoClosed = true;
      this.say(`Outline closed (${outline.length} points).`);
    }
    this.points.value = this.lasso.map(([x, y]) => `${x},${y}`).join(' ');
    this.points.removeAttribute('aria-invalid');
    this.render();
  }

  /** The typed points become the outline, or say what to fix (and no outline is kept). */
  typedOutline() {
    if (!this.ready) return;
    const text = this.points.value;
    if (!text.trim()) {
      this.clearLasso(false);
      this.render();
      return;
    }
    const { points, error } = parseOutline(text, this.image.width, this.image.height);
    this.lasso = points ?? [];
    this.lassoClosed = Boolean(points);
    if (error) this.points.setAttribute('aria-invalid', 'true');
    else this.points.removeAttribute('aria-invalid');
    if (error) this.say(error, true);
    else this.say(`Outline closed (${points.length} points).`);
    this.render();
  }

  showLasso() {
    const points = this.lasso;
    this.overlay.classList.toggle('closed', this.lassoClosed);
    this.overlay.toggleAttribute('hidden', this.shape !== 'lasso' || !points.length);
    this.outline.setAttribute('d', points.length
      ? `M${points.map(([x, y]) => `${x} ${y}`).join(' L')}${this.lassoClosed ? ' Z' : ''}` : '');
  }

  showBox() {
    const rect = this.shape === 'rect' && this.toggle.checked && this.ready ? this.rect() : null;
    this.box.hidden = !rect;
    if (!rect) return;
    const s = this.scale() || 1;
    const [x, y, w, hgt] = rect.map((v) => v / s);
    Object.assign(this.box.style, { left: `${x}px`, top: `${y}px`, width: `${w}px`, height: `${hgt}px` });
  }
}
