// A fine-tuned (server-tier) classifier in the page: a TF.js graph model of the whole network
// that takes RGB pictures 0..255 and scales them itself. The crop and resize are backbone.js's,
// the project's one convention. TF.js is the page's global `tf`.
import { squarePixels } from './backbone.js';

export async function loadServerModel(modelUrl, { headers = {} } = {}) {
  const { tf } = globalThis;
  // requestInit goes with model.json and with every weight file it names.
  const model = await tf.loadGraphModel(modelUrl, { requestInit: { headers } });
  const declared = model.inputs[0].shape?.[1];
  const size = declared > 0 ? declared : 224;

  return {
    size,

    // Class probabilities (plain numbers) for one picture: image, canvas, video frame or bitmap.
    async predict(source) {
      // Kept out of the tidy on purpose: only the output survives it, freed once read.
      const output = tf.tidy(() => model.predict(squarePixels(tf, source, size).expandDims(0)));
      try {
        return Array.from(await output.data());
      } finally {
        output.dispose();
      }
    },

    dispose() {
      model.dispose();
    },
  };
}
