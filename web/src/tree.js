// The conversation as a tree (docs/data-model.md): every turn has a parent (a user turn: the model
// turn it continues, or null for a first message; a model turn: its user turn) and the session's
// `headTurnId` is the model turn the next message continues from. Pure functions over the turn
// documents (ordered by `index`) and the session, so the views stay simple and this is testable.
//
// Turns written before the tree have no `parentId`/`lineage`: they are read as a strict line (a
// user turn continues the newest complete exchange before it; a model turn answers the user turn
// just before it), and a session without `headTurnId` has its newest complete answer as head.

const isComplete = (turn) => turn.status === 'complete';
const isAnswer = (turn) => turn.role === 'model' && isComplete(turn);

/** id → parent id (or null): stored, or derived as a line for turns written before the tree. */
export function parents(turns) {
  const parentOf = new Map();
  let newestAnswer = null; // the newest complete model turn so far (index order)
  let lastUser = null;
  for (const turn of turns) {
    if (Object.hasOwn(turn, 'parentId')) parentOf.set(turn.id, turn.parentId ?? null);
    else if (turn.role === 'user') parentOf.set(turn.id, newestAnswer?.id ?? null);
    else parentOf.set(turn.id, lastUser?.id ?? null);
    if (turn.role === 'user') lastUser = turn;
    else if (isComplete(turn)) newestAnswer = turn;
  }
  return parentOf;
}

/** The id of the model turn the next message continues from; null = from the root. */
export function headId(turns, session) {
  if (session && session.headTurnId !== undefined) return session.headTurnId ?? null;
  // A session written before the tree: its newest complete exchange.
  return turns.findLast(isAnswer)?.id ?? null;
}

/**
 * Everything about the tree a view needs, computed once per render:
 * parentOf, lineageOf(id) (root → id), head, branch (what the chat shows, in index order),
 * siblingsOf(id), newestAnswerUnder(id | null), headMissing (the session names a head the turns
 * do not have yet: the two snapshots are between updates).
 */
export function buildTree(turns, session) {
  const byId = new Map(turns.map((t) => [t.id, t]));
  const parentOf = parents(turns);
  const lineages = new Map();
  const lineageOf = (id) => {
    if (id === null || id === undefined || !byId.has(id)) return [];
    if (lineages.has(id)) return lineages.get(id);
    const stored = byId.get(id).lineage;
    let lineage;
    if (Array.isArray(stored) && stored.length) {
      lineage = stored;
    } else {
      lineages.set(id, [id]); // a guard against a cycle in bad data while walking up
      const parent = parentOf.get(id);
      lineage = [...(parent && parent !== id ? lineageOf(parent) : []), id];
    }
    lineages.set(id, lineage);
    return lineage;
  };
  const head = headId(turns, session);
  const headMissing = head !== null && !byId.has(head);
  const branch = activeBranch(turns, session, { parentOf, lineageOf, head });
  const siblingMap = siblings(turns, parentOf);
  return {
    byId, parentOf, lineageOf, head, headMissing, branch,
    siblingsOf: (id) => siblingMap.get(id) ?? [],
    /** The newest complete model turn at or below `id` (null: anywhere in the tree). */
    newestAnswerUnder: (id) => turns.findLast((t) => isAnswer(t) && (id === null || lineageOf(t.id).includes(id))) ?? null,
  };
}

/**
 * What the chat shows: the head's lineage (root → head), plus the sends hanging off it that did
 * not move the head (turns not complete — pending, failed, blocked — whose parent is on the
 * branch, or first messages, and their answers), in index order (as functions/imagechat/tree.py).
 */
export function activeBranch(turns, session, known = {}) {
  const parentOf = known.parentOf ?? parents(turns);
  const head = known.head !== undefined ? known.head : headId(turns, session);
  let onBranch;
  if (known.lineageOf) {
    onBranch = new Set(known.lineageOf(head));
  } else {
    onBranch = new Set();
    const byId = new Map(turns.map((t) => [t.id, t]));
    for (let id = head; id && byId.has(id) && !onBranch.has(id); id = parentOf.get(id)) onBranch.add(id);
    if (head && Array.isArray(byId.get(head)?.lineage)) byId.get(head).lineage.forEach((id) => onBranch.add(id));
  }
  const hanging = new Set();
  for (const turn of turns) { // index order: a parent comes before its children
    if (onBranch.has(turn.id)) continue;
    const parent = parentOf.get(turn.id);
    const hangs = onBranch.has(parent) || (parent === null && turn.role === 'user');
    if (!isComplete(turn) && hangs) hanging.add(turn.id);
    else if (turn.role === 'model' && hanging.has(parent)) hanging.add(turn.id); // their answers
  }
  return turns.filter((t) => onBranch.has(t.id) || hanging.has(t.id));
}

/** id → the turns with the same role and the same parent, in index order, itself included. */
export function siblings(turns, parentOf = parents(turns)) {
  const groups = new Map();
  for (const turn of turns) {
    const key = `${turn.role}:${parentOf.get(turn.id) ?? ''}`;
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key).push(turn);
  }
  const result = new Map();
  for (const group of groups.values()) for (const turn of group) result.set(turn.id, group);
  return result;
}
