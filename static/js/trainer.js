// Trains the classifier head on cached backbone embeddings, in the page (or in Node for tests and
// benchmarks). TensorFlow.js comes in as the `tf` argument, else the page's global `window.tf`.
//
// A trained head is plain data, so the studio can keep it in memory or IndexedDB, send it as JSON
// (serializeHead) and predict without tensors (predict, predictBatch):
//   {format: 'snapclass-head', version: 1, recipe, inputDim, numClasses, preprocess,
//    layers: [{units, activation: 'relu' | 'softmax', kernelShape: [in, out],
//              kernel: Float32Array (row-major [in][out]), bias: Float32Array | null}]}
// `preprocess` is what happens to an embedding before the first layer (see PREPROCESSING).
//
// Tensor ownership: every tensor is made inside trainHead/trainTeachableMachineHead and disposed
// before they return or throw; nothing the caller passes in or gets back is a tensor.

import { seededRandom, shuffleInPlace } from './dataset.js';

export const HEAD_FORMAT = 'snapclass-head';

// 'sqrt-l2': signed square root of each number, then scale the vector to unit length. MobileNet's
// pooled features are heavy-tailed; the root evens them out and unit length makes a dot product a
// cosine, which is what class means compare well with.
export const PREPROCESSING = Object.freeze(['none', 'l2', 'sqrt-l2']);

// Snapclass's recipe, chosen by benchmarks/head_recipe.mjs on real photos (numbers in that file):
// preprocessed embeddings, one softmax layer with bias started at the class means (a nearest-
// class-mean classifier), then 40 full-batch Adam steps with weight decay. It beat Teachable
// Machine's recipe at 5, 10 and 50 pictures per class and trained 28-54 times faster.
export const DEFAULT_SETTINGS = Object.freeze({
  epochs: 40,
  // Larger than any classroom dataset's train split, so each epoch is one full-batch step.
  batchSize: 1024,
  learningRate: 0.03,
  // Keeps a few pictures per class from being memorised (about 1 point at 10 per class).
  weightDecay: 3e-4,
  // Measured no better at any number of pictures, so off.
  labelSmoothing: 0,
  // Logit scale of the class-mean start (softmax over cosines needs a temperature). The start
  // costs nothing and gives 0.5-1 point when a student picks fewer epochs; at 40 it washes out.
  prototypeScale: 10,
  preprocess: 'sqrt-l2',
  seed: 0,
});

