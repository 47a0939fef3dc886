// The lasso's path simplification in web/src/views/region-picker.js (node --test; run by
// tests/web/test_tree_module.py).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MAX_LASSO_POINTS, simplifyPath } from '../../web/src/views/region-picker.js';

const circle = (n, r = 300, cx = 512, cy = 512) => Array.from({ length: n }, (_, i) => {
  const a = (i / n) * 2 * Math.PI;
  return [cx + r * Math.cos(a), cy + r * Math.sin(a)];
});

test('a long freehand outline stays a close polygon of at most MAX_LASSO_POINTS integer points', () => {
  const drawn = circle(5000);
  const simple = simplifyPath(drawn);
  assert.ok(simple.length >= 3 && simple.length <= MAX_LASSO_POINTS, `${simple.length} points`);
  assert.ok(simple.every(([x, y]) => Number.isInteger(x) && Number.isInteger(y)));
  // Every kept point is on the circle (within rounding), and the outline still goes all the way round.
  assert.ok(simple.every(([x, y]) => Math.abs(Math.hypot(x - 512, y - 512) - 300) < 1));
  const xs = simple.map(([x]) => x);
  assert.ok(Math.min(...xs) <= 213 && Math.max(...xs) >= 811);
});

test('straight runs collapse to their ends; repeated points go', () => {
  const line = [[0, 0], [0, 0], [10, 0], [20, 0], [30, 0], [30, 10], [30, 20]];
  assert.deepEqual(simplifyPath(line), [[0, 0], [30, 0], [30, 20]]);
  assert.deepEqual(simplifyPath([[5, 5], [5.2, 5.1]]), [[5, 5]]);
});

test('a tighter budget is honoured', () => {
  assert.ok(simplifyPath(circle(2000), 12).length <= 12);
});
