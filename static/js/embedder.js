// Embeds each picture once per backbone. A vector pair (the picture, then its mirror image) is
// looked up in memory, then in the server's copies, then in this browser's IndexedDB, and only
// computed when none has it; a computed pair is saved to IndexedDB and to the server, in
// batches (embeddingSender.js).
// The server's copies come a page at a time (api.embeddingPage), and each page's pictures are
// ready as soon as it lands, so a reopened project of thousands of pictures is usable before
// its last page; nothing is computed while a stored copy may still come.
// Computing runs the backbone in Web Workers (offThread.js), so the page stays responsive and
// the queue keeps moving in a background tab (timers and animation frames stop there; worker
// messages do not); with two workers, two pictures are computed at once.
import { joinPair } from './backbone.js';
import { writeEmbeddingBatch } from './embeddingPage.js';
import { createEmbeddingSender } from './embeddingSender.js';
import { embeddingKey, getCachedEmbedding, putCachedEmbedding } from './idb.js';
import { yieldToPage } from './trainer.js';

const browserCache = { get: getCachedEmbedding, put: putCachedEmbedding };
// Pairs found in a cache cost microseconds: hand the page a turn only this often.
const SLICE_MS = 8;

// compute(sample, image) -> Promise<Float32Array> of the joined pair (2 vectors of `dim`);
// onReady(sha256) for each picture whose pair is in memory; onRejected(error) when the server
// refuses to store pairs. compute may wait for the backbone to load: pages of stored pairs do not.
// `lanes`: how many pictures are in hand at once (a pool of workers computes that many side by
// side); they finish in any order.
export function createEmbedder({ backboneId, dim, compute, api, canWrite, lanes = 1, cache = browserCache, onProgress = () => {}, onReady = () => {}, onRejected = () => {} }) {
  const vectors = new Map(); // sha256 -> Float32Array [embedding, mirrored embedding]
  const waiting = new Map(); // sha256 -> promise, so a picture is never queued twice
  // Jobs in request order, by sample id (sha256 before it has one): a job whose stored pair
  // lands leaves it at once.
  const queue = new Map();
  const stored = new Map(); // sample id -> pair from the server, until its picture is asked for
  const storedWanted = new Map(); // sample id -> resolve, for the job in hand awaiting its page
  let storedComing = false; // pages of stored pairs are still arriving
  let done = 0;
  let computed = 0; // pictures this page had to run through the backbone itself
  let active = 0; // lanes running
  let inHand = 0; // jobs taken by a lane, not yet finished
  const deleted = new Set(); // ids of pictures deleted meanwhile: nothing more is done for them
  const unsent = new Set(); // sha256s prepared before the server had their picture
  const sender = canWrite
    ? createEmbeddingSender((ids, pairs, options) => api.putEmbeddings(backboneId, writeEmbeddingBatch(ids, pairs, dim), options), { onRejected })
    : null;

  // Jobs taken by a lane and not yet finished count too: with two lanes, one may finish while
  // the other's picture is still being computed, and that one is not done.
  const progress = () => onProgress({ done, total: done + queue.size + inHand, computed });

  // The server's copies, a page at a time, oldest picture first (the order the studio asks in).
  function prefetch() {
    storedComing = true;
    loadStoredPages();
  }

  async function loadStoredPages() {
    try {
      let after = null;
      do {
        const page = await api.embeddingPage(backboneId, after);
        for (let i = 0; i < page.ids.length; i += 1) receive(page.ids[i], page.pairs[i]);
        progress();
        after = page.nextCursor;
      } while (after);
    } catch {
      // A shortcut only: computing again is always correct.
    } finally {
      storedComing = false;
      for (const resolve of storedWanted.values()) resolve();
      storedWanted.clear();
    }
  }

  // A stored pair finishes its picture's queued job at once; else it waits to be asked for.
  function receive(id, pair) {
    if (deleted.has(id)) return;
    const job = queue.get(id);
    if (job) {
      queue.delete(id);
      finish(job, pair);
      return;
    }
    stored.set(id, pair);
    storedWanted.get(id)?.();
  }

  function finish(job, pair) {
    vectors.set(job.sample.sha256, pair);
    waiting.delete(job.sample.sha256);
    done += 1;
    job.resolve(pair);
    onReady(job.sample.sha256);
  }

  // A picture prepared before the server had it (no id yet) is prepared under its sha256 only;
  // asked for again with its id, its pair goes to the server then.
  function sendOnceStored(sample) {
    if (!sample.id || !unsent.has(sample.sha256)) return;
    unsent.delete(sample.sha256);
    sender?.add(sample.id, vectors.get(sample.sha256));
  }

  function request(sample, image) {
    if (vectors.has(sample.sha256)) {
      sendOnceStored(sample);
      return Promise.resolve(vectors.get(sample.sha256));
    }
    if (!waiting.has(sample.sha256)) {
      const promise = new Promise((resolve, reject) => {
        const job = { sample, image, resolve, reject };
        const pair = takeStored(sample.id);
        if (pair) finish(job, pair);
        else queue.set(sample.id ?? sample.sha256, job);
      });
      if (!vectors.has(sample.sha256)) waiting.set(sample.sha256, promise);
      progress();
      pump();
    }
    const answer = waiting.get(sample.sha256) ?? Promise.resolve(vectors.get(sample.sha256));
    if (sample.id) answer.then(() => sendOnceStored(sample), () => {});
    return answer;
  }

  function takeStored(id) {
    const pair = stored.get(id);
    stored.delete(id);
    return pair;
  }

  // Up to `lanes` loops over the queue; each takes its first job before pump looks again.
  function pump() {
    while (active < lanes && queue.size) {
      active += 1;
      lane().finally(() => {
        active -= 1;
        progress();
        if (queue.size) pump();
      });
    }
  }

  // Takes jobs in request order until the queue is empty.
  async function lane() {
    let sliceStart = performance.now();
    while (queue.size) {
      const [id, job] = queue.entries().next().value;
      queue.delete(id);
      inHand += 1;
      try {
        const pair = await lookUpOrCompute(job);
        inHand -= 1;
        finish(job, pair);
      } catch (error) {
        inHand -= 1;
        waiting.delete(job.sample.sha256);
        done += 1;
        job.reject(error);
      }
      progress();
      if (performance.now() - sliceStart > SLICE_MS) {
        await yieldToPage();
        sliceStart = performance.now();
      }
    }
  }

  // Pictures deleted before their turn leave the queue; one being computed is not sent back.
  function forget(ids) {
    sender?.forget(ids);
    for (const id of ids) {
      deleted.add(id);
      stored.delete(id);
      const job = queue.get(id);
      if (!job) continue;
      queue.delete(id);
      waiting.delete(job.sample.sha256);
      job.reject(new DOMException('the picture was deleted', 'AbortError'));
    }
    progress();
  }

  // The server's copy of a picture's pair: here already, or on a page still to come.
  async function storedPair(id) {
    if (!stored.has(id) && storedComing) await new Promise((resolve) => storedWanted.set(id, resolve));
    storedWanted.delete(id);
    return takeStored(id);
  }

  function sendOrKeep(sample, pair) {
    if (sample.id) sender?.add(sample.id, pair);
    else unsent.add(sample.sha256);
  }

  async function lookUpOrCompute({ sample, image }) {
    const fromServer = await storedPair(sample.id);
    if (fromServer) return fromServer;
    const key = embeddingKey(backboneId, sample.sha256);
    const cached = await cache.get(key).catch(() => undefined);
    if (cached) {
      sendOrKeep(sample, cached);
      return cached;
    }
    const pair = await compute(sample, image);
    computed += 1;
    await cache.put(key, pair).catch(() => {});
    if (deleted.has(sample.id)) throw new DOMException('the picture was deleted', 'AbortError');
    sendOrKeep(sample, pair);
    return pair;
  }

  return { request, prefetch, forget, get: (sha256) => vectors.get(sha256), progress, backboneId };
}

// The same on the page's own thread, for browsers whose workers cannot run the backbone: one
// picture at a time, whatever the lanes (the page has one thread).
export function computeOnPage(backbone) {
  let last = Promise.resolve();
  const one = async (sample, image) => {
    const blob = image ?? (await (await fetch(sample.image_url)).blob());
    const bitmap = await createImageBitmap(blob);
    try {
      return joinPair(await backbone.embedMirrored(bitmap));
    } finally {
      bitmap.close();
    }
  };
  return (sample, image) => {
    const result = last.then(() => one(sample, image));
    last = result.catch(() => {});
    return result;
  };
}
