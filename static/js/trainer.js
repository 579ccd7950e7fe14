// Trains the classifier head on cached backbone embeddings, in the page (or in Node for tests and
// benchmarks). TensorFlow.js comes in as the `tf` argument, else the page's global `window.tf`.
//
// The head it makes is plain data, described in head.js.
// Tensor ownership: every tensor is made inside trainHead and disposed
// before they return or throw; nothing the caller passes in or gets back is a tensor.

import { buildFinalTrainingSet, buildTrainingSet, seededRandom, shuffleInPlace } from './dataset.js';
import { HEAD_FORMAT, PREPROCESSING } from './head.js';
import RECIPE from './headRecipe.json' with { type: 'json' };
import { prototypeStart, rowsTensors, scoreRows, step, trainingBatches, trainingWhitener } from './trainingSteps.js';
import { foldIntoKernel } from './whitening.js';

// The head's format and prediction (head.js) and the steps' one-hot helper, for those that
// import them from here.
export { argmaxRows, deserializeHead, HEAD_FORMAT, PREPROCESSING, predict, predictBatch, preprocessRows, serializeHead } from './head.js';
export { oneHotFloat } from './trainingSteps.js';

// Snapclass's recipe, chosen by benchmarks/head_recipe.mjs on real photos (numbers in that file):
// preprocessed embeddings whitened by their shrunk within-class covariance (whitening.js), one
// softmax layer with bias started at the class means (a nearest-class-mean classifier), then 40
// full-batch Adam steps with weight decay; the whitener is folded into the kernel it ships. It
// beat Teachable Machine's recipe at 5, 10 and 50 pictures per class and trained 28-54 times
// faster. Its numbers are in headRecipe.json, which server fine-tuning reads too
// (server/finetune/model.py fit_head); why each was chosen is said here.
export const DEFAULT_SETTINGS = Object.freeze({
  epochs: RECIPE.epochs,
  // Larger than any classroom project (8,192 pictures, each with its mirror image), so each
  // epoch is one full-batch step (but see LARGE_SET_ROWS). Smaller batches are cut once before
  // training (see trainingBatches): gathering rows every step cost ~100 ms a step on WASM.
  batchSize: 16384,
  // 0.05 gained 0.2-0.4 points at 10 pictures per class but, with few epochs on a large project
  // (5 epochs, 5,000 pictures), left the head at 40-51 % where 0.03 reaches over 90 %
  // (benchmarks/LOG.md, section 1, few-shot accuracy).
  learningRate: RECIPE.learningRate,
  // Keeps a few pictures per class from being memorised (about 1 point at 10 per class; 3e-4
  // before whitening, which gained most with 1e-3).
  weightDecay: RECIPE.weightDecay,
  // Measured no better at any number of pictures, so off.
  labelSmoothing: 0,
  // Logit scale of the class-mean start (softmax over cosines needs a temperature). The start
  // costs nothing and gives 0.5-1 point when a student picks fewer epochs; at 40 it washes out.
  prototypeScale: RECIPE.prototypeScale,
  preprocess: RECIPE.preprocess,
  // Leading within-class covariance directions whitened (see whitening.js; 0: no whitening).
  // On clothing-dev 16 gained as much as the full covariance, and 64 no more on the draws they
  // were not picked on.
  whitening: RECIPE.whitening,
  seed: 0,
});

// The whitener's covariance S = 0.9 m I + 0.1 C (see whitening.js): a few pictures per class
// leave most directions of C almost empty, and its plain inverse would blow them up. 0.9 is the
// shrinkage picked for a shrunk-covariance LDA on clothing-dev, not tuned again for whitening.
// WHITENING_ITERATIONS of subspace iteration (a block of 24) scored as the exact eigenvectors
// there (72.21 % at 10 pictures per class over 20 draws, 6 iterations the same), and each costs
// the page a read-back: a fixed cost that matters most to the smallest projects.
export const WHITENING_SHRINKAGE = RECIPE.whiteningShrinkage;
export const WHITENING_ITERATIONS = 3;

// Past this many training rows the default recipe keeps its 40 Adam steps but takes each on a
// batch of at most this many rows (cut once, cycled), i.e. fewer passes over the rows: the work
// of a step stops growing with the project, so 5,000 pictures (10,000 rows with their mirror
// images) train about 5 times faster. Each step reads every row it uses, and a step over 10,000
// x 1280 rows costs ~100 ms on one WASM thread. Measured on clothing-dev (1,400 rows, 10 draws):
// 40 steps on 2 or 4 batches cost 0.3 and 0.7 points against 40 full-batch passes, and 8
// full-batch passes (the same work) 4.1 points; batches of 2,048 rows are far less noisy than
// those 350-700 (larger projects could not be measured: the set has 1,000 photos). Sets up to
// this size, every few-shot case included, train exactly as before.
export const LARGE_SET_ROWS = 2048;

