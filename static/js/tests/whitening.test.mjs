import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';

import * as tf from '@tensorflow/tfjs';

import { seededRandom } from '../dataset.js';
import { gaussianClasses } from './gaussianClasses.mjs';
import { predictBatch, trainHead, WHITENING_ITERATIONS, WHITENING_SHRINKAGE } from '../trainer.js';
import { foldIntoKernel, orthonormalRows, symmetricEigen, whiten, withinClassWhitener } from '../whitening.js';

const DIM = 24;
const CLASSES = 3;
const DIRECTIONS = 6;
const OPTIONS = { directions: DIRECTIONS, shrinkage: WHITENING_SHRINKAGE, iterations: WHITENING_ITERATIONS, seed: 0 };

// Classes around separate centres whose within-class spread is far from round: along number d
// its standard deviation is 3 * 0.75^d + 0.1, so the covariance has distinct leading eigenvalues
// with gaps the subspace iteration can find.
function anisotropic(perClass, seed, spread = 6) {
  return gaussianClasses({ classes: CLASSES, dim: DIM, perClass, seed, centreSeed: 7, spread, sd: (d) => 3 * 0.75 ** d + 0.1 });
}

// The within-class covariance in float64, written out: C = (X - M)^T (X - M) / n.
function withinClassCovariance({ features, labels, count }) {
  const means = new Float64Array(CLASSES * DIM);
  const sizes = new Float64Array(CLASSES);
  for (let row = 0; row < count; row += 1) {
    sizes[labels[row]] += 1;
    for (let d = 0; d < DIM; d += 1) means[labels[row] * DIM + d] += features[row * DIM + d];
  }
  for (let c = 0; c < CLASSES; c += 1) for (let d = 0; d < DIM; d += 1) means[c * DIM + d] /= sizes[c];
  const covariance = new Float64Array(DIM * DIM);
  for (let row = 0; row < count; row += 1) {
    const r = Array.from({ length: DIM }, (_, d) => features[row * DIM + d] - means[labels[row] * DIM + d]);
    for (let i = 0; i < DIM; i += 1) for (let j = 0; j < DIM; j += 1) covariance[i * DIM + j] += (r[i] * r[j]) / count;
  }
  return covariance;
}

async function whitenerOf(data, options = OPTIONS) {
  const x = tf.tensor2d(data.features, [data.count, DIM]);
  const labels = tf.tensor1d(data.labels, 'int32');
  try {
    return await withinClassWhitener(tf, x, labels, CLASSES, options);
  } finally {
    tf.dispose([x, labels]);
  }
}

// S^(-1/2) as a dense matrix: the identity's rows whitened.
async function whiteningMatrix(whitener) {
  const identity = tf.eye(DIM);
  const matrix = whiten(tf, whitener, identity);
  const values = await matrix.data();
  tf.dispose([identity, matrix]);
  return Float64Array.from(values);
}

function multiply(a, b, n) {
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i += 1) {
    for (let k = 0; k < n; k += 1) for (let j = 0; j < n; j += 1) out[i * n + j] += a[i * n + k] * b[k * n + j];
  }
  return out;
}

const data = anisotropic(120, 1);

before(async () => {
  await tf.setBackend('cpu');
  await tf.ready();
});

describe('eigen-decomposition of a small symmetric matrix', () => {
  test('gives orthonormal eigenvectors, eigenvalues in descending order', () => {
    const n = 7;
    const random = seededRandom(3);
    const matrix = new Float64Array(n * n);
    for (let i = 0; i < n; i += 1) {
      for (let j = 0; j <= i; j += 1) {
        matrix[i * n + j] = random() - 0.5;
        matrix[j * n + i] = matrix[i * n + j];
      }
    }
    const { values, vectors } = symmetricEigen(matrix, n);
    for (let j = 0; j < n; j += 1) {
      if (j > 0) assert.ok(values[j] <= values[j - 1]);
      for (let i = 0; i < n; i += 1) {
        let product = 0;
        for (let k = 0; k < n; k += 1) product += matrix[i * n + k] * vectors[k * n + j];
        assert.ok(Math.abs(product - values[j] * vectors[i * n + j]) < 1e-9, 'A v = l v');
      }
      for (let other = 0; other < n; other += 1) {
        let dot = 0;
        for (let k = 0; k < n; k += 1) dot += vectors[k * n + j] * vectors[k * n + other];
        assert.ok(Math.abs(dot - (j === other ? 1 : 0)) < 1e-9, 'orthonormal');
      }
    }
  });

  test('Gram-Schmidt fills in rows with nothing left of their own', () => {
    const rows = Float64Array.from([1, 0, 0, 2, 0, 0, 0, 1, 0]);
    orthonormalRows(rows, 3, 3, seededRandom(1));
    for (let i = 0; i < 3; i += 1) {
      for (let j = 0; j < 3; j += 1) {
        let dot = 0;
        for (let d = 0; d < 3; d += 1) dot += rows[i * 3 + d] * rows[j * 3 + d];
        assert.ok(Math.abs(dot - (i === j ? 1 : 0)) < 1e-12);
      }
    }
  });
});

