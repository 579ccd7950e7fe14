import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { describe, test } from 'node:test';

import { umap2dSteps, umapSettings } from '../umapLayout.js';
import { clusters as clustersAround, uniform } from './clusters.mjs';

// The same browser bundle the server serves to the map's worker.
const { UMAP } = createRequire(import.meta.url)('../../../node_modules/umap-js/lib/umap-js.min.js');

const clusters = (numClasses, count, dim) =>
  clustersAround(numClasses, count, dim, { centre: 4, noise: uniform(0.3) });

function run(rows, count, dim, options) {
  const steps = umap2dSteps(UMAP, rows, count, dim, options);
  const progress = [];
  let next = steps.next();
  while (!next.done) {
    progress.push(next.value);
    next = steps.next();
  }
  return { points: next.value.points, progress };
}

function nearestOther(points, r) {
  let best = -1;
  let bestDistance = Infinity;
  for (let o = 0; o < points.length / 2; o += 1) {
    if (o === r) continue;
    const d = (points[o * 2] - points[r * 2]) ** 2 + (points[o * 2 + 1] - points[r * 2 + 1]) ** 2;
    if (d < bestDistance) [best, bestDistance] = [o, d];
  }
  return best;
}

describe('umap2dSteps', () => {
  test('places every row, keeps classes apart, and yields its progress', () => {
    const dim = 24;
    const { rows, labels } = clusters(3, 15, dim);
    const { points, progress } = run(rows, labels.length, dim, { seed: 3 });
    assert.equal(points.length, labels.length * 2);
    assert.ok(points.every(Number.isFinite));
    // Each point's nearest neighbour on the map is of its own class.
    const strays = labels.filter((label, r) => labels[nearestOther(points, r)] !== label);
    assert.deepEqual(strays, []);
    assert.deepEqual(progress[0], { done: 0, total: progress[0].total });
    assert.ok(progress[0].total >= 100, 'umap-js runs its own number of epochs');
    assert.ok(progress.every((p, i) => i === 0 || p.done > progress[i - 1].done));
  });

  test('is the same map for the same seed', () => {
    const dim = 8;
    const { rows, labels } = clusters(2, 6, dim);
    const a = run(rows, labels.length, dim, { seed: 5 }).points;
    const b = run(rows, labels.length, dim, { seed: 5 }).points;
    assert.deepEqual(a, b);
  });

  test('works with as few pictures as the map shows, and refuses fewer', () => {
    const dim = 4;
    const { rows } = clusters(1, 3, dim);
    assert.equal(umapSettings(3).nNeighbors, 2);
    assert.equal(umapSettings(2000).nNeighbors, 15);
    const { points } = run(rows, 3, dim, { seed: 1 });
    assert.ok(points.length === 6 && points.every(Number.isFinite));
    assert.throws(() => umap2dSteps(UMAP, rows, 2, dim).next(), RangeError);
  });
});