/**
 * The settings a training run uses on `count` rows: the caller's, except that the default
 * epochs and batch size on more than LARGE_SET_ROWS rows become the same number of steps on
 * batches of at most LARGE_SET_ROWS rows (so `epochs` passes become ceil(epochs / batches)).
 */
export function settingsForRows(options, count) {
  const isDefault = options.epochs === DEFAULT_SETTINGS.epochs && options.batchSize === DEFAULT_SETTINGS.batchSize;
  if (!isDefault || count <= LARGE_SET_ROWS) return options;
  const batches = Math.ceil(count / LARGE_SET_ROWS);
  return { ...options, batchSize: Math.ceil(count / batches), epochs: Math.ceil(options.epochs / batches) };
}

/**
 * Train Snapclass's head.
 * features: Float32Array(n * dim) row-major, labels: Int32Array(n) of label indices,
 * valFeatures/valLabels: optional validation rows, settings: overrides of DEFAULT_SETTINGS,
 * onEpoch({epoch, epochs, loss, accuracy, valLoss, valAccuracy}) after every epoch (val* null
 * without validation rows; loss and accuracy are those of the epoch's steps, as in Keras),
 * signal: AbortSignal to cancel (the promise then rejects with an AbortError and no head).
 * Resolves to {head, history, metrics}.
 */
export async function trainHead({
  features,
  labels,
  numClasses,
  valFeatures = null,
  valLabels = null,
  settings = {},
  onEpoch = () => {},
  signal = null,
  tf: tfArgument = null,
}) {
  const tf = resolveTf(tfArgument);
  const { count, dim } = checkInputs(features, labels, numClasses);
  const options = settingsForRows({ ...DEFAULT_SETTINGS, ...settings }, count);
  if (!PREPROCESSING.includes(options.preprocess)) {
    throw new Error(`unknown preprocess ${options.preprocess}`);
  }
  const started = now();
  const history = [];
  const random = seededRandom(options.seed);
  // Owned here until the finally block: the data tensors and the two variables; the optimizer
  // owns its moment estimates and frees them in dispose().
  const owned = [];
  const own = (tensor) => {
    owned.push(tensor);
    return tensor;
  };
  const optimizer = tf.train.adam(options.learningRate);
  try {
    const trainBatches = own(trainingBatches(tf, features, labels, numClasses, options, random));
    const validation = valLabels?.length
      ? own(rowsTensors(tf, valFeatures, valLabels, numClasses, { ...options, labelSmoothing: 0 }))
      : null;
    const whitener = options.whitening > 0
      ? await trainingWhitener(tf, features, labels, numClasses, options, trainBatches, { shrinkage: WHITENING_SHRINKAGE, iterations: WHITENING_ITERATIONS })
      : null;
    if (whitener) own([whitener.basis, whitener.weights]);
    // The rows are never whitened: training kernel w on whitened rows x W is training W w on the
    // rows x, whose gradient for w is W (x^T G), so each step adds two thin products of the
    // [dim, C] kernel and gradient (foldIntoKernel) instead of a whitened copy of every row.
    const fold = whitener ? (kernel) => foldIntoKernel(tf, whitener, kernel) : (kernel) => kernel;
    const start = prototypeStart(tf, trainBatches, numClasses, options.prototypeScale, fold);
    const w = own(tf.variable(start.kernel));
    const b = own(tf.variable(start.bias));
    tf.dispose(start);
    const batchOrder = trainBatches.map((_, index) => index);
    for (let epoch = 0; epoch < options.epochs; epoch += 1) {
      throwIfAborted(signal);
      // Per batch [loss sum, correct count], summed on the device so an epoch reads back once.
      const batchScores = [];
      if (trainBatches.length > 1) shuffleInPlace(batchOrder, random);
      for (const index of batchOrder) {
        batchScores.push(step(tf, optimizer, trainBatches[index], w, b, options.weightDecay, fold));
      }
      const epochScores = tf.tidy(() => {
        const trainSums = tf.sum(tf.stack(batchScores), 0);
        return validation ? tf.concat([trainSums, scoreRows(tf, validation, fold(w), b)]) : trainSums;
      });
      tf.dispose(batchScores);
      const [loss, correct, valLoss, valCorrect] = await epochScores.data();
      epochScores.dispose();
      const logs = {
        epoch,
        epochs: options.epochs,
        loss: loss / count,
        accuracy: correct / count,
        valLoss: validation ? valLoss / validation.count : null,
        valAccuracy: validation ? valCorrect / validation.count : null,
      };
      history.push(logs);
      await onEpoch(logs);
      await yieldToPage();
    }
    throwIfAborted(signal);
    const head = {
      format: HEAD_FORMAT,
      version: 1,
      recipe: 'snapclass-linear',
      inputDim: dim,
      numClasses,
      preprocess: options.preprocess,
      layers: [
        {
          units: numClasses,
          activation: 'softmax',
          kernelShape: [dim, numClasses],
          // The kernel for unwhitened rows: the head's format and exports stay as they were.
          kernel: await (whitener ? own(fold(w)) : w).data(),
          bias: await b.data(),
        },
      ],
    };
    return { head, history, metrics: summarize(history, started, tf) };
  } finally {
    optimizer.dispose();
    tf.dispose(owned);
  }
}

