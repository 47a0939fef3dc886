// The lasso's path simplification and typed outlines in web/src/outline.js (node --test; run by
// tests/web/test_tree_module.py).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MAX_LASSO_POINTS, parseOutline, simplifyPath } from '../../web/src/outline.js';

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

test('a typed outline: points in image pixels, or what to fix', () => {
  assert.deepEqual(parseOutline('100,100 400,120 250,380', 1024, 768).points, [[100, 100], [400, 120], [250, 380]]);
  assert.deepEqual(parseOutline(' 1, 2 ; 30,4.6\n5,60 ', 64, 64).points, [[1, 2], [30, 5], [5, 60]]);
  assert.match(parseOutline('10,10 20,20', 64, 64).error, /at least 3 points/);
  assert.match(parseOutline('10,10 20 30,30', 64, 64).error, /^Point 2 \(“20”\) is not x,y/);
  assert.match(parseOutline('10,10 -5,3 30,30', 64, 64).error, /^Point 2 /);
  assert.match(parseOutline('10,10 70,3 30,30', 64, 48).error, /^Point 2 \(70,3\) is outside the image \(64×48 pixels\)/);
  assert.match(parseOutline('0,0 10,10 20,20', 64, 64).error, /one line/);
  const many = Array.from({ length: MAX_LASSO_POINTS + 1 }, (_, i) => `${i % 50},${(i * 7) % 40}`).join(' ');
  assert.match(parseOutline(many, 64, 64).error, /at most/);
  assert.match(parseOutline('', 64, 64).error, /at least 3 points/);
});
