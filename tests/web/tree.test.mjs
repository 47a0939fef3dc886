// web/src/tree.js on its own (node --test; run by tests/web/test_tree_module.py).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { activeBranch, buildTree, headId, parents, siblings } from '../../web/src/tree.js';

const ids = (turns) => turns.map((t) => t.id);
const user = (id, index, parentId, status = 'complete', lineage) => ({ id, index, role: 'user', status, parentId, ...(lineage ? { lineage } : {}) });
const model = (id, index, parentId, status = 'complete', lineage) => ({ id, index, role: 'model', status, parentId, ...(lineage ? { lineage } : {}) });
/** A turn written before the tree: no parentId, no lineage. */
const old = (id, index, role, status = 'complete') => ({ id, index, role, status });

test('a session written before the tree reads as a line, failed and blocked sends included', () => {
  const turns = [
    old('u1', 0, 'user'), old('m1', 1, 'model'),
    old('u2', 2, 'user', 'failed'),
    old('u3', 4, 'user', 'blocked'), old('m3', 5, 'model', 'blocked'),
    old('u4', 6, 'user'), old('m4', 7, 'model'),
    old('u5', 8, 'user', 'pending'),
  ];
  const parentOf = parents(turns);
  assert.deepEqual(Object.fromEntries(parentOf), {
    u1: null, m1: 'u1', u2: 'm1', u3: 'm1', m3: 'u3', u4: 'm1', m4: 'u4', u5: 'm4',
  });
  const session = { title: 'old' }; // no headTurnId field
  assert.equal(headId(turns, session), 'm4');
  assert.deepEqual(ids(activeBranch(turns, session)), ids(turns)); // exactly as before the tree
  const tree = buildTree(turns, session);
  assert.deepEqual(tree.lineageOf('m4'), ['u1', 'm1', 'u4', 'm4']);
  assert.deepEqual(ids(tree.siblingsOf('u4')), ['u2', 'u3', 'u4']);
});

test('a branch walk: the head decides the branch; the abandoned branch is a sibling', () => {
  const turns = [
    user('u1', 0, null, 'complete', ['u1']), model('m1', 1, 'u1', 'complete', ['u1', 'm1']),
    user('u2', 2, 'm1', 'complete', ['u1', 'm1', 'u2']), model('m2', 3, 'u2', 'complete', ['u1', 'm1', 'u2', 'm2']),
    user('u3', 4, 'm1', 'complete', ['u1', 'm1', 'u3']), model('m3', 5, 'u3', 'complete', ['u1', 'm1', 'u3', 'm3']),
  ];
  assert.deepEqual(ids(activeBranch(turns, { headTurnId: 'm3' })), ['u1', 'm1', 'u3', 'm3']);
  assert.deepEqual(ids(activeBranch(turns, { headTurnId: 'm2' })), ['u1', 'm1', 'u2', 'm2']);
  assert.deepEqual(ids(activeBranch(turns, { headTurnId: 'm1' })), ['u1', 'm1']);
  assert.deepEqual(ids(activeBranch(turns, { headTurnId: null })), []); // started over
  const tree = buildTree(turns, { headTurnId: 'm1' });
  assert.deepEqual(ids(tree.siblingsOf('u3')), ['u2', 'u3']);
  assert.deepEqual(ids(tree.siblingsOf('m1')), ['m1']);
  assert.equal(tree.newestAnswerUnder('u2').id, 'm2');
  assert.equal(tree.newestAnswerUnder('m1').id, 'm3');
  assert.equal(tree.newestAnswerUnder(null).id, 'm3');
  assert.equal(tree.headMissing, false);
  assert.equal(buildTree(turns, { headTurnId: 'gone' }).headMissing, true);
});

test('sends that did not move the head hang off the branch, with their answers', () => {
  const turns = [
    user('u1', 0, null, 'complete', ['u1']), model('m1', 1, 'u1', 'complete', ['u1', 'm1']),
    user('x', 2, null, 'blocked', ['x']), model('xm', 3, 'x', 'blocked', ['x', 'xm']), // from the root
    user('u2', 4, 'm1', 'failed', ['u1', 'm1', 'u2']),
    model('m1b', 5, 'u1', 'blocked', ['u1', 'm1b']), // a regenerate the model refused
    user('elsewhere', 6, 'zz', 'failed', ['zz', 'elsewhere']), // off another branch: not shown
    user('u3', 8, 'm1', 'pending', ['u1', 'm1', 'u3']),
  ];
  assert.deepEqual(ids(activeBranch(turns, { headTurnId: 'm1' })), ['u1', 'm1', 'x', 'xm', 'u2', 'm1b', 'u3']);
  assert.deepEqual(ids(activeBranch(turns, { headTurnId: null })), ['x', 'xm']);
});

test('siblings share role and parent, in index order', () => {
  const turns = [
    user('u1', 0, null), model('a', 1, 'u1'), model('b', 3, 'u1'), user('v', 4, null), model('c', 5, 'v'),
  ];
  const map = siblings(turns);
  assert.deepEqual(ids(map.get('b')), ['a', 'b']);
  assert.deepEqual(ids(map.get('v')), ['u1', 'v']);
  assert.deepEqual(ids(map.get('c')), ['c']);
});

test('new turns continue an old line: stored lineage may name old turns', () => {
  const turns = [
    old('u1', 0, 'user'), old('m1', 1, 'model'), old('u2', 2, 'user'), old('m2', 3, 'model'),
    user('u3', 4, 'm1', 'complete', ['u1', 'm1', 'u3']), model('m3', 5, 'u3', 'complete', ['u1', 'm1', 'u3', 'm3']),
    // no stored lineage: walked up through the parents
    user('u4', 6, 'm3'), model('m4', 7, 'u4'),
  ];
  assert.deepEqual(ids(activeBranch(turns, { headTurnId: 'm4' })), ['u1', 'm1', 'u3', 'm3', 'u4', 'm4']);
  assert.deepEqual(ids(activeBranch(turns, { headTurnId: 'm2' })), ['u1', 'm1', 'u2', 'm2']);
  assert.deepEqual(ids(buildTree(turns, {}).siblingsOf('u3')), ['u2', 'u3']);
});