/**
 * Train the head a project ships, the studio's rule:
 * 1. a check run: train on the split's training rows (buildTrainingSet) and score the held-out
 *    pictures every epoch, for the charts and the confusion matrix (onEpoch as in trainHead);
 * 2. the final run: the same settings on every labelled picture (buildFinalTrainingSet), so no
 *    picture is wasted and the head depends on the pictures alone, not on which were held out.
 *    onFinalRun() is called before it starts. Without held-out pictures (every class under
 *    DEFAULT_SPLIT.minSamplesForValidation) the check run already saw everything and is final.
 * classes and samples are the studio's (see dataset.js). Resolves to {head, labels, history,
 * metrics, validation}: head is the final head and labels its label list; history and metrics
 * are the check run's (metrics.trainMs counts both runs, metrics.trainRows the final rows);
 * validation is {head, rows} (the check run's head and the held-out matrix it never trained on,
 * to score) or null when nothing was held out. `train` runs each run: trainHead here, or the same
 * function in a worker (offThread.js).
 */
export async function trainProjectHead({
  classes,
  samples,
  settings = {},
  onEpoch = () => {},
  onFinalRun = () => {},
  signal = null,
  tf = null,
  train = trainHead,
}) {
  const set = buildTrainingSet(classes, samples);
  const numClasses = set.labels.length;
  const check = await train({
    features: set.train.features,
    labels: set.train.labels,
    numClasses,
    valFeatures: set.validation.count ? set.validation.features : null,
    valLabels: set.validation.count ? set.validation.labels : null,
    settings,
    onEpoch,
    signal,
    tf,
  });
  if (!set.validation.count) {
    const metrics = { ...check.metrics, trainRows: set.train.count };
    return {
      head: check.head,
      labels: set.labels,
      history: check.history,
      metrics,
      validation: null,
    };
  }
  await onFinalRun();
  const all = buildFinalTrainingSet(classes, samples);
  const final = await train({
    features: all.train.features,
    labels: all.train.labels,
    numClasses,
    settings,
    signal,
    tf,
  });
  return {
    head: final.head,
    labels: set.labels,
    history: check.history,
    metrics: {
      ...check.metrics,
      trainMs: check.metrics.trainMs + final.metrics.trainMs,
      trainRows: all.train.count,
    },
    validation: { head: check.head, rows: set.validation },
  };
}

/**
 * Give the event loop a turn so the page can draw progress and handle input between epochs.
 * A MessageChannel message is a task of its own that is neither clamped like nested setTimeout
 * (4 ms) nor held until the next frame like tf.nextFrame (a full frame per epoch, and none at all
 * in a hidden tab). Measured in headless Chromium, 40 epochs of 2 ms work took 107 ms this way,
 * 247 ms with setTimeout and 700 ms with requestAnimationFrame; the page still drew frames.
 */
export function yieldToPage() {
  if (typeof MessageChannel === 'undefined') {
    return new Promise((resolve) => setTimeout(resolve, 0));
  }
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => {
      // An open port would keep Node's event loop (and a test run) alive.
      channel.port1.close();
      resolve();
    };
    channel.port2.postMessage(null);
  });
}

export function resolveTf(tf) {
  const lib = tf ?? globalThis.tf;
  if (!lib) throw new Error('TensorFlow.js is not loaded: pass `tf` or load tf.min.js first');
  return lib;
}

export function checkInputs(features, labels, numClasses) {
  const count = labels.length;
  if (count === 0) throw new Error('no training rows');
  if (!(numClasses >= 2)) throw new Error('a head needs at least two classes');
  if (features.length % count !== 0) throw new Error('features are not count x dim');
  for (const label of labels) {
    if (!(label >= 0 && label < numClasses)) throw new Error(`label ${label} out of range`);
  }
  return { count, dim: features.length / count };
}
export function summarize(history, started, tf) {
  const last = history.at(-1) ?? {};
  return {
    epochs: history.length,
    loss: last.loss ?? null,
    accuracy: last.accuracy ?? null,
    valLoss: last.valLoss ?? null,
    valAccuracy: last.valAccuracy ?? null,
    trainMs: now() - started,
    backend: tf.getBackend(),
  };
}

export function throwIfAborted(signal) {
  if (signal?.aborted) {
    throw signal.reason ?? new DOMException('Training was cancelled', 'AbortError');
  }
}

export function now() {
  return globalThis.performance?.now() ?? Date.now();
}