describe('within-class whitening', () => {
  test('finds the leading eigenvalues of the within-class covariance', async () => {
    const covariance = withinClassCovariance(data);
    const exact = symmetricEigen(covariance, DIM).values;
    let trace = 0;
    for (let d = 0; d < DIM; d += 1) trace += covariance[d * DIM + d];
    const whitener = await whitenerOf(data);
    tf.dispose([whitener.basis, whitener.weights]);
    assert.ok(Math.abs(whitener.meanVariance - trace / DIM) < 1e-4 * trace);
    for (let j = 0; j < DIRECTIONS; j += 1) {
      assert.ok(
        Math.abs(whitener.eigenvalues[j] - exact[j]) < 1e-3 * exact[j],
        `eigenvalue ${j}: ${whitener.eigenvalues[j]} vs ${exact[j]}`,
      );
    }
  });

  test('whitened, the shrunk covariance (over its mean variance) is the identity along the directions it found', async () => {
    const covariance = withinClassCovariance(data);
    const whitener = await whitenerOf(data);
    const w = await whiteningMatrix(whitener);
    const basis = await whitener.basis.data();
    tf.dispose([whitener.basis, whitener.weights]);
    // S / m, what the whitener is relative to.
    const m = whitener.meanVariance;
    const shrunk = covariance.map((value, i) => ((1 - WHITENING_SHRINKAGE) * value) / m + (i % (DIM + 1) === 0 ? WHITENING_SHRINKAGE : 0));
    const whitened = multiply(multiply(w, shrunk, DIM), w, DIM);
    for (let i = 0; i < DIRECTIONS; i += 1) {
      for (let j = 0; j < DIRECTIONS; j += 1) {
        let value = 0;
        for (let a = 0; a < DIM; a += 1) {
          for (let b = 0; b < DIM; b += 1) value += basis[a * DIRECTIONS + i] * whitened[a * DIM + b] * basis[b * DIRECTIONS + j];
        }
        assert.ok(Math.abs(value - (i === j ? 1 : 0)) < 1e-3, `V^T S_w V [${i}][${j}] = ${value}`);
      }
    }
    // Elsewhere the matrix is a * I: a direction orthogonal to V is only scaled.
    assert.ok(Math.abs(w[(DIM - 1) * DIM + (DIM - 1)] - whitener.scale) < 0.05 * whitener.scale);
  });

  test('the same rows and seed give the same whitener, and it leaves no tensors behind', async () => {
    const tensorsBefore = tf.memory().numTensors;
    const first = await whitenerOf(data);
    const again = await whitenerOf(data);
    assert.deepEqual(await again.basis.data(), await first.basis.data());
    assert.deepEqual(await again.weights.data(), await first.weights.data());
    tf.dispose([first.basis, first.weights, again.basis, again.weights]);
    assert.equal(tf.memory().numTensors, tensorsBefore);
  });

  test('rows that do not vary within their classes are not whitened', async () => {
    const flat = { ...data, features: new Float32Array(data.count * DIM).map((_, i) => data.labels[Math.floor(i / DIM)] + (i % DIM)) };
    assert.equal(await whitenerOf(flat), null);
  });

  test('fewer pictures than directions still give a finite whitener', async () => {
    const few = anisotropic(2, 4);
    const whitener = await whitenerOf(few);
    const weights = await whitener.weights.data();
    tf.dispose([whitener.basis, whitener.weights]);
    assert.ok(weights.every(Number.isFinite));
  });
});

describe('the head trained on whitened rows', () => {
  test('gives the logits of a head trained on the whitened rows themselves, folded into its kernel', async () => {
    // Classes that overlap, so that training moves the head well away from its start.
    const data = anisotropic(40, 8, 0.5);
    const settings = { epochs: 8, preprocess: 'none', whitening: DIRECTIONS };
    const { head } = await trainHead({ features: data.features, labels: data.labels, numClasses: CLASSES, settings, tf });
    const whitener = await whitenerOf(data, { ...OPTIONS, seed: 0 });
    const x = tf.tensor2d(data.features, [data.count, DIM]);
    const whitenedRows = whiten(tf, whitener, x);
    const whitened = await whitenedRows.data();
    tf.dispose([x, whitenedRows]);
    const plain = await trainHead({
      features: whitened,
      labels: data.labels,
      numClasses: CLASSES,
      settings: { ...settings, whitening: 0 },
      tf,
    });
    const kernel = tf.tensor2d(plain.head.layers[0].kernel, [DIM, CLASSES]);
    const folded = foldIntoKernel(tf, whitener, kernel);
    const foldedKernel = await folded.data();
    tf.dispose([kernel, folded, whitener.basis, whitener.weights]);
    // The same arithmetic in another order (the trainer never whitens the rows): float32 rounding.
    const close = (a, b, tolerance) => a.every((value, i) => Math.abs(value - b[i]) <= tolerance * (1 + Math.abs(b[i])));
    assert.ok(close(head.layers[0].bias, plain.head.layers[0].bias, 1e-4));
    assert.ok(close(head.layers[0].kernel, foldedKernel, 1e-4));
    const mine = predictBatch(head, data.features, data.count);
    const theirs = predictBatch(plain.head, whitened, data.count);
    assert.ok(close(mine, theirs, 1e-4));
  });

  test('with whitening off, the head is the one trained on the rows as they are', async () => {
    const problem = { features: data.features, labels: data.labels, numClasses: CLASSES, tf };
    const off = await trainHead({ ...problem, settings: { epochs: 5, whitening: 0 } });
    const on = await trainHead({ ...problem, settings: { epochs: 5 } });
    assert.notDeepEqual(on.head.layers[0].kernel, off.head.layers[0].kernel);
    assert.deepEqual(on.head.layers[0].kernel.length, off.head.layers[0].kernel.length);
  });
});
