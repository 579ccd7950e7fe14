// The map of a project's pictures: every embedding placed in 2-D by PCA, and the pictures that
// sit nearer another class than their own ("check this label"). Pure: no DOM, no TF.js, so the
// page and Node's tests run the same code. Rows are the embeddings as the head sees them
// (head.js preprocessRows), so distances here are the ones the model works with.

import { seededRandom } from './dataset.js';

const POWER_STEPS = 60;
const CONVERGED = 1e-8; // squared change of the unit direction between two passes

/**
 * The first two principal components of n rows of `dim` numbers (a row-major Float32Array).
 * Power iteration on Xᵀ X without forming the dim x dim matrix. Returns {points:
 * Float32Array(n * 2), variance: [share of the first, of the second]}.
 */
export function pca2d(rows, count, dim, seed = 0) {
  const steps = pca2dSteps(rows, count, dim, seed);
  let next = steps.next();
  while (!next.done) next = steps.next();
  return next.value;
}

/**
 * pca2d as a generator that yields after each pass over the rows (about 10 ms for 2,000 x
 * 1,280), so the page can draw and answer clicks between passes: `await` a frame per yield.
 */
export function* pca2dSteps(rows, count, dim, seed = 0) {
  const mean = new Float64Array(dim);
  for (let r = 0; r < count; r += 1) for (let i = 0; i < dim; i += 1) mean[i] += rows[r * dim + i];
  for (let i = 0; i < dim; i += 1) mean[i] /= Math.max(count, 1);
  const centred = new Float32Array(count * dim);
  let total = 0;
  for (let r = 0; r < count; r += 1) {
    for (let i = 0; i < dim; i += 1) {
      const value = rows[r * dim + i] - mean[i];
      centred[r * dim + i] = value;
      total += value * value;
    }
  }
  yield;
  const random = seededRandom(seed);
  const components = [];
  const variance = [];
  for (let c = 0; c < 2; c += 1) {
    let v = Float64Array.from({ length: dim }, () => random() - 0.5);
    for (const previous of components) removeAlong(v, previous);
    v = v.map((x) => x / Math.max(norm(v), 1e-30));
    let eigen = 0;
    for (let step = 0; step < POWER_STEPS; step += 1) {
      const projected = multiply(centred, count, dim, v);
      const next = new Float64Array(dim);
      for (let r = 0; r < count; r += 1) {
        const p = projected[r];
        if (p !== 0) for (let i = 0; i < dim; i += 1) next[i] += p * centred[r * dim + i];
      }
      for (const previous of components) removeAlong(next, previous);
      eigen = norm(next);
      if (eigen === 0) break;
      const unit = next.map((x) => x / eigen);
      let change = 0;
      for (let i = 0; i < dim; i += 1) change += (unit[i] - v[i]) ** 2;
      v = unit;
      yield;
      if (change < CONVERGED) break;
    }
    components.push(v);
    variance.push(total > 0 ? eigen / total : 0);
  }
  const points = new Float32Array(count * 2);
  components.forEach((component, c) => {
    const projected = multiply(centred, count, dim, component);
    for (let r = 0; r < count; r += 1) points[r * 2 + c] = projected[r];
  });
  return { points, variance };
}

function multiply(matrix, count, dim, vector) {
  const out = new Float64Array(count);
  for (let r = 0; r < count; r += 1) {
    let sum = 0;
    for (let i = 0; i < dim; i += 1) sum += matrix[r * dim + i] * vector[i];
    out[r] = sum;
  }
  return out;
}

function norm(vector) {
  let sum = 0;
  for (const x of vector) sum += x * x;
  return Math.sqrt(sum);
}

function removeAlong(vector, unit) {
  let dot = 0;
  for (let i = 0; i < vector.length; i += 1) dot += vector[i] * unit[i];
  for (let i = 0; i < vector.length; i += 1) vector[i] -= dot * unit[i];
}

/** Each class's mean row: Float64Array(numClasses * dim) and the count of rows per class. */
export function classMeans(rows, labels, numClasses, dim) {
  const sums = new Float64Array(numClasses * dim);
  const counts = new Int32Array(numClasses);
  labels.forEach((label, r) => {
    counts[label] += 1;
    for (let i = 0; i < dim; i += 1) sums[label * dim + i] += rows[r * dim + i];
  });
  return { sums, counts };
}

