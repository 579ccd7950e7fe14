// A Teachable Machine image model from its link, run with the page's TF.js (window.tf).
//
// A Teachable Machine link is a folder holding model.json (a TF.js layers model taking
// [null, 224, 224, 3] scaled to [-1, 1]) and metadata.json (`labels` in output order,
// `imageSize`). Snapclass's share links serve one at /s/<token>/tm/; Teachable Machine's own
// are https://teachablemachine.withgoogle.com/models/<id>/. Like Teachable Machine's library,
// a picture is cropped to its centre square, resized to imageSize and scaled to [-1, 1] here.

/** The folder of a Teachable Machine link, ending in '/', from the folder or its model.json. */
export function modelFolder(link) {
  const url = new URL(String(link).trim());
  if (!/^https?:$/.test(url.protocol)) throw new Error(`not a web address: ${link}`);
  url.hash = '';
  url.search = '';
  url.pathname = url.pathname.replace(/(model|metadata)\.json$/, '');
  if (!url.pathname.endsWith('/')) url.pathname += '/';
  return url.href;
}

/** The Teachable Machine link of a Snapclass share page's URL (/s/<token>). */
export function shareTeachableMachineLink(shareUrl) {
  const url = new URL(shareUrl);
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}/tm/`;
}

/**
 * The block editor's address with a Teachable Machine link's model loaded; `project` (a
 * project's id) offers its pictures as costumes, in a browser that holds its credential.
 */
export function blocksEditorUrl(link, { project = null } = {}) {
  const fragment = new URLSearchParams({ model: link });
  if (project) fragment.set('project', project);
  return `/blocks/#${fragment}`;
}

/** The centre square of a width x height picture: {sx, sy, side}. */
export function centreSquare(width, height) {
  const side = Math.min(width, height);
  return { sx: (width - side) / 2, sy: (height - side) / 2, side };
}

/** The labels of a metadata.json, checked against the model's number of outputs. */
export function labelsOf(metadata, outputs) {
  const labels = metadata?.labels;
  if (!Array.isArray(labels) || labels.length === 0) throw new Error('metadata.json has no labels');
  if (outputs != null && labels.length !== outputs) {
    throw new Error(`metadata.json names ${labels.length} classes, the model has ${outputs} outputs`);
  }
  return labels.map(String);
}

/** The most probable class of a prediction: {label, confidence}. */
export function topClass(labels, probabilities) {
  let best = 0;
  for (let i = 1; i < probabilities.length; i += 1) {
    if (probabilities[i] > probabilities[best]) best = i;
  }
  return { label: labels[best], confidence: probabilities[best] };
}

async function fetchJson(url) {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url} answered ${response.status}`);
  return response.json();
}

/**
 * Load the model of a Teachable Machine link: {folder, labels, name, size, classify(source)},
 * where source is an image, video or canvas and classify resolves to one probability a label.
 */
export async function loadTeachableMachine(link, tf = globalThis.tf) {
  const folder = modelFolder(link);
  const [metadata, model] = await Promise.all([
    fetchJson(`${folder}metadata.json`),
    tf.loadLayersModel(`${folder}model.json`),
  ]);
  const outputs = model.outputs[0].shape.at(-1);
  const labels = labelsOf(metadata, outputs);
  const size = Number(metadata.imageSize) || model.inputs[0].shape[1] || 224;
  const canvas = document.createElement('canvas');
  canvas.width = size;
  canvas.height = size;
  const context = canvas.getContext('2d', { willReadFrequently: true });

  async function classify(source) {
    const width = source.videoWidth || source.naturalWidth || source.width;
    const height = source.videoHeight || source.naturalHeight || source.height;
    const { sx, sy, side } = centreSquare(width, height);
    context.drawImage(source, sx, sy, side, side, 0, 0, size, size);
    const output = tf.tidy(() => {
      const pixels = tf.browser.fromPixels(canvas).toFloat().div(127.5).sub(1);
      return model.predict(pixels.expandDims(0));
    });
    const probabilities = await output.data();
    output.dispose();
    return Array.from(probabilities);
  }
  return { folder, labels, name: metadata.modelName ?? '', size, classify };
}
