// One message of the conversation: a user turn (text + attached images), a model turn (text +
// result images), each with its versions/answers switcher and actions, the "working"
// placeholder, a send that has not reached the server yet, and the note where a branch stops.
import { h } from '../dom.js';
import { excerpt, usd } from '../format.js';

/** width/height attributes from stored dimensions keep the layout still while images load. */
function sized(width, height, max) {
  if (!width || !height) return {};
  const scale = Math.min(1, max / Math.max(width, height));
  return { width: Math.round(width * scale), height: Math.round(height * scale) };
}

function retryButton(onRetry) {
  return h('button', { type: 'button', class: 'retry', onclick: onRetry }, 'Try again');
}

function problem(label, message, actions) {
  return h('div', { class: 'problem' },
    h('p', {}, h('strong', {}, label), ' ', message),
    h('div', { class: 'actions' }, actions));
}

/** A user turn's images in the order sent; a session's pinned references come first, marked. */
function attachmentList(images, what) {
  if (!images.length) return null;
  let attached = 0;
  let pinned = 0;
  return h('ul', { class: 'attachments', 'aria-label': `${images.length} attached` },
    images.map((image) => h('li', { class: image.pinned ? 'pinned' : '' },
      h('img', {
        src: image.src, alt: image.pinned ? `Pinned reference ${++pinned}` : `${what} ${++attached}`,
        loading: 'lazy', decoding: 'async', ...sized(image.width, image.height, 96),
      }),
      image.pinned ? h('span', { class: 'tag', 'aria-hidden': 'true' }, 'pinned') : null)));
}

/** The small "stateless" tag of a stateless edit's turns (no history was sent). */
function modeTag(turn) {
  if (turn.mode !== 'stateless') return null;
  return h('span', { class: 'tag stateless', title: 'Edited without the chat history: only the current image' }, 'stateless');
}

/**
 * "‹ 2 / 3 ›" between the versions of a message or the answers to it: `nav` is
 * {position, count, onPrevious, onNext} (position from 1); `noun` is "answer" or "version".
 */
function switcher(nav, noun) {
  if (!nav || nav.count < 2) return null;
  const Noun = noun[0].toUpperCase() + noun.slice(1);
  return h('div', { class: 'switcher', role: 'group', 'aria-label': `${Noun} ${nav.position} of ${nav.count}` },
    h('button', {
      type: 'button', class: 'tool icon', 'aria-label': `Previous ${noun}`, disabled: nav.position <= 1,
      onclick: nav.onPrevious,
    }, '‹'),
    h('span', { class: 'position' }, `${nav.position} / ${nav.count}`),
    h('button', {
      type: 'button', class: 'tool icon', 'aria-label': `Next ${noun}`, disabled: nav.position >= nav.count,
      onclick: nav.onNext,
    }, '›'));
}

/** The row under a turn: its switcher and actions ([label, onclick, extra props] each, or null). */
function tools(nav, noun, actions) {
  const buttons = actions.filter(Boolean).map(([label, onclick, props = {}]) =>
    h('button', { type: 'button', class: 'tool', onclick, ...props }, label));
  const row = switcher(nav, noun);
  if (!row && !buttons.length) return null;
  return h('div', { class: 'turn-tools' }, row, buttons);
}

/** An action on this turn that did not go through (busy, offline…), said like a failed send. */
function actionProblem(failure) {
  if (!failure) return null;
  const box = problem(failure.error.busy ? 'Busy.' : 'Not done.', failure.error.message, [
    failure.onRetry ? retryButton(failure.onRetry) : null,
    h('button', { type: 'button', class: 'dismiss', onclick: failure.onDismiss }, 'Dismiss'),
  ]);
  box.setAttribute('role', 'alert');
  return box;
}

/**
 * A user turn. `nav`: its versions (other messages sent from the same point); `failure`: an
 * action on it that failed; `editing`: it is in the composer now.
 */
