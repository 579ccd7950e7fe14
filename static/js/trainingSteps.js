// The tensor work of one training run of the head (trainer.js trainHead): the rows as tensors
// and batches, the class-mean start, the whitener's estimate and one Adam step. Every function
// takes TF.js as `tf`; the tensors each returns are the caller's to dispose.
import { seededRandom, shuffleInPlace } from './dataset.js';
import { preprocessRows } from './head.js';
import { withinClassWhitener } from './whitening.js';

// The caller's rows as tensors: x [count, dim] preprocessed (in JavaScript, by the code that
// predicts: one copy of the arithmetic, and 2-3 times faster than TF.js's WASM element-wise ops),
// targets y [count, C] (label-smoothed) and the integer labels.
export function rowsTensors(tf, features, labels, numClasses, { preprocess, labelSmoothing }) {
  const count = labels.length;
  const dim = features.length / count;
  const rows = preprocessRows(features, count, dim, preprocess);
  return tf.tidy(() => {
    const x = tf.tensor2d(rows, [count, dim]);
    const labelTensor = tf.tensor1d(labels, 'int32');
    const onehot = tf.oneHot(labelTensor, numClasses).toFloat();
    const y = tf.add(tf.mul(onehot, 1 - labelSmoothing), labelSmoothing / numClasses);
    return { x, y, labels: labelTensor, count };
  });
}

export function oneHotFloat(tf, labels, numClasses) {
  return tf.tidy(() => tf.oneHot(tf.tensor1d(labels, 'int32'), numClasses).toFloat());
}

// The nearest-class-mean classifier written as a linear layer: logit_c = s * (x.m_c - |m_c|^2 / 2),
// so training starts where a prototype classifier already is and only has to refine it.
export function prototypeStart(tf, batches, numClasses, scale, fold) {
  return tf.tidy(() => {
    const onehots = batches.map(({ labels }) => tf.oneHot(labels, numClasses).toFloat());
    const sums = tf.addN(batches.map(({ x }, i) => transposedProduct(tf, onehots[i], x)));
    const counts = tf.maximum(tf.addN(onehots.map((onehot) => tf.sum(onehot, 0))), 1);
    // The class means of the whitened rows (the means' whitened: W m).
    const meansT = fold(tf.div(sums, counts));
    return {
      kernel: tf.mul(meansT, scale),
      bias: tf.mul(tf.sum(tf.square(meansT), 0), -scale / 2),
    };
  });
}

// The whitener of the training rows (whitening.js), estimated on every row up to WHITENING_ROWS,
// else on a seeded sample of WHITENING_ROWS of them: enough for 16 directions, and its cost stays
// that of a few training steps whatever the project's size (each subspace iteration reads every
// row it uses twice). Every few-shot case of benchmarks/LOG.md (up to 1,000 rows) uses all.
const WHITENING_ROWS = 1024;

export async function trainingWhitener(tf, features, labels, numClasses, options, trainBatches, { shrinkage, iterations }) {
  const count = labels.length;
  const settings = {
    directions: options.whitening,
    shrinkage,
    iterations,
    seed: options.seed,
  };
  if (trainBatches.length === 1 && count <= WHITENING_ROWS) {
    return withinClassWhitener(tf, trainBatches[0].x, trainBatches[0].labels, numClasses, settings);
  }
  const dim = features.length / count;
  const rows = shuffleInPlace(
    Array.from({ length: count }, (_, i) => i),
    seededRandom(options.seed),
  ).slice(0, WHITENING_ROWS);
  const sampleFeatures = new Float32Array(rows.length * dim);
  rows.forEach((row, i) => {
    sampleFeatures.set(features.subarray(row * dim, (row + 1) * dim), i * dim);
  });
  const sample = rowsTensors(tf, sampleFeatures, Int32Array.from(rows, (row) => labels[row]), numClasses, options);
  try {
    return await withinClassWhitener(tf, sample.x, sample.labels, numClasses, settings);
  } finally {
    tf.dispose(sample);
  }
}

// The training rows as the batches of every epoch, cut once: the whole set when it fits in one
// batch, else the rows shuffled once (seeded) and cut into contiguous batches whose order is
// reshuffled each epoch. Each batch is made straight from the caller's arrays, so no step
// gathers rows from a larger tensor.
export function trainingBatches(tf, features, labels, numClasses, options, random) {
  const count = labels.length;
  const dim = features.length / count;
  const batchSize = Math.max(1, Math.min(options.batchSize, count));
  if (batchSize >= count) return [rowsTensors(tf, features, labels, numClasses, options)];
  const order = shuffleInPlace(
    Array.from({ length: count }, (_, i) => i),
    random,
  );
  const batches = [];
  for (let start = 0; start < count; start += batchSize) {
    const rows = order.slice(start, start + batchSize);
    const batchFeatures = new Float32Array(rows.length * dim);
    rows.forEach((row, i) => {
      batchFeatures.set(features.subarray(row * dim, (row + 1) * dim), i * dim);
    });
    const batchLabels = Int32Array.from(rows, (row) => labels[row]);
    batches.push(rowsTensors(tf, batchFeatures, batchLabels, numClasses, options));
  }
  return batches;
}

// One Adam step of softmax regression with the gradient written out: for cross-entropy over a
// softmax, d loss / d logits = (softmax - y) / n, so dW = xT.G + decay.W and db = sum(G); with a
// whitener the logits are x.fold(W) and dW = fold(xT.G) + decay.W (fold: see trainHead).
// Returns the batch's [loss sum, correct count], scored before the step.
export function step(tf, optimizer, { x, y, labels }, w, b, weightDecay, fold) {
  const { gradients, scores } = tf.tidy(() => {
    const logits = tf.add(tf.matMul(x, fold(w)), b);
    const g = tf.div(tf.sub(tf.softmax(logits), y), x.shape[0]);
    return {
      gradients: {
        [w.name]: tf.add(fold(transposedProduct(tf, g, x)), tf.mul(w, weightDecay)),
        [b.name]: tf.sum(g, 0),
      },
      scores: batchScores(tf, logits, y, labels),
    };
  });
  optimizer.applyGradients(gradients);
  tf.dispose(gradients);
  return scores;
}

// xT.g for rows x [n, dim] and g [n, C], as (gT.x)T: TF.js's WASM matMul with transposeA (what
// autodiff uses) is about 15 times slower than a plain one, and transposing x itself would copy
// all the rows; gT and the result are small. Measured on 10,000 x 1280 rows: 20 ms against 300.
function transposedProduct(tf, g, x) {
  return tf.transpose(tf.matMul(tf.transpose(g), x));
}

export function scoreRows(tf, rows, w, b) {
  return tf.tidy(() => batchScores(tf, tf.add(tf.matMul(rows.x, w), b), rows.y, rows.labels));
}

// [summed cross-entropy, number of rows whose top logit is their label].
function batchScores(tf, logits, y, labels) {
  const loss = tf.neg(tf.sum(tf.mul(y, tf.logSoftmax(logits))));
  const correct = tf.sum(tf.equal(tf.argMax(logits, 1), labels).toFloat());
  return tf.stack([loss, correct]);
}

