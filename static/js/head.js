// The trained head as plain data: its format, prediction without tensors, and its JSON form.
// The studio keeps a head in memory or IndexedDB, sends it as JSON (serializeHead) and predicts
// with it (predict, predictBatch) in the page, the worker, the share page and Node; trainer.js
// makes one.
// A head:
//   {format: 'snapclass-head', version: 1, recipe, inputDim, numClasses, preprocess,
//    layers: [{units, activation: 'relu' | 'softmax', kernelShape: [in, out],
//              kernel: Float32Array (row-major [in][out]), bias: Float32Array | null}]}
// `preprocess` is what happens to an embedding before the first layer (see PREPROCESSING).


export const HEAD_FORMAT = 'snapclass-head';

// 'sqrt-l2': signed square root of each number, then scale the vector to unit length. MobileNet's
// pooled features are heavy-tailed; the root evens them out and unit length makes a dot product a
// cosine, which is what class means compare well with.
export const PREPROCESSING = Object.freeze(['none', 'l2', 'sqrt-l2']);

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

// sqrt-l2 uses that the squared length of the rooted vector is the sum of |value|: one square
// root per number, none for the length. An embedding matrix as the head sees it (see
// PREPROCESSING): a new Float32Array.
export function preprocessRows(features, count, dim, preprocess) {
  if (preprocess === 'none') return features;
  const out = new Float32Array(features.length);
  for (let row = 0; row < count; row += 1) {
    const begin = row * dim;
    const end = begin + dim;
    let sum = 0;
    if (preprocess === 'sqrt-l2') {
      for (let i = begin; i < end; i += 1) sum += Math.abs(features[i]);
    } else {
      for (let i = begin; i < end; i += 1) sum += features[i] * features[i];
    }
    const scale = 1 / Math.max(Math.sqrt(sum), 1e-12);
    for (let i = begin; i < end; i += 1) {
      const value = features[i];
      if (preprocess === 'l2') out[i] = value * scale;
      else out[i] = value < 0 ? -Math.sqrt(-value) * scale : Math.sqrt(value) * scale;
    }
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

