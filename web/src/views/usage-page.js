// The signed-in user's usage (GET /api/usage): what is left of today's and this minute's quota,
// the cost today and over the last 30 days, and one row per day with model calls.
import { h } from '../dom.js';
import { plural, toDate, usd } from '../format.js';

const utcTime = (value) => {
  const date = toDate(value);
  return date ? `${date.toISOString().slice(11, 16)} UTC` : '';
};

export class UsagePage {
  constructor({ api }) {
    this.api = api;
    this.heading = h('h2', { id: 'usage-title', tabindex: '-1' }, 'Usage');
    this.message = h('p', { class: 'form-message', role: 'status', 'aria-live': 'polite' }, 'Loading your usage…');
    this.summary = h('dl', { class: 'usage-summary', 'aria-label': 'Quota and cost' });
    this.table = h('table', { class: 'usage-days', 'aria-label': 'Usage by day' });
    this.el = h('section', { class: 'usage-page', 'aria-labelledby': 'usage-title' },
      this.heading,
      h('p', { class: 'hint' },
        'Each image turn, regeneration, edit and project summary is one model call. Costs are estimates '
        + 'from the models’ published prices.'),
      this.message, this.summary, h('div', { class: 'usage-table-scroll' }, this.table));
    document.title = 'Usage · Image Chat';
    this.load();
  }

  focus() {
    this.heading.focus();
  }

  async load() {
    try {
      const usage = await this.api.getUsage();
      this.message.textContent = '';
      this.show(usage);
    } catch (error) {
      this.message.textContent = `Could not load your usage: ${error.message}`;
      this.message.classList.add('error');
    }
  }

  show({ days, totals, limits, quota }) {
    const today = days.find((d) => d.date === new Date().toISOString().slice(0, 10));
    const item = (name, key, value) => [h('dt', {}, name), h('dd', { dataset: { usage: key } }, value)];
    this.summary.replaceChildren(
      ...item('Left today', 'today',
        `${quota.remainingToday} of ${limits.turnsPerDay} (resets at ${utcTime(quota.dayResetsAt)})`),
      ...item('Left this minute', 'minute', `${quota.remainingThisMinute} of ${limits.turnsPerMinute}`),
      ...item('Spent today', 'cost-today', usd(today?.costUsd ?? 0)),
      ...item('Last 30 days', 'cost-total', `${usd(totals.costUsd)} · ${plural(totals.turns, 'model call')}`),
    );
    if (!days.length) {
      this.table.replaceChildren(h('caption', {}, 'No model calls in the last 30 days.'));
      return;
    }
    const head = ['Day (UTC)', 'Model calls', 'Images made', 'Tokens', 'Cost'];
    this.table.replaceChildren(
      h('thead', {}, h('tr', {}, ...head.map((label) => h('th', { scope: 'col' }, label)))),
      h('tbody', {}, ...[...days].reverse().map((d) => h('tr', { dataset: { date: d.date } },
        h('th', { scope: 'row' }, d.date), h('td', {}, String(d.turns)), h('td', {}, String(d.imagesOut)),
        h('td', {}, String(d.totalTokens)), h('td', {}, usd(d.costUsd))))));
  }

  destroy() {
    document.title = 'Image Chat';
  }
}
