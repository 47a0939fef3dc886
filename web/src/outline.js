// A lasso's outline in image pixels, without the page: a drawn path simplified to at most
// MAX_LASSO_POINTS points, and a typed "x,y x,y ..." outline parsed and checked (tests/web/lasso.test.mjs).

export const clamp = (value, low, high) => Math.max(low, Math.min(high, value));

export const MAX_LASSO_POINTS = 200;

/** Squared distance from p to the segment a–b. */
function segmentDistance2([px, py], [ax, ay], [bx, by]) {
  const dx = bx - ax;
  const dy = by - ay;
  const length2 = dx * dx + dy * dy;
  const t = length2 ? clamp(((px - ax) * dx + (py - ay) * dy) / length2, 0, 1) : 0;
  const [cx, cy] = [ax + t * dx, ay + t * dy];
  return (px - cx) ** 2 + (py - cy) ** 2;
}

/** Ramer–Douglas–Peucker: the points that keep the outline within `tolerance` of the original. */
function simplifyWithin(points, tolerance) {
  if (points.length < 3) return points;
  const keep = new Uint8Array(points.length);
  keep[0] = 1;
  keep[points.length - 1] = 1;
  const stack = [[0, points.length - 1]];
  const limit = tolerance * tolerance;
  while (stack.length) {
    const [first, last] = stack.pop();
    let farthest = -1;
    let distance = limit;
    for (let i = first + 1; i < last; i++) {
      const d = segmentDistance2(points[i], points[first], points[last]);
      if (d > distance) [farthest, distance] = [i, d];
    }
    if (farthest >= 0) {
      keep[farthest] = 1;
      stack.push([first, farthest], [farthest, last]);
    }
  }
  return points.filter((_, i) => keep[i]);
}

/** A drawn outline as integer image pixels: duplicates dropped, at most `max` points. */
export function simplifyPath(points, max = MAX_LASSO_POINTS) {
  const whole = points.map(([x, y]) => [Math.round(x), Math.round(y)])
    .filter(([x, y], i, all) => i === 0 || x !== all[i - 1][0] || y !== all[i - 1][1]);
  let tolerance = 1;
  let simple = simplifyWithin(whole, tolerance);
  while (simple.length > max) {
    tolerance *= 1.5;
    simple = simplifyWithin(whole, tolerance);
  }
  return simple;
}

/** Twice the signed area of a polygon (shoelace). */
function doubleArea(points) {
  let sum = 0;
  points.forEach(([x, y], i) => {
    const [nx, ny] = points[(i + 1) % points.length];
    sum += x * ny - nx * y;
  });
  return sum;
}

/**
 * A typed outline, "x,y x,y x,y ..." (spaces or semicolons between points, spaces allowed around
 * the comma), in the pixels of a `width`×`height` image → {points: [[x, y], ...]} (integers), or
 * {error} saying what to fix.
 */
export function parseOutline(text, width, height) {
  const tokens = text.trim().replace(/\s*,\s*/g, ',').split(/[\s;]+/).filter(Boolean);
  const points = [];
  for (const [i, token] of tokens.entries()) {
    const match = /^(\d+(?:\.\d+)?),(\d+(?:\.\d+)?)$/.exec(token);
    if (!match) return { error: `Point ${i + 1} (“${token}”) is not x,y: two numbers with a comma between them.` };
    const [x, y] = [Math.round(Number(match[1])), Math.round(Number(match[2]))];
    if (x > width || y > height) {
      return { error: `Point ${i + 1} (${x},${y}) is outside the image (${width}×${height} pixels).` };
    }
    points.push([x, y]);
  }
  if (points.length < 3) return { error: 'An outline needs at least 3 points, e.g. 100,100 400,120 250,380.' };
  if (points.length > MAX_LASSO_POINTS) return { error: `An outline takes at most ${MAX_LASSO_POINTS} points.` };
  if (doubleArea(points) === 0) return { error: 'Those points enclose nothing: they lie on one line.' };
  return { points };
}
