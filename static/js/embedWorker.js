// The backbone in a Web Worker (embedder.js starts it): pictures arrive as Blobs or image URLs,
// are decoded here (createImageBitmap, then TF.js reads them through an OffscreenCanvas) and go
// back as Float32Arrays of [embedding, mirrored embedding], their buffers transferred, not
// copied. Nothing decoded outlives its message: the bitmap is closed, the tensors freed by
// backbone.js. Preprocessing is backbone.js's, the same as on the page.
import { joinPair, loadBackbone } from './backbone.js';

let started = null;

async function start({ tfScripts, wasmPath, backboneUrl, backend }) {
  // TF.js's UMD bundles set globalThis.tf when imported as modules; the WASM backend needs tf first.
  for (const url of tfScripts) await import(url);
  const { tf } = globalThis;
  if (wasmPath && tf.wasm) tf.wasm.setWasmPaths(wasmPath);
  for (const name of [...new Set([backend, 'wasm', 'cpu'])]) {
    if (await tf.setBackend(name).catch(() => false)) break;
  }
  await tf.ready();
  const backbone = await loadBackbone(backboneUrl);
  await backbone.warmUp();
  return backbone;
}

async function embed({ id, image, url, headers }) {
  try {
    const backbone = await started;
    const source = image ?? (await (await fetch(url, { headers })).blob());
    const bitmap = await createImageBitmap(source);
    let pair;
    try {
      pair = await backbone.embedMirrored(bitmap);
    } finally {
      bitmap.close();
    }
    const vectors = joinPair(pair);
    postMessage({ id, vectors }, [vectors.buffer]);
  } catch (error) {
    postMessage({ id, error: error.message });
  }
}

onmessage = async ({ data }) => {
  if (data.type === 'start') {
    started = start(data);
    try {
      await started;
      postMessage({ type: 'ready', backend: globalThis.tf.getBackend() });
    } catch (error) {
      postMessage({ type: 'failed', error: error.message });
    }
  } else {
    embed(data);
  }
};
