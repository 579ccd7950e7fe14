// Embeds each picture once per backbone, in a queue that never blocks the page. A vector pair
// (the picture and its mirror image) is looked up in memory, then IndexedDB, then the server's
// copy, and only computed when none has it; a computed pair is saved to all three.
import { embeddingKey, getCachedEmbedding, putCachedEmbedding } from './idb.js';

export function createEmbedder({ backbone, api, canWrite, onProgress = () => {} }) {
  const backboneId = backbone.metadata.id;
  const vectors = new Map(); // sha256 -> Float32Array [embedding, mirrored embedding]
  const waiting = new Map(); // sha256 -> promise, so a picture is never queued twice
  const queue = [];
  let done = 0;
  let computed = 0; // pictures this page had to run through the backbone itself
  let running = false;

  const progress = () => onProgress({ done, total: done + queue.length, computed });

  async function loadFromServer() {
    try {
      const { embeddings } = await api.projectEmbeddings(backboneId);
      return embeddings;
    } catch {
      return {}; // The server copy is a shortcut only; computing again is always correct.
    }
  }

  let serverCopies = null;
  function prefetch() {
    serverCopies = loadFromServer();
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
    while (queue.length) {
      progress();
      const job = queue.shift();
      try {
        const pair = await lookUpOrCompute(job);
        vectors.set(job.sample.sha256, pair);
        job.resolve(pair);
      } catch (error) {
        job.reject(error);
      } finally {
        waiting.delete(job.sample.sha256);
        done += 1;
      }
      // Give the page a frame between pictures so capture and scrolling stay smooth.
      await new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));
    }
    running = false;
    progress();
  }

  async function lookUpOrCompute({ sample, image }) {
    const key = embeddingKey(backboneId, sample.sha256);
    const cached = await getCachedEmbedding(key).catch(() => undefined);
    if (cached) return cached;
    const fromServer = (await serverCopies)?.[sample.id];
    if (fromServer) {
      const pair = decodeBase64Floats(fromServer);
      await putCachedEmbedding(key, pair).catch(() => {});
      return pair;
    }
    const bitmap = await createImageBitmap(image ?? (await (await fetch(sample.image_url)).blob()));
    let pair;
    try {
      pair = await backbone.embedMirrored(bitmap);
    } finally {
      bitmap.close();
    }
    computed += 1;
    const joined = new Float32Array(pair[0].length * 2);
    joined.set(pair[0], 0);
    joined.set(pair[1], pair[0].length);
    await putCachedEmbedding(key, joined).catch(() => {});
    if (canWrite) api.putEmbedding(sample.id, backboneId, joined.buffer).catch(() => {});
    return joined;
  }

  return { request, prefetch, get: (sha256) => vectors.get(sha256), progress, backboneId };
}

function decodeBase64Floats(text) {
  const bytes = Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
  return new Float32Array(bytes.buffer);
}