export function userBubble(turn, { onRetry, nav, onEdit, onDelete, failure, editing = false }) {
  const attachments = (turn.attachments ?? []).map((a) => ({
    src: a.url, width: a.width, height: a.height, pinned: a.pinned,
  }));
  let footer = null;
  if (turn.status === 'pending') footer = h('p', { class: 'state' }, 'Sent');
  if (turn.status === 'failed') {
    footer = problem('Not done.', turn.error?.message ?? 'This message failed.', retryButton(onRetry));
  }
  if (turn.status === 'cancelled') {
    footer = problem('Cancelled.', 'You cancelled this message.', retryButton(onRetry));
  }
  const settled = turn.status !== 'pending';
  return h('li', { class: `turn user${editing ? ' editing' : ''}`, dataset: { status: turn.status, index: turn.index, id: turn.id } },
    h('div', { class: 'bubble' },
      modeTag(turn),
      turn.text ? h('p', { class: 'text' }, turn.text) : null,
      attachmentList(attachments, 'Attached image'),
      footer),
    actionProblem(failure),
    tools(nav, 'version', [
      settled && onEdit ? ['Edit', onEdit, { 'aria-pressed': String(editing) }] : null,
      settled && onDelete ? ['Delete', onDelete, { class: 'tool danger' }] : null,
    ]));
}

/**
 * "Regenerate several": 2, 3 or 4 new answers at once (shown under the answer's actions while
 * `several.open`); Escape closes it.
 */
function severalChoices(turn, onRegenerate, several) {
  if (!onRegenerate || !several?.open) return null;
  return h('div', {
    class: 'regenerate-several', role: 'group', id: `several-${turn.id}`, 'aria-label': 'Regenerate several answers',
    onkeydown: (event) => {
      if (event.key !== 'Escape') return;
      event.preventDefault();
      event.stopPropagation();
      several.onToggle();
    },
  },
  h('span', { 'aria-hidden': 'true' }, 'New answers:'),
  [2, 3, 4].map((n) => h('button', { type: 'button', class: 'tool', onclick: () => onRegenerate(n) }, `${n} answers`)));
}

/**
 * A model turn. `nav`: the other answers to the same message; `onRegenerate(candidates)` asks for
 * that many new answers, `several` ({open, onToggle}) shows the "Regenerate several" choices;
 * `onGoBack` is given when it is a complete answer that is not the head; `failure`: an action on it that failed; `onCreateProject`
 * (a complete answer with an image) publishes the path to it as a project; `onSaveImage` and
 * `onOpenInChat` (image) are each image's "Save to library" and "Open in new chat". A turn with
 * `mode: "imported"` is the image a chat was opened on: labelled "Imported image".
 */
export function modelBubble(turn, {
  prompt, onRetry, onOpenImage, nav, onRegenerate, several, onGoBack, onDelete, failure, onCreateProject,
  creatingProject = false, onSaveImage, onOpenInChat,
}) {
  const actions = tools(nav, 'answer', [
    onGoBack ? ['Go back to this', onGoBack] : null,
    onRegenerate ? ['Regenerate', () => onRegenerate(1)] : null,
    onRegenerate && several ? ['Regenerate several', several.onToggle, {
      'aria-expanded': String(several.open), ...(several.open ? { 'aria-controls': `several-${turn.id}` } : {}),
    }] : null,
    creatingProject ? ['Creating project…', null, { disabled: true }] : null,
    !creatingProject && onCreateProject ? ['Create project', onCreateProject] : null,
    onDelete ? ['Delete', onDelete, { class: 'tool danger' }] : null,
  ]);
  const dataset = { status: turn.status, index: turn.index, id: turn.id };
  if (turn.status === 'pending') {
    return h('li', { class: 'turn model working', dataset },
      h('div', { class: 'bubble', role: 'status' },
        h('span', { class: 'spinner', 'aria-hidden': 'true' }), 'Working on your image…'));
  }
  if (turn.status === 'blocked' || turn.status === 'failed') {
    const blocked = turn.status === 'blocked';
    return h('li', { class: 'turn model', dataset },
      h('div', { class: 'bubble' },
        problem(blocked ? 'No image this time.' : 'Not done.',
          turn.text || turn.error?.message || (blocked ? 'The model declined this request.' : 'This answer failed.'),
          onRetry ? retryButton(onRetry) : null)),
      actionProblem(failure),
      actions,
      severalChoices(turn, onRegenerate, several));
  }
  // A region edit's images[0] is the result; the model's own crop (images[1]) stays in history only.
  const images = turn.region ? (turn.images ?? []).slice(0, 1) : turn.images ?? [];
  const imported = turn.mode === 'imported';
  const subject = excerpt(prompt) || 'your message';
  return h('li', { class: `turn model${imported ? ' imported' : ''}`, dataset },
    h('div', { class: 'bubble' },
      imported ? h('p', { class: 'label' }, 'Imported image') : null,
      modeTag(turn),
      turn.region ? h('p', { class: 'label' }, `Region edit (${turn.region.cropBox.slice(2).join('×')} px area${
        Number.isInteger(turn.region.attachment) ? ` of attachment ${turn.region.attachment + 1}` : ''})`) : null,
      turn.text ? h('p', { class: 'text' }, turn.text) : null,
      images.length ? h('ul', { class: 'results' }, images.map((image, i) => {
        const alt = imported ? `Imported image ${i + 1}` : `Result ${i + 1} for “${subject}”`;
        const thumb = image.thumbnail ?? image;
        const imageTools = [
          onSaveImage ? h('button', { type: 'button', class: 'tool', onclick: () => onSaveImage(image) }, 'Save to library') : null,
          onOpenInChat ? h('button', { type: 'button', class: 'tool', onclick: () => onOpenInChat(image) }, 'Open in new chat') : null,
        ].filter(Boolean);
        return h('li', {},
          h('button', {
            type: 'button', class: 'thumb', 'aria-label': `${alt}: open full size`,
            onclick: () => onOpenImage(image, alt),
          }, h('img', {
            src: thumb.publicUrl, alt, decoding: 'async', ...sized(thumb.width, thumb.height, 256),
          })),
          imageTools.length ? h('div', { class: 'image-tools', role: 'group', 'aria-label': `${alt}: actions` }, imageTools) : null);
      })) : null,
      turn.usage?.costUsd ? h('p', { class: 'cost', title: 'Estimated cost of this answer' }, usd(turn.usage.costUsd)) : null),
    actionProblem(failure),
    actions,
    severalChoices(turn, onRegenerate, several));
}