function squaredDistance(rows, r, centre, dim) {
  let sum = 0;
  for (let i = 0; i < dim; i += 1) {
    const d = rows[r * dim + i] - centre[i];
    sum += d * d;
  }
  return sum;
}

/**
 * Pictures nearer another class's centre than their own: [{row, nearest}] (nearest: the class
 * index it sits closer to). A picture's own class centre is computed without it, so a single
 * mislabelled picture cannot pull its centre towards itself; classes of one picture are skipped.
 */
export function labelsToCheck(rows, labels, numClasses, dim) {
  const { sums, counts } = classMeans(rows, labels, numClasses, dim);
  const means = [];
  for (let c = 0; c < numClasses; c += 1) {
    means.push(sums.subarray(c * dim, (c + 1) * dim).map((x) => x / Math.max(counts[c], 1)));
  }
  const flagged = [];
  labels.forEach((label, r) => {
    if (counts[label] < 2) return;
    const own = new Float64Array(dim);
    for (let i = 0; i < dim; i += 1) own[i] = (sums[label * dim + i] - rows[r * dim + i]) / (counts[label] - 1);
    const ownDistance = squaredDistance(rows, r, own, dim);
    let nearest = -1;
    let nearestDistance = ownDistance;
    for (let c = 0; c < numClasses; c += 1) {
      if (c === label || counts[c] === 0) continue;
      const distance = squaredDistance(rows, r, means[c], dim);
      if (distance < nearestDistance) {
        nearest = c;
        nearestDistance = distance;
      }
    }
    if (nearest >= 0) flagged.push({ row: r, nearest });
  });
  return flagged;
}

/** The move along a list of points that arrow keys make: the nearest point in that direction. */
export function neighbourInDirection(points, from, dx, dy) {
  const x0 = points[from * 2];
  const y0 = points[from * 2 + 1];
  let best = -1;
  let bestScore = Infinity;
  for (let r = 0; r < points.length / 2; r += 1) {
    if (r === from) continue;
    const x = points[r * 2] - x0;
    const y = points[r * 2 + 1] - y0;
    const along = x * dx + y * dy;
    if (along <= 0) continue;
    const across = Math.abs(x * dy - y * dx);
    const score = along + 2 * across; // prefer points straight ahead over ones off to the side
    if (score < bestScore) {
      best = r;
      bestScore = score;
    }
  }
  return best;
}

/**
 * The two classes the model is likeliest to mix up: the pair with the most pictures nearer the
 * other's centre (labelsToCheck), else the pair whose centres are closest. {pair: [a, b] (a < b),
 * mixed: how many pictures}, or null with fewer than two classes of pictures.
 */
export function mostConfusedPair(rows, labels, numClasses, dim) {
  const { sums, counts } = classMeans(rows, labels, numClasses, dim);
  const present = [...counts.keys()].filter((c) => counts[c] > 0);
  if (present.length < 2) return null;
  const key = (a, b) => (a < b ? `${a},${b}` : `${b},${a}`);
  const mixed = new Map();
  for (const { row, nearest } of labelsToCheck(rows, labels, numClasses, dim)) {
    const k = key(labels[row], nearest);
    mixed.set(k, (mixed.get(k) ?? 0) + 1);
  }
  let best = null;
  for (let i = 0; i < present.length; i += 1) {
    for (let j = i + 1; j < present.length; j += 1) {
      const [a, b] = [present[i], present[j]];
      let distance = 0;
      for (let d = 0; d < dim; d += 1) distance += (sums[a * dim + d] / counts[a] - sums[b * dim + d] / counts[b]) ** 2;
      const candidate = { pair: [a, b], mixed: mixed.get(key(a, b)) ?? 0, distance };
      if (!best || candidate.mixed > best.mixed || (candidate.mixed === best.mixed && distance < best.distance)) best = candidate;
    }
  }
  return { pair: best.pair, mixed: best.mixed };
}
