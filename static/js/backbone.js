// The MobileNetV2 backbone in the page: turns a picture into the embedding (1280 numbers) that the
// head trains on. Preprocessing is the project's one convention, recorded in metadata.json:
// centre square crop, bilinear resize to input_size, RGB scaled to x/127.5 - 1.
// TF.js is the global `tf` from the page's script tags; choosing its backend is backend.js's job.

import { featureNodeNames } from './featureMaps.js';

function baseUrl(metadataUrlOrBase) {
  const url = new URL(metadataUrlOrBase, location.href);
  // "/backbones/<id>/metadata.json", "/backbones/<id>/" and "/backbones/<id>" all name one folder.
  if (url.pathname.endsWith('.json')) return new URL('.', url);
  if (!url.pathname.endsWith('/')) url.pathname += '/';
  return url;
}

export async function loadBackbone(metadataUrlOrBase) {
  const { tf } = globalThis;
  if (!tf) throw new Error('TF.js must be loaded (window.tf) before loadBackbone');
  const base = baseUrl(metadataUrlOrBase);
  // Both at once: the model's weights are most of the wait and need nothing from the metadata.
  const [metadata, model] = await Promise.all([
    fetch(new URL('metadata.json', base)).then((response) => {
      if (!response.ok) {
        throw new Error(`backbone metadata: HTTP ${response.status} for ${response.url}`);
      }
      return response.json();
    }),
    tf.loadGraphModel(new URL('model.json', base).href),
  ]);
  await tf.ready();
  const size = metadata.input_size;
  const dim = metadata.embedding_size;

  // One picture as a [1, size, size, 3] float tensor scaled to [-1, 1]; only call inside tf.tidy.
  function preprocess(source) {
    return squarePixels(tf, source, size).div(127.5).sub(1).expandDims(0);
  }

  // Runs a batch through the model and returns one Float32Array per row.
  async function embedBatch(makeBatch) {
    const batch = tf.tidy(makeBatch); // ours: survives the tidy, freed right after predict
    let output;
    try {
      output = model.predict(batch); // ours too: freed once its numbers are copied out
    } finally {
      batch.dispose();
    }
    try {
      const values = await output.data();
      return Array.from({ length: output.shape[0] }, (_, row) =>
        values.slice(row * dim, (row + 1) * dim),
      );
    } finally {
      output.dispose();
    }
  }

  return {
    metadata,

    // The embedding of one picture (HTMLImageElement, HTMLVideoElement, HTMLCanvasElement,
    // ImageBitmap or ImageData) as a plain Float32Array the caller owns.
    async embed(source) {
      const [vector] = await embedBatch(() => preprocess(source));
      return vector;
    },

    // [picture, its horizontal mirror] in one batch of two: the mirror is a free extra sample.
    async embedMirrored(source) {
      return embedBatch(() => {
        const image = preprocess(source);
        return tf.concat([image, tf.image.flipLeftRight(image)]);
      });
    },

    // The graph nodes of the lesson's layers (featureMaps.js), read from the loaded graph.
    layerNodes(layers) {
      return featureNodeNames(model.artifacts, layers);
    },

    // What the network computes inside, for the lesson that shows it: the picture as the
    // network sees it (input: Float32Array size*size*3, scaled -1..1) and the outputs of the
    // named graph nodes ([{shape: [h, w, channels], values: Float32Array}]), all the caller's.
    async inside(source, nodeNames) {
      const outputs = tf.tidy(() => {
        const image = preprocess(source);
        return [image, ...model.execute({ [metadata.input_name ?? 'image']: image }, nodeNames)];
      });
      try {
        const values = await Promise.all(outputs.map((tensor) => tensor.data()));
        return {
          input: values[0],
          maps: outputs.slice(1).map((tensor, i) => ({ shape: tensor.shape.slice(1), values: values[i + 1] })),
        };
      } finally {
        for (const tensor of outputs) tensor.dispose();
      }
    },

    // First runs pay for kernel set-up (shader compiles on WebGL); do that before the user waits.
    // A batch of two is the shape embedMirrored uses, one the shape of embed (what a page that
    // only predicts needs). Returns the milliseconds it took.
    async warmUp(batch = 2) {
      const started = performance.now();
      await embedBatch(() => tf.zeros([batch, size, size, 3]));
      return performance.now() - started;
    },

    dispose() {
      model.dispose();
    },
  };
}

/**
 * Milliseconds per picture of a backbone on TF.js's current backend, for choosing a backend:
 * loaded and warmed up, then the median of `runs` embeddings of one fixed picture (after one
 * untimed, which sets up the batch-of-one shape the preview uses). Frees everything it loaded.
 */
export async function timeBackbone(metadataUrlOrBase, runs = 3) {
  const backbone = await loadBackbone(metadataUrlOrBase);
  try {
    await backbone.warmUp();
    const picture = fixedPicture(backbone.metadata.input_size);
    await backbone.embed(picture);
    const times = [];
    for (let run = 0; run < runs; run += 1) {
      const started = performance.now();
      await backbone.embed(picture);
      times.push(performance.now() - started);
    }
    return times.sort((a, b) => a - b)[Math.floor(times.length / 2)];
  } finally {
    backbone.dispose();
  }
}

// A colour gradient: the same picture on every device, so timings compare.
function fixedPicture(size) {
  const pixels = new Uint8ClampedArray(size * size * 4);
  for (let i = 0; i < size * size; i += 1) {
    pixels.set([(i % size) & 255, Math.floor(i / size) & 255, (i * 7) & 255, 255], i * 4);
  }
  return new ImageData(pixels, size, size);
}

// One Float32Array of [picture's embedding, mirror image's embedding], as caches and the server keep it.
export function joinPair([picture, mirrored]) {
  const joined = new Float32Array(picture.length * 2);
  joined.set(picture, 0);
  joined.set(mirrored, picture.length);
  return joined;
}

// The project's one crop and resize, for the backbone here and for fine-tuned graph models
// (serverModel.js), which scale the pixels themselves: the centre square of a picture, resized
// bilinearly to size x size, as float RGB 0..255 [size, size, 3]. Only call inside tf.tidy,
// which frees the intermediates (pixels, square).
export function squarePixels(tf, source, size) {
  const pixels = tf.browser.fromPixels(source); // int32 [height, width, 3], RGB
  const [height, width] = pixels.shape;
  const side = Math.min(height, width);
  const top = Math.floor((height - side) / 2);
  const left = Math.floor((width - side) / 2);
  const square = pixels.slice([top, left, 0], [side, side, 3]);
  // halfPixelCenters matches Python's tf.image.resize, which the server's fine-tuning uses.
  return tf.image.resizeBilinear(square, [size, size], false, true);
}
