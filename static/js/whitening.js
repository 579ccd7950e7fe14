// Whitening of the head's training rows by their shrunk within-class covariance, so that the
// directions in which pictures of one class vary most (lighting, background, pose) weigh less
// than those that separate classes. On clothing-dev it gained at 5, 10 and 50 pictures per class,
// 0.85 points at 10 over 20 draws (benchmarks/LOG.md, section 1, few-shot accuracy).
//
// C is the covariance of the rows minus their class means, m its mean variance (trace / dim) and
// S = shrinkage * m * I + (1 - shrinkage) * C, taken relative to m (S / m): whitened rows keep
// about the length they had, which the learning rate and the class-mean start's scale were tuned
// for (whitening by S itself scales them by m^(-1/2), about 60 for clothing-dev's embeddings).
// Only C's leading eigenvectors V (columns, with eigenvalues l) are found; the rest of the
// spectrum is taken to be m, shrunk to shrinkage * m like the rest, so
//   (S / m)^(-1/2) = a I + V diag(s - a) V^T,  a = shrinkage^(-1/2), s = (shrinkage + (1 - shrinkage) l / m)^(-1/2)
// and whitening rows x is x * a + (x * V) * diag(s - a) * V^T: two thin products, never the
// dim x dim matrix. V comes from subspace (block power) iteration: C * V = R^T (R * V) / n on the
// residual rows R, a few more columns than needed for a faster convergence of the leading ones,
// then a Rayleigh-Ritz step that rotates the block onto C's eigenvectors within it.
//
// Tensor ownership: withinClassWhitener returns two tensors (basis, weights) that the caller
// disposes; whiten and foldIntoKernel return new tensors and dispose nothing they are given.

import { seededRandom } from './dataset.js';

// Extra columns of the iterated block: the leading `directions` converge at the rate of the gap
// to the first one outside the block, not to the next one.
const EXTRA_COLUMNS = 8;

/**
 * The whitener of rows x ([count, dim] tensor) with integer labels ([count] int32 tensor):
 * {scale: a, basis: V [dim, k], weights: diag(s - a) V^T [k, dim], eigenvalues: Float64Array(k),
 * meanVariance: m}, or null when the rows do not vary within their classes (nothing to whiten).
 * options: {directions: k, shrinkage, iterations, seed} (deterministic given the seed).
 */
export async function withinClassWhitener(tf, x, labels, numClasses, options) {
  const { directions, shrinkage, iterations, seed } = options;
  const [count, dim] = x.shape;
  const wanted = Math.min(directions, dim);
  const columns = Math.min(wanted + EXTRA_COLUMNS, dim);
  const residuals = tf.tidy(() => {
    const onehot = tf.oneHot(labels, numClasses).toFloat();
    const counts = tf.maximum(tf.sum(onehot, 0), 1);
    const means = tf.div(tf.matMul(tf.transpose(onehot), x), tf.expandDims(counts, 1));
    return tf.sub(x, tf.matMul(onehot, means));
  });
  try {
    const meanVariance = (await readAndDispose(tf.tidy(() => tf.sum(tf.square(residuals)))))[0] / (count * dim);
    if (!(meanVariance > 0) || !Number.isFinite(meanVariance)) return null;
    const random = seededRandom(seed);
    let rows = orthonormalRows(gaussianRows(columns, dim, random), columns, dim, random);
    for (let i = 0; i < iterations; i += 1) {
      // (R^T R V)^T = (R V)^T R, with V's columns as rows: rows stay [columns, dim] and the only
      // transpose is of the thin [count, columns] product.
      const product = tf.tidy(() => {
        const projected = tf.matMul(residuals, tf.transpose(tf.tensor2d(Float32Array.from(rows), [columns, dim])));
        return tf.matMul(tf.transpose(projected), residuals);
      });
      rows = orthonormalRows(Float64Array.from(await readAndDispose(product)), columns, dim, random);
    }
    // Rayleigh-Ritz: B = V^T C V = (R V)^T (R V) / n, eigenvectors U; the block rotated by U.
    const gram = tf.tidy(() => {
      const projected = tf.matMul(residuals, tf.transpose(tf.tensor2d(Float32Array.from(rows), [columns, dim])));
      return tf.div(tf.matMul(tf.transpose(projected), projected), count);
    });
    const { values, vectors } = symmetricEigen(Float64Array.from(await readAndDispose(gram)), columns);
    const eigenvalues = new Float64Array(wanted);
    const basisRows = new Float64Array(wanted * dim);
    const a = shrinkage ** -0.5;
    const weights = new Float32Array(wanted * dim);
    for (let j = 0; j < wanted; j += 1) {
      eigenvalues[j] = Math.max(values[j], 0);
      for (let i = 0; i < columns; i += 1) {
        const u = vectors[i * columns + j];
        for (let d = 0; d < dim; d += 1) basisRows[j * dim + d] += u * rows[i * dim + d];
      }
      const s = (shrinkage + ((1 - shrinkage) * eigenvalues[j]) / meanVariance) ** -0.5;
      for (let d = 0; d < dim; d += 1) weights[j * dim + d] = (s - a) * basisRows[j * dim + d];
    }
    return tf.tidy(() => ({
      scale: a,
      basis: tf.transpose(tf.tensor2d(Float32Array.from(basisRows), [wanted, dim])),
      weights: tf.tensor2d(weights, [wanted, dim]),
      eigenvalues,
      meanVariance,
    }));
  } finally {
    residuals.dispose();
  }
}