// Teachable Machine's image library (teachable-mobilenet.ts) defaults.
export const TEACHABLE_MACHINE_SETTINGS = Object.freeze({
  epochs: 50,
  batchSize: 16,
  learningRate: 0.001,
  denseUnits: 100,
  seed: 0,
});

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
  const options = { ...DEFAULT_SETTINGS, ...settings };
  if (!PREPROCESSING.includes(options.preprocess)) {
    throw new Error(`unknown preprocess ${options.preprocess}`);
  }
  const { count, dim } = checkInputs(features, labels, numClasses);
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
    const train = own(rowsTensors(tf, features, labels, numClasses, options));
    const validation = valLabels?.length
      ? own(rowsTensors(tf, valFeatures, valLabels, numClasses, { ...options, labelSmoothing: 0 }))
      : null;
    const start = prototypeStart(tf, train, numClasses, options.prototypeScale);
    const w = own(tf.variable(start.kernel));
    const b = own(tf.variable(start.bias));
    tf.dispose(start);
    const batchSize = Math.max(1, Math.min(options.batchSize, count));
    for (let epoch = 0; epoch < options.epochs; epoch += 1) {
      throwIfAborted(signal);
      // Per batch [loss sum, correct count], summed on the device so an epoch reads back once.
      const batchScores = [];
      for (const rows of batches(count, batchSize, random)) {
        batchScores.push(step(tf, optimizer, train, rows, w, b, options.weightDecay));
      }
      const epochScores = tf.tidy(() => {
        const trainSums = tf.sum(tf.stack(batchScores), 0);
        return validation ? tf.concat([trainSums, scoreRows(tf, validation, w, b)]) : trainSums;
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
          kernel: await w.data(),
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
 * Teachable Machine's head and training, as in its image library: Dense(denseUnits, relu, bias)
 * -> Dense(numClasses, softmax, no bias), variance-scaling initialisers, Adam, categorical
 * cross-entropy, training rows shuffled once (seeded) and then batched in that order every epoch.
 * Same arguments and result as trainHead; the head's preprocess is 'none'.
 */
export async function trainTeachableMachineHead({
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
  const options = { ...TEACHABLE_MACHINE_SETTINGS, ...settings };
  const { count, dim } = checkInputs(features, labels, numClasses);
  throwIfAborted(signal);
  const started = now();
  const history = [];
  // Teachable Machine shuffles its arrays once before making the tf.data datasets and never
  // reshuffles them, so every epoch sees the same batches.
  const order = shuffleInPlace(
    Array.from({ length: count }, (_, i) => i),
    seededRandom(options.seed),
  );
  const shuffledFeatures = new Float32Array(count * dim);
  const shuffledLabels = new Int32Array(count);
  order.forEach((from, to) => {
    shuffledFeatures.set(features.subarray(from * dim, (from + 1) * dim), to * dim);
    shuffledLabels[to] = labels[from];
  });
  const initializer = () => tf.initializers.varianceScaling({ seed: options.seed });
  const model = tf.sequential({
    layers: [
      tf.layers.dense({
        inputShape: [dim],
        units: options.denseUnits,
        activation: 'relu',
        kernelInitializer: initializer(),
        useBias: true,
      }),
      tf.layers.dense({
        units: numClasses,
        activation: 'softmax',
        kernelInitializer: initializer(),
        useBias: false,
      }),
    ],
  });
  const optimizer = tf.train.adam(options.learningRate);
  model.compile({ optimizer, loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  // Owned here until the finally block, with the model's weights and the optimizer's slots.
  const owned = [
    tf.tensor2d(shuffledFeatures, [count, dim]),
    oneHotFloat(tf, shuffledLabels, numClasses),
  ];
  try {
    if (valLabels?.length) {
      owned.push(tf.tensor2d(valFeatures, [valLabels.length, dim]));
      owned.push(oneHotFloat(tf, valLabels, numClasses));
    }
    const [x, y, valX, valY] = owned;
    await model.fit(x, y, {
      batchSize: options.batchSize,
      epochs: options.epochs,
      shuffle: false,
      validationData: valX ? [valX, valY] : undefined,
      callbacks: {
        onEpochEnd: async (epoch, logs) => {
          const entry = {
            epoch,
            epochs: options.epochs,
            loss: logs.loss,
            accuracy: logs.acc,
            valLoss: logs.val_loss ?? null,
            valAccuracy: logs.val_acc ?? null,
          };
          history.push(entry);
          await onEpoch(entry);
          if (signal?.aborted) model.stopTraining = true;
          await yieldToPage();
        },
      },
    });
    throwIfAborted(signal);
    const [hiddenKernel, hiddenBias] = model.layers[0].getWeights();
    const [outputKernel] = model.layers[1].getWeights();
    const head = {
      format: HEAD_FORMAT,
      version: 1,
      recipe: 'teachable-machine',
      inputDim: dim,
      numClasses,
      preprocess: 'none',
      layers: [
        {
          units: options.denseUnits,
          activation: 'relu',
          kernelShape: [dim, options.denseUnits],
          kernel: await hiddenKernel.data(),
          bias: await hiddenBias.data(),
        },
        {
          units: numClasses,
          activation: 'softmax',
          kernelShape: [options.denseUnits, numClasses],
          kernel: await outputKernel.data(),
          bias: null,
        },
      ],
    };
    return { head, history, metrics: summarize(history, started, tf) };
  } finally {
    optimizer.dispose();
    model.dispose();
    tf.dispose(owned);
  }
}

/** Class probabilities (Float32Array(numClasses), summing to 1) for one embedding. */
export function predict(head, embedding) {
  return predictBatch(head, embedding, 1);
}

/** Probabilities for `count` embeddings in one row-major Float32Array: Float32Array(count * C). */
export function predictBatch(head, features, count = features.length / head.inputDim) {
  if (features.length !== count * head.inputDim) {
    throw new Error(`expected ${count} x ${head.inputDim} numbers, got ${features.length}`);
  }
  let rows = preprocessRows(features, count, head.inputDim, head.preprocess);
  for (const layer of head.layers) {
    rows = dense(rows, count, layer);
  }
  return rows;
}

/** Index of the most probable class of each row of a predictBatch result. */
export function argmaxRows(probabilities, numClasses) {
  const count = probabilities.length / numClasses;
  const best = new Int32Array(count);
  for (let row = 0; row < count; row += 1) {
    for (let c = 1; c < numClasses; c += 1) {
      if (probabilities[row * numClasses + c] > probabilities[row * numClasses + best[row]]) {
        best[row] = c;
      }
    }
  }
  return best;
}

/** JSON-safe copy of a head: weights as base64 of little-endian float32. */
export function serializeHead(head) {
  return {
    ...head,
    layers: head.layers.map((layer) => ({
      ...layer,
      kernel: floatsToBase64(layer.kernel),
      bias: layer.bias ? floatsToBase64(layer.bias) : null,
    })),
  };
}

/** Inverse of serializeHead; checks the format and every weight's length. */
export function deserializeHead(json) {
  if (json?.format !== HEAD_FORMAT || json.version !== 1) {
    throw new Error('not a Snapclass head (format snapclass-head, version 1)');
  }
  if (!PREPROCESSING.includes(json.preprocess)) {
    throw new Error(`unknown head preprocess ${json.preprocess}`);
  }
  let inputs = json.inputDim;
  const layers = json.layers.map((layer) => {
    const kernel = base64ToFloats(layer.kernel);
    const bias = layer.bias ? base64ToFloats(layer.bias) : null;
    const [rows, units] = layer.kernelShape;
    if (rows !== inputs || units !== layer.units || kernel.length !== rows * units) {
      throw new Error('head kernel shape does not match its layers');
    }
    if (bias && bias.length !== units) throw new Error('head bias length does not match its units');
    if (!['relu', 'softmax'].includes(layer.activation)) {
      throw new Error(`unknown head activation ${layer.activation}`);
    }
    inputs = units;
    return { ...layer, kernel, bias };
  });
  if (inputs !== json.numClasses) throw new Error('head output size differs from numClasses');
  return { ...json, layers };
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

function resolveTf(tf) {
  const lib = tf ?? globalThis.tf;
  if (!lib) throw new Error('TensorFlow.js is not loaded: pass `tf` or load tf.min.js first');
  return lib;
}

function checkInputs(features, labels, numClasses) {
  const count = labels.length;
  if (count === 0) throw new Error('no training rows');
  if (!(numClasses >= 2)) throw new Error('a head needs at least two classes');
  if (features.length % count !== 0) throw new Error('features are not count x dim');
  for (const label of labels) {
    if (!(label >= 0 && label < numClasses)) throw new Error(`label ${label} out of range`);
  }
  return { count, dim: features.length / count };
}

// The caller's rows as tensors: x [count, dim] preprocessed, its transpose xT (for the weight
// gradient), targets y [count, C] (label-smoothed) and the integer labels.
function rowsTensors(tf, features, labels, numClasses, { preprocess, labelSmoothing }) {
  const count = labels.length;
  const dim = features.length / count;
  return tf.tidy(() => {
    const x = preprocessTensor(tf, tf.tensor2d(features, [count, dim]), preprocess);
    const labelTensor = tf.tensor1d(labels, 'int32');
    const onehot = tf.oneHot(labelTensor, numClasses).toFloat();
    const y = tf.add(tf.mul(onehot, 1 - labelSmoothing), labelSmoothing / numClasses);
    return { x, xT: tf.transpose(x), y, labels: labelTensor, count };
  });
}

function preprocessTensor(tf, rows, preprocess) {
  const rooted = preprocess === 'sqrt-l2' ? tf.mul(tf.sign(rows), tf.sqrt(tf.abs(rows))) : rows;
  if (preprocess === 'none') return rooted;
  return tf.div(rooted, tf.maximum(tf.norm(rooted, 2, 1, true), 1e-12));
}

function oneHotFloat(tf, labels, numClasses) {
  return tf.tidy(() => tf.oneHot(tf.tensor1d(labels, 'int32'), numClasses).toFloat());
}

// The nearest-class-mean classifier written as a linear layer: logit_c = s * (x.m_c - |m_c|^2 / 2),
// so training starts where a prototype classifier already is and only has to refine it.
function prototypeStart(tf, { xT, labels }, numClasses, scale) {
  return tf.tidy(() => {
    const onehot = tf.oneHot(labels, numClasses).toFloat();
    const counts = tf.maximum(tf.sum(onehot, 0), 1);
    const meansT = tf.div(tf.matMul(xT, onehot), counts);
    return {
      kernel: tf.mul(meansT, scale),
      bias: tf.mul(tf.sum(tf.square(meansT), 0), -scale / 2),
    };
  });
}

// Rows of each step: null for the whole set, else a fresh seeded shuffle cut into batches.
function* batches(count, batchSize, random) {
  if (batchSize >= count) {
    yield null;
    return;
  }
  const order = shuffleInPlace(
    Array.from({ length: count }, (_, i) => i),
    random,
  );
  for (let start = 0; start < count; start += batchSize) {
    yield Int32Array.from(order.slice(start, start + batchSize));
  }
}

// One Adam step of softmax regression with the gradient written out: for cross-entropy over a
// softmax, d loss / d logits = (softmax - y) / n, so dW = xT.G + decay.W and db = sum(G). Using
// the stored transpose matters: TF.js's WASM matMul with transposeA (what autodiff uses for dW)
// is about ten times slower than a plain one. Returns the batch's [loss sum, correct count],
// scored before the step.
function step(tf, optimizer, train, rows, w, b, weightDecay) {
  const { gradients, scores } = tf.tidy(() => {
    const x = rows ? tf.gather(train.x, rows) : train.x;
    const xT = rows ? tf.gather(train.xT, rows, 1) : train.xT;
    const y = rows ? tf.gather(train.y, rows) : train.y;
    const labels = rows ? tf.gather(train.labels, rows) : train.labels;
    const logits = tf.add(tf.matMul(x, w), b);
    const g = tf.div(tf.sub(tf.softmax(logits), y), x.shape[0]);
    return {
      gradients: {
        [w.name]: tf.add(tf.matMul(xT, g), tf.mul(w, weightDecay)),
        [b.name]: tf.sum(g, 0),
      },
      scores: batchScores(tf, logits, y, labels),
    };
  });
  optimizer.applyGradients(gradients);
  tf.dispose(gradients);
  return scores;
}

function scoreRows(tf, rows, w, b) {
  return tf.tidy(() => batchScores(tf, tf.add(tf.matMul(rows.x, w), b), rows.y, rows.labels));
}

// [summed cross-entropy, number of rows whose top logit is their label].
function batchScores(tf, logits, y, labels) {
  const loss = tf.neg(tf.sum(tf.mul(y, tf.logSoftmax(logits))));
  const correct = tf.sum(tf.equal(tf.argMax(logits, 1), labels).toFloat());
  return tf.stack([loss, correct]);
}

function summarize(history, started, tf) {
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

function throwIfAborted(signal) {
  if (signal?.aborted) {
    throw signal.reason ?? new DOMException('Training was cancelled', 'AbortError');
  }
}

/** An embedding matrix as the head sees it (see PREPROCESSING): a new Float32Array. */
export function preprocessRows(features, count, dim, preprocess) {
  if (preprocess === 'none') return features;
  const out = new Float32Array(features.length);
  for (let row = 0; row < count; row += 1) {
    let sum = 0;
    for (let i = row * dim; i < (row + 1) * dim; i += 1) {
      const value = features[i];
      out[i] = preprocess === 'sqrt-l2' ? Math.sign(value) * Math.sqrt(Math.abs(value)) : value;
      sum += out[i] * out[i];
    }
    const scale = 1 / Math.max(Math.sqrt(sum), 1e-12);
    for (let i = row * dim; i < (row + 1) * dim; i += 1) out[i] *= scale;
  }
  return out;
}

function dense(rows, count, { kernel, kernelShape: [inputs, units], bias, activation }) {
  const out = new Float32Array(count * units);
  for (let row = 0; row < count; row += 1) {
    const o = row * units;
    if (bias) out.set(bias, o);
    for (let i = 0; i < inputs; i += 1) {
      const value = rows[row * inputs + i];
      if (value === 0) continue;
      const k = i * units;
      for (let u = 0; u < units; u += 1) out[o + u] += value * kernel[k + u];
    }
    if (activation === 'relu') {
      for (let u = o; u < o + units; u += 1) out[u] = Math.max(out[u], 0);
    } else if (activation === 'softmax') {
      let max = -Infinity;
      for (let u = o; u < o + units; u += 1) max = Math.max(max, out[u]);
      let sum = 0;
      for (let u = o; u < o + units; u += 1) {
        out[u] = Math.exp(out[u] - max);
        sum += out[u];
      }
      for (let u = o; u < o + units; u += 1) out[u] /= sum;
    }
  }
  return out;
}

function floatsToBase64(floats) {
  const bytes = new Uint8Array(Float32Array.from(floats).buffer);
  let text = '';
  for (let i = 0; i < bytes.length; i += 0x8000) {
    text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(text);
}

function base64ToFloats(text) {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i += 1) bytes[i] = binary.charCodeAt(i);
  if (bytes.length % 4 !== 0) throw new Error('weights are not float32');
  return new Float32Array(bytes.buffer);
}

function now() {
  return globalThis.performance?.now() ?? Date.now();
}
