import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { seededRandom } from '../dataset.js';
import { labelsToCheck, mostConfusedPair, neighbourInDirection, pca2d } from '../pictureMap.js';
import { clusters, gaussianish } from './clusters.mjs';

// Gaussian-ish noise from the seeded generator (sum of uniforms).
const noise = gaussianish(1);

describe('pca2d', () => {
  test('finds the direction of most spread first, then the next one', () => {
    const dim = 16;
    const count = 300;
    const random = seededRandom(3);
    const rows = new Float32Array(count * dim);
    for (let r = 0; r < count; r += 1) {
      for (let i = 0; i < dim; i += 1) rows[r * dim + i] = 0.05 * noise(random);
      rows[r * dim + 3] += 10 * noise(random);
      rows[r * dim + 7] += 3 * noise(random);
    }
    const { points, variance } = pca2d(rows, count, dim);
    assert.equal(points.length, count * 2);
    assert.ok(variance[0] > 0.85 && variance[1] > 0.05 && variance[0] + variance[1] <= 1.0001);
    // The first coordinate is (up to sign) the 4th number, the second the 8th.
    const correlation = (axis, column) => {
      let xy = 0, xx = 0, yy = 0;
      for (let r = 0; r < count; r += 1) {
        const x = points[r * 2 + axis];
        const y = rows[r * dim + column];
        xy += x * y; xx += x * x; yy += y * y;
      }
      return Math.abs(xy / Math.sqrt(xx * yy));
    };
    assert.ok(correlation(0, 3) > 0.99);
    assert.ok(correlation(1, 7) > 0.99);
  });

  test('places every one of 2,000 pictures of 1,280 numbers', () => {
    const { rows, labels } = clusters(4, 500, 1280, { seed: 5 });
    const { points } = pca2d(rows, labels.length, 1280);
    assert.equal(points.length, 4000);
    assert.ok(points.every(Number.isFinite));
  });
});

describe('labelsToCheck', () => {
  test('flags a picture labelled as one class that sits among another', () => {
    const dim = 8;
    const { rows, labels } = clusters(3, 20, dim);
    // Row 5 is labelled class 0 but looks like class 2.
    for (let i = 0; i < dim; i += 1) rows[5 * dim + i] = i === 2 ? 3 : 0;
    assert.deepEqual(labelsToCheck(rows, labels, 3, dim), [{ row: 5, nearest: 2 }]);
  });

  test('flags nothing when every picture sits with its class', () => {
    const dim = 8;
    const { rows, labels } = clusters(3, 20, dim, { seed: 9 });
    assert.deepEqual(labelsToCheck(rows, labels, 3, dim), []);
  });
});

describe('neighbourInDirection', () => {
  test('an arrow key moves to the nearest point that way, or nowhere', () => {
    const points = new Float32Array([0, 0, 1, 0, 5, 0, 0, 1, 1, 0.2]);
    assert.equal(neighbourInDirection(points, 0, 1, 0), 1);
    assert.equal(neighbourInDirection(points, 0, 0, 1), 3);
    assert.equal(neighbourInDirection(points, 0, -1, 0), -1);
  });
});

describe('mostConfusedPair', () => {
  test('names the two classes whose pictures sit in each other\'s place', () => {
    const dim = 8;
    const { rows, labels } = clusters(4, 10, dim);
    for (const r of [3, 4]) for (let i = 0; i < dim; i += 1) rows[r * dim + i] = i === 3 ? 3 : 0;
    assert.deepEqual(mostConfusedPair(rows, labels, 4, dim), { pair: [0, 3], mixed: 2 });
  });

  test('falls back to the closest classes, and needs two classes', () => {
    const dim = 4;
    const rows = new Float32Array([0, 0, 0, 0, 0.1, 0, 0, 0, 1, 1, 1, 1, 5, 5, 5, 5]);
    assert.deepEqual(mostConfusedPair(rows, [0, 1, 2, 3], 4, dim), { pair: [0, 1], mixed: 0 });
    assert.equal(mostConfusedPair(rows, [0, 0, 0, 0], 4, dim), null);
  });
});
