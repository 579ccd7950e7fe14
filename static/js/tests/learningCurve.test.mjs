import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { seededRandom } from '../dataset.js';
import { curveSizes, learningCurve } from '../learningCurve.js';

// Classes whose centres are separable, with enough noise that one picture per class is a poor
// guide and more pictures a better one.
function noisyClasses(numClasses, perClass, dim, seed) {
  const random = seededRandom(seed);
  const centres = Array.from({ length: numClasses }, () => Array.from({ length: dim }, () => random() - 0.5));
  const rows = new Float32Array(numClasses * perClass * dim);
  const labels = [];
  for (let c = 0; c < numClasses; c += 1) {
    for (let k = 0; k < perClass; k += 1) {
      const r = labels.length;
      for (let i = 0; i < dim; i += 1) rows[r * dim + i] = centres[c][i] + 2.5 * (random() + random() - 1);
      labels.push(c);
    }
  }
  return { rows, labels };
}

describe('learningCurve', () => {
  test('rises with the pictures per class on a separable set, each point with its spread', () => {
    const { rows, labels } = noisyClasses(4, 60, 32, 2);
    const curve = learningCurve(rows, labels, 4, 32, { repeats: 10 });
    assert.deepEqual(curve.map((p) => p.perClass), [1, 2, 5, 10, 20, 50]);
    for (let i = 1; i < curve.length; i += 1) assert.ok(curve[i].mean >= curve[i - 1].mean, JSON.stringify(curve.map((p) => p.mean)));
    assert.ok(curve.at(-1).mean > curve[0].mean + 0.2);
    assert.ok(curve.at(-1).mean > 0.7, String(curve.at(-1).mean));
    for (const point of curve) {
      assert.equal(point.runs.length, 10);
      assert.ok(point.spread >= 0 && point.min <= point.mean && point.mean <= point.max);
    }
  });

  test('offers only sizes that leave a picture of the smallest class to score', () => {
    assert.deepEqual(curveSizes(6), [1, 2, 5]);
    assert.deepEqual(curveSizes(1), []);
  });

  test('the same seed gives the same curve', () => {
    const { rows, labels } = noisyClasses(3, 12, 8, 4);
    assert.deepEqual(learningCurve(rows, labels, 3, 8, { seed: 7 }), learningCurve(rows, labels, 3, 8, { seed: 7 }));
  });
});