/** Rows x [count, dim] whitened: x * (S / m)^(-1/2) (a new tensor). */
export function whiten(tf, whitener, x) {
  return tf.tidy(() => tf.add(tf.mul(x, whitener.scale), tf.matMul(tf.matMul(x, whitener.basis), whitener.weights)));
}

/**
 * A kernel [dim, C] trained on whitened rows, as one for the rows before whitening:
 * W * kernel with W = (S / m)^(-1/2), which is symmetric, so (x W) K = x (W K).
 */
export function foldIntoKernel(tf, whitener, kernel) {
  return tf.tidy(() =>
    tf.add(tf.mul(kernel, whitener.scale), tf.matMul(whitener.basis, tf.matMul(whitener.weights, kernel))),
  );
}

async function readAndDispose(tensor) {
  try {
    return await tensor.data();
  } finally {
    tensor.dispose();
  }
}

function gaussianRows(count, dim, random) {
  const out = new Float64Array(count * dim);
  for (let i = 0; i < out.length; i += 1) {
    out[i] = Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  }
  return out;
}

/**
 * Modified Gram-Schmidt on the rows of a [count, dim] Float64Array, in place, each row
 * orthogonalised twice (once loses orthogonality when a row is nearly in the span of the ones
 * before). A row with nothing left (the residuals have fewer directions than the block, as with
 * a few pictures) is replaced by a random one: its eigenvalue comes out 0 and it whitens like the
 * rest of the spectrum.
 */
export function orthonormalRows(rows, count, dim, random) {
  for (let i = 0; i < count; i += 1) {
    const row = rows.subarray(i * dim, (i + 1) * dim);
    const before = norm(row);
    for (let pass = 0; pass < 2; pass += 1) {
      for (let j = 0; j < i; j += 1) {
        const other = rows.subarray(j * dim, (j + 1) * dim);
        let dot = 0;
        for (let d = 0; d < dim; d += 1) dot += row[d] * other[d];
        for (let d = 0; d < dim; d += 1) row[d] -= dot * other[d];
      }
    }
    let length = norm(row);
    if (!(length > 1e-10 * before)) {
      row.set(gaussianRows(1, dim, random));
      i -= 1;
      continue;
    }
    length = 1 / length;
    for (let d = 0; d < dim; d += 1) row[d] *= length;
  }
  return rows;
}

function norm(row) {
  let sum = 0;
  for (const value of row) sum += value * value;
  return Math.sqrt(sum);
}

/**
 * Eigen-decomposition of a small symmetric matrix (row-major Float64Array(n * n)) by cyclic
 * Jacobi rotations: {values: descending, vectors: Float64Array(n * n) with eigenvector j in
 * column j}.
 */
export function symmetricEigen(matrix, n) {
  const a = Float64Array.from(matrix);
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i += 1) v[i * n + i] = 1;
  for (let sweep = 0; sweep < 100; sweep += 1) {
    let off = 0;
    let total = 0;
    for (let i = 0; i < n; i += 1) {
      for (let j = 0; j < n; j += 1) {
        total += a[i * n + j] ** 2;
        if (i !== j) off += a[i * n + j] ** 2;
      }
    }
    if (off <= 1e-30 * total || off === 0) break;
    for (let p = 0; p < n - 1; p += 1) {
      for (let q = p + 1; q < n; q += 1) {
        const apq = a[p * n + q];
        if (apq === 0) continue;
        const theta = (a[q * n + q] - a[p * n + p]) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k += 1) {
          const akp = a[k * n + p];
          const akq = a[k * n + q];
          a[k * n + p] = c * akp - s * akq;
          a[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k += 1) {
          const apk = a[p * n + k];
          const aqk = a[q * n + k];
          a[p * n + k] = c * apk - s * aqk;
          a[q * n + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < n; k += 1) {
          const vkp = v[k * n + p];
          const vkq = v[k * n + q];
          v[k * n + p] = c * vkp - s * vkq;
          v[k * n + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => a[j * n + j] - a[i * n + i]);
  const values = Float64Array.from(order, (i) => a[i * n + i]);
  const vectors = new Float64Array(n * n);
  for (let k = 0; k < n; k += 1) {
    order.forEach((i, j) => {
      vectors[k * n + j] = v[k * n + i];
    });
  }
  return { values, vectors };
}
