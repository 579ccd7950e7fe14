// The Web Worker behind offThread.js. It loads TF.js and the backbone once, then answers:
// - 'embed': a picture (a Blob, or an image URL to fetch) -> Float32Array of [embedding, mirrored
//   embedding], its buffer transferred, not copied. The picture is decoded here
//   (createImageBitmap, read by TF.js through an OffscreenCanvas) and nothing decoded outlives
//   the message: the bitmap is closed, backbone.js frees the tensors. Preprocessing is
//   backbone.js's, the same as on the page.
// - 'train': trainer.js's trainHead on the rows sent, with 'epoch' messages as it goes; 'stop'
//   cancels the training in progress at the next epoch.
import { joinPair, loadBackbone } from './backbone.js';
import { trainHead } from './trainer.js';

let started = null;
let training = null; // the AbortController of the training in progress

async function start({ tfScripts, wasmPath, backboneUrl, backend }) {
  // TF.js's UMD bundles set globalThis.tf when imported as modules; the WASM backend needs tf first.
  for (const url of tfScripts) await import(url);
  const { tf } = globalThis;
  if (wasmPath && tf.wasm) tf.wasm.setWasmPaths(wasmPath);
  // As on the page (backend.js): below four logical cores the threaded WASM build only adds the
  // start-up of its workers, so those devices get the plain SIMD build.
  if ((globalThis.navigator?.hardwareConcurrency ?? 1) < 4) tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  for (const name of [...new Set([backend, 'wasm', 'cpu'])]) {
    if (await tf.setBackend(name).catch(() => false)) break;
  }
  await tf.ready();
  const backbone = await loadBackbone(backboneUrl);
  await backbone.warmUp();
  return backbone;
}

async function embed({ image, url, headers }) {
  const backbone = await started;
  const source = image ?? (await (await fetch(url, { headers })).blob());
  const bitmap = await createImageBitmap(source);
  try {
    return joinPair(await backbone.embedMirrored(bitmap));
  } finally {
    bitmap.close();
  }
}

async function train(id, job) {
  await started;
  training?.abort();
  const controller = new AbortController();
  training = controller;
  try {
    const { head, metrics } = await trainHead({ ...job, signal: controller.signal, onEpoch: (logs) => postMessage({ type: 'epoch', id, logs }) });
    return { head, metrics };
  } finally {
    if (training === controller) training = null;
  }
}

async function answer(id, work) {
  try {
    const result = await work();
    postMessage({ id, result }, result instanceof Float32Array ? [result.buffer] : []);
  } catch (error) {
    postMessage({ id, error: error.message, errorName: error.name });
  }
}

addEventListener('message', async ({ data }) => {
  if (data.type === 'start') {
    started = start(data);
    try {
      await started;
      postMessage({ type: 'ready', backend: globalThis.tf.getBackend() });
    } catch (error) {
      postMessage({ type: 'failed', error: error.message });
    }
  } else if (data.type === 'embed') {
    answer(data.id, () => embed(data));
  } else if (data.type === 'train') {
    answer(data.id, () => train(data.id, data.job));
  } else if (data.type === 'stop') {
    training?.abort();
  }
});
