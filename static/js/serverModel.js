// A fine-tuned (server-tier) classifier in the page: a TF.js graph model of the whole network
// that takes RGB pictures 0..255 and scales them itself. Preprocessing is the project's one
// convention: centre square crop, bilinear resize with half pixel centres.
// TF.js is the page's global `tf`.

export async function loadServerModel(modelUrl, { headers = {} } = {}) {
  const { tf } = globalThis;
  // requestInit goes with model.json and with every weight file it names.
  const model = await tf.loadGraphModel(modelUrl, { requestInit: { headers } });
  const size = model.inputs[0].shape?.[1] ?? 224;

  return {
    size,

    // Class probabilities (plain numbers) for one picture: image, canvas, video frame or bitmap.
    async predict(source) {
      // Kept out of the tidy on purpose: only the output survives it, freed once read.
      const output = tf.tidy(() => {
        const pixels = tf.browser.fromPixels(source);
        const [height, width] = pixels.shape;
        const side = Math.min(height, width);
        const top = Math.floor((height - side) / 2);
        const left = Math.floor((width - side) / 2);
        const square = pixels.slice([top, left, 0], [side, side, 3]);
        const resized = tf.image.resizeBilinear(square, [size, size], false, true);
        return model.predict(resized.expandDims(0));
      });
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
