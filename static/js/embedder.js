// Embeds each picture once per backbone. A vector pair (the picture, then its mirror image) is
// looked up in memory, then in the server's copies, then in this browser's IndexedDB, and only
// computed when none has it; a computed pair is saved to IndexedDB and to the server.
// Computing runs the backbone in a Web Worker (offThread.js), so the page stays responsive and
// the queue keeps moving in a background tab (timers and animation frames stop there; worker
// messages do not).
import { joinPair } from './backbone.js';
import { embeddingKey, getCachedEmbedding, putCachedEmbedding } from './idb.js';
import { yieldToPage } from './trainer.js';

const browserCache = { get: getCachedEmbedding, put: putCachedEmbedding };
// Pairs found in a cache cost microseconds: hand the page a turn only this often.
const SLICE_MS = 8;

// compute(sample, image) -> Promise<Float32Array> of the joined pair; onReady(sha256) for each
// picture whose pair is in memory.
export function createEmbedder({ backboneId, compute, api, canWrite, cache = browserCache, onProgress = () => {}, onReady = () => {} }) {
  const vectors = new Map(); // sha256 -> Float32Array [embedding, mirrored embedding]
  const waiting = new Map(); // sha256 -> promise, so a picture is never queued twice
  const queue = [];
  let done = 0;
  let computed = 0; // pictures this page had to run through the backbone itself
  let running = false;
  let serverCopies = null;
  const deleted = new Set(); // ids of pictures deleted meanwhile: nothing more is done for them

  const progress = () => onProgress({ done, total: done + queue.length, computed });

  // The server's copies, fetched once; each is decoded when its picture comes up, then dropped.
  function prefetch() {
    serverCopies = api
      .projectEmbeddings(backboneId)
      .then(({ embeddings }) => embeddings)
      .catch(() => ({})); // a shortcut only: computing again is always correct
  }

  function request(sample, image) {
    if (vectors.has(sample.sha256)) return Promise.resolve(vectors.get(sample.sha256));
    if (!waiting.has(sample.sha256)) {
      waiting.set(sample.sha256, new Promise((resolve, reject) => queue.push({ sample, image, resolve, reject })));
      progress();
      pump();
    }
    return waiting.get(sample.sha256);
  }

  async function pump() {
    if (running) return;
    running = true;
    let sliceStart = performance.now();
    while (queue.length) {
      const job = queue.shift();
      try {
        const pair = await lookUpOrCompute(job);
        vectors.set(job.sample.sha256, pair);
        job.resolve(pair);
        onReady(job.sample.sha256);
      } catch (error) {
        job.reject(error);
      } finally {
        waiting.delete(job.sample.sha256);
        done += 1;
      }
      progress();
      if (performance.now() - sliceStart > SLICE_MS) {
        await yieldToPage();
        sliceStart = performance.now();
      }
    }
    running = false;
    progress();
  }

  // Pictures deleted before their turn leave the queue; one being computed is not sent back.
  function forget(ids) {
    for (const id of ids) deleted.add(id);
    for (let i = queue.length - 1; i >= 0; i -= 1) {
      const job = queue[i];
      if (!deleted.has(job.sample.id)) continue;
      queue.splice(i, 1);
      waiting.delete(job.sample.sha256);
      job.reject(new DOMException('the picture was deleted', 'AbortError'));
    }
    progress();
  }

  async function lookUpOrCompute({ sample, image }) {
    const copies = await serverCopies;
    const fromServer = copies?.[sample.id];
    if (fromServer) {
      delete copies[sample.id];
      return decodeBase64Floats(fromServer);
    }
    const key = embeddingKey(backboneId, sample.sha256);
    const cached = await cache.get(key).catch(() => undefined);
    if (cached) {
      if (canWrite && sample.id) api.putEmbedding(sample.id, backboneId, cached.buffer).catch(() => {});
      return cached;
    }
    const pair = await compute(sample, image);
    computed += 1;
    await cache.put(key, pair).catch(() => {});
    if (deleted.has(sample.id)) throw new DOMException('the picture was deleted', 'AbortError');
    if (canWrite && sample.id) api.putEmbedding(sample.id, backboneId, pair.buffer).catch(() => {});
    return pair;
  }

  return { request, prefetch, forget, get: (sha256) => vectors.get(sha256), progress, backboneId };
}

// The same on the page's own thread, for browsers whose workers cannot run the backbone.
export function computeOnPage(backbone) {
  return async (sample, image) => {
    const blob = image ?? (await (await fetch(sample.image_url)).blob());
    const bitmap = await createImageBitmap(blob);
    try {
      return joinPair(await backbone.embedMirrored(bitmap));
    } finally {
      bitmap.close();
    }
  };
}

// A plain loop: Uint8Array.from(string, mapFn) goes through the iterator protocol, and was
// measured 10-20 times slower here, which a project of thousands of pictures notices.
function decodeBase64Floats(text) {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i += 1) bytes[i] = binary.charCodeAt(i);
  return new Float32Array(bytes.buffer);
}
