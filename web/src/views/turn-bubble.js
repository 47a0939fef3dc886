// One message of the conversation: a user turn (text + attached images), a model turn (text +
// result images), the "working" placeholder, and a send that has not reached the server yet.
import { h } from '../dom.js';
import { excerpt } from '../format.js';

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

function attachmentList(images, what) {
  if (!images.length) return null;
  return h('ul', { class: 'attachments', 'aria-label': `${images.length} attached` },
    images.map((image, i) => h('li', {},
      h('img', {
        src: image.src, alt: `${what} ${i + 1}`, loading: 'lazy', decoding: 'async',
        ...sized(image.width, image.height, 96),
      }))));
}

export function userBubble(turn, { onRetry }) {
  const attachments = (turn.attachments ?? []).map((a) => ({ src: a.url, width: a.width, height: a.height }));
  let footer = null;
  if (turn.status === 'pending') footer = h('p', { class: 'state' }, 'Sent');
  if (turn.status === 'failed') {
    footer = problem('Not done.', turn.error?.message ?? 'This message failed.', retryButton(onRetry));
  }
  return h('li', { class: 'turn user', dataset: { status: turn.status, index: turn.index } },
    h('div', { class: 'bubble' },
      turn.text ? h('p', { class: 'text' }, turn.text) : null,
      attachmentList(attachments, 'Attached image'),
      footer));
}

export function modelBubble(turn, { prompt, onRetry, onOpenImage }) {
  if (turn.status === 'blocked') {
    return h('li', { class: 'turn model', dataset: { status: 'blocked', index: turn.index } },
      h('div', { class: 'bubble' },
        problem('No image this time.', turn.text || turn.error?.message || 'The model declined this request.',
          retryButton(onRetry))));
  }
  const images = turn.images ?? [];
  const subject = excerpt(prompt) || 'your message';
  return h('li', { class: 'turn model', dataset: { status: turn.status, index: turn.index } },
    h('div', { class: 'bubble' },
      turn.text ? h('p', { class: 'text' }, turn.text) : null,
      images.length ? h('ul', { class: 'results' }, images.map((image, i) => {
        const alt = `Result ${i + 1} for “${subject}”`;
        const thumb = image.thumbnail ?? image;
        return h('li', {},
          h('button', {
            type: 'button', class: 'thumb', 'aria-label': `${alt}: open full size`,
            onclick: () => onOpenImage(image, alt),
          }, h('img', {
            src: thumb.publicUrl, alt, decoding: 'async', ...sized(thumb.width, thumb.height, 256),
          })));
      })) : null));
}

export function workingBubble() {
  return h('li', { class: 'turn model working', dataset: { status: 'working' } },
    h('div', { class: 'bubble', role: 'status' },
      h('span', { class: 'spinner', 'aria-hidden': 'true' }), 'Working on your image…'));
}

/** A send this page started, before (or instead of) its turn showing up from Firestore. */
export function localBubble(send, { onRetry, onDismiss }) {
  let footer = h('p', { class: 'state' }, 'Sending…');
  if (send.error) {
    const label = send.error.busy ? 'Busy.' : 'Not sent.';
    footer = problem(label, send.error.message, [
      retryButton(onRetry),
      h('button', { type: 'button', onclick: onDismiss }, 'Dismiss'),
    ]);
  }
  return h('li', { class: 'turn user local', dataset: { status: send.error ? 'failed' : 'pending' } },
    h('div', { class: 'bubble' },
      send.message.text ? h('p', { class: 'text' }, send.message.text) : null,
      attachmentList(send.previews, 'Attached image'),
      footer));
}
