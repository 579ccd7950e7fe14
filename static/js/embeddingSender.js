// Stores computed embeddings on the server in batches: one request carries many pictures' pairs
// (PUT /api/projects/<id>/embeddings/<backbone>), sent when BATCH are waiting or once none has
// been added for QUIET_MS, so a class recording pictures sends a request per burst instead of
// one per picture. Failures are retried like the uploader's (uploader.js); nothing is dropped
// silently: a pair the server refuses is reported, and a picture deleted meanwhile needs none.
// No DOM here but the page-hide hooks, so Node tests drive it with a fake `send`.
export const BATCH = 20;
export const QUIET_MS = 400;
// Pictures that keep coming slower than QUIET_MS apart still leave within this time.
export const MAX_WAIT_MS = 2_000;
export const MAX_PER_REQUEST = 100; // the server's limit (server/api/embeddings.py)
// A page being closed may still send about 64 KB with fetch's keepalive: the pairs that fit.
export const KEEPALIVE_BYTES = 60_000;
const MAX_DELAY_MS = 15_000;

// How the sender treats a failed request: 'retry' it later, 'drop' the pictures the server says
// are gone and send the rest again, 'split' it to find the one bad pair, or 'reject' it.
// An ApiError of status 0 is a network error (api.js).
export function failureAction(error, size) {
  const status = error?.status;
  if (status === undefined) return 'reject'; // not an answer (a bug here): trying again cannot help
  if (status === 0 || status === 408 || status === 429 || status >= 500) return 'retry';
  if (status === 404 && Array.isArray(error.problem?.missing_ids)) return 'drop';
  if (status === 400 && size > 1) return 'split';
  return 'reject';
}

// The next request's entries: up to MAX_PER_REQUEST, or the one pair split out of a refused
// batch alone; `limitBytes` keeps a closing page's request within what keepalive allows.
export function nextBatch(entries, { limitBytes = Infinity } = {}) {
  if (entries.length && entries[0].single) return entries.slice(0, 1);
  const batch = [];
  let bytes = 0;
  for (const entry of entries) {
    if (entry.single || batch.length === MAX_PER_REQUEST) break;
    bytes += entry.pair.byteLength;
    if (bytes > limitBytes && batch.length) break;
    batch.push(entry);
  }
  return batch;
}

// send(ids, pairs, {keepalive}) -> Promise, rejecting with an ApiError (api.js).
export function createEmbeddingSender(send, { onRejected = () => {}, quietMs = QUIET_MS, batchSize = BATCH } = {}) {
  const queue = new Map(); // sample id -> {id, pair, single}, oldest first
  let inFlight = 0;
  let failures = 0;
  let timer = null;
  let backingOff = false; // the timer is a retry's, after a failure: adding does not hurry it
  let oldestAt = 0; // when the oldest waiting pair came

  const pending = () => queue.size + inFlight;

  // A newer pair for a picture replaces a waiting one; a full batch goes at once.
  function add(id, pair) {
    if (!queue.size) oldestAt = Date.now();
    queue.set(id, { id, pair, single: false });
    if (inFlight || backingOff) return;
    schedule(queue.size >= batchSize ? 0 : Math.min(quietMs, Math.max(0, oldestAt + MAX_WAIT_MS - Date.now())));
  }

  function schedule(delay, retry = false) {
    clearTimeout(timer);
    backingOff = retry;
    timer = setTimeout(pump, delay);
  }

  async function pump() {
    timer = null;
    backingOff = false;
    if (inFlight || !queue.size) return;
    const batch = nextBatch([...queue.values()]);
    for (const entry of batch) queue.delete(entry.id);
    inFlight = batch.length;
    try {
      await send(
        batch.map((entry) => entry.id),
        batch.map((entry) => entry.pair),
        { keepalive: false },
      );
      failures = 0;
    } catch (error) {
      settle(batch, error);
    }
    inFlight = 0;
    if (!queue.size) return;
    oldestAt = Date.now();
    if (failures) schedule(Math.min(MAX_DELAY_MS, 500 * 2 ** failures), true);
    else schedule(queue.size >= batchSize || [...queue.values()][0].single ? 0 : quietMs);
  }

  function settle(batch, error) {
    const action = failureAction(error, batch.length);
    if (action === 'retry') {
      failures += 1;
      requeue(batch);
      return;
    }
    failures = 0; // the server answered
    if (action === 'drop') {
      const gone = new Set(error.problem.missing_ids);
      requeue(batch.filter((entry) => !gone.has(entry.id)));
    } else if (action === 'split') {
      requeue(batch.map((entry) => ({ ...entry, single: true })));
    } else {
      onRejected(error, batch.map((entry) => entry.id));
    }
  }

  // Back to the front of the queue, unless a newer pair for the picture came meanwhile.
  function requeue(entries) {
    const rest = [...queue.entries()];
    queue.clear();
    for (const entry of entries) if (!rest.some(([id]) => id === entry.id)) queue.set(entry.id, entry);
    for (const [id, entry] of rest) queue.set(id, entry);
  }

  // Pictures deleted: their waiting pairs are not sent.
  function forget(ids) {
    for (const id of ids) queue.delete(id);
  }

  // Send what waits now (the page is being hidden, and may not come back).
  function flush() {
    if (!inFlight && !backingOff && queue.size) schedule(0);
  }

  // The page is going away: what keepalive allows leaves with it. The pairs that do not fit are
  // still in this browser's cache (idb.js), and are sent when the project is next opened.
  function sendBeforeUnload() {
    const batch = nextBatch([...queue.values()].map((entry) => ({ ...entry, single: false })), { limitBytes: KEEPALIVE_BYTES });
    if (!batch.length) return;
    for (const entry of batch) queue.delete(entry.id);
    send(
      batch.map((entry) => entry.id),
      batch.map((entry) => entry.pair),
      { keepalive: true },
    ).catch(() => {});
  }

  globalThis.document?.addEventListener('visibilitychange', () => {
    if (globalThis.document.visibilityState === 'hidden') flush();
  });
  globalThis.addEventListener?.('pagehide', sendBeforeUnload);

  return { add, forget, flush, pending, sendBeforeUnload };
}