/**
 * Where the chat's branch stops before the newest messages of the tree (after "Go back to this"
 * or "Start over"): says so, with a way forward.
 */
export function hiddenLaterBubble({ startedOver, onShow }) {
  return h('li', { class: 'turn note', dataset: { status: 'note' } },
    h('p', {}, startedOver
      ? 'You started over: the next message begins a new conversation. The earlier messages are kept.'
      : 'The next message continues from here. Later messages are kept.'),
    h('button', { type: 'button', class: 'tool', onclick: onShow },
      startedOver ? 'Show the earlier conversation' : 'Show later messages'));
}

// What a running message's progress phase says (the server's `progress.phase`).
const PHASES = {
  queued: 'Getting ready…',
  thinking: 'Thinking…',
  drawing: 'Drawing…',
  saving: 'Saving your image…',
};

/**
 * The model is working. `progress` (a stored running message's) says the phase, the model's
 * thought summary and a small preview of an interim image; `onCancel` adds a Cancel button.
 */
export function workingBubble(text = 'Working on your image…', { onCancel = null, progress = null } = {}) {
  const phase = PHASES[progress?.phase];
  return h('li', { class: 'turn model working', dataset: { status: 'working', phase: progress?.phase ?? '' } },
    h('div', { class: 'bubble', role: 'status' },
      h('span', { class: 'spinner', 'aria-hidden': 'true' }), text,
      phase ? h('p', { class: 'phase' }, phase) : null,
      progress?.thought ? h('p', { class: 'thought' }, progress.thought) : null,
      progress?.preview ? h('img', {
        class: 'preview', src: progress.preview.publicUrl, width: progress.preview.width,
        height: progress.preview.height, alt: 'Preview of the image being drawn',
      }) : null),
    onCancel ? tools(null, 'working', [['Cancel', onCancel, { 'aria-label': 'Cancel this message' }]]) : null);
}

/** A send this page started, before (or instead of) its turn showing up from Firestore. */
export function localBubble(send, { onRetry, onDismiss }) {
  let footer = h('p', { class: 'state' }, 'Sending…');
  if (send.error) {
    const label = send.error.busy ? 'Busy.' : send.error.overQuota ? 'Over your limit.' : 'Not sent.';
    footer = problem(label, send.error.message, [
      retryButton(onRetry),
      h('button', { type: 'button', onclick: onDismiss }, 'Dismiss'),
    ]);
  }
  return h('li', { class: 'turn user local', dataset: { status: send.error ? 'failed' : 'pending' } },
    h('div', { class: 'bubble' },
      send.display || send.message.text ? h('p', { class: 'text' }, send.display || send.message.text) : null,
      attachmentList(send.previews, 'Attached image'),
      footer));
}
