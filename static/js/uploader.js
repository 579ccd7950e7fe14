// Uploads samples in the background, a few per request, and retries until the server has
// them (uploadRules.js says which failures are retried). Nothing is dropped silently: a picture
// the server refuses is reported with its reason, and when the project is gone for this page
// (onGone) every picture queued is rejected at once.
// A picture queued for a class that is deleted meanwhile goes to the unlabelled pictures, as the
// class's stored pictures do.
import { uploadOutcome } from './uploadRules.js';

const BATCH = 10;
const MAX_DELAY_MS = 15_000;

export function createUploader(api, { onChange = () => {}, onRejected = () => {}, onGone = () => {} } = {}) {
  const queue = [];
  let inFlight = 0;
  let failures = 0;
  let timer = null;
  const deletedClasses = new Set();

  const state = () => ({ pending: queue.length + inFlight, failing: failures > 0 });

  function add(blob, classId, source) {
    return new Promise((resolve, reject) => {
      queue.push({ blob, classId, source, resolve, reject });
      onChange(state());
      schedule(0);
    });
  }

  function schedule(delay) {
    if (timer === null && inFlight === 0) timer = setTimeout(pump, delay);
  }

  async function pump() {
    timer = null;
    if (!queue.length) return;
    // One request holds pictures of a single class and source, as the API wants; a picture
    // split out of a refused request travels alone.
    const first = queue[0];
    const sameKind = (item) => !item.single && item.classId === first.classId && item.source === first.source;
    const batch = first.single ? [first] : queue.filter(sameKind).slice(0, BATCH);
    for (const item of batch) queue.splice(queue.indexOf(item), 1);
    inFlight = batch.length;
    onChange(state());
    try {
      const { samples } = await api.uploadSamples(batch.map((item) => item.blob), first.classId, first.source);
      batch.forEach((item, i) => {
        item.resolve(samples[i]);
      });
      failures = 0;
    } catch (error) {
      const outcome = uploadOutcome(error);
      if (outcome === 'gone') {
        settleGone([...batch, ...queue.splice(0)], error);
      } else if (first.classId != null && deletedClasses.has(first.classId)) {
        // The class went while the request was in flight: send them again, unlabelled.
        queue.unshift(...batch.map((item) => ({ ...item, classId: null })));
      } else if (outcome === 'refused') {
        settleRefused(batch, error);
      } else {
        failures += 1;
        queue.unshift(...batch);
      }
    }
    inFlight = 0;
    onChange(state());
    if (queue.length) schedule(failures ? Math.min(MAX_DELAY_MS, 500 * 2 ** failures) : 0);
  }

  // The server refused the whole request for one bad file: send them one by one so the good
  // ones are stored and only the bad one is reported.
  function settleRefused(batch, error) {
    if (batch.length === 1) {
      onRejected(error);
      batch[0].reject(error);
      return;
    }
    for (const item of batch.reverse()) queue.unshift({ ...item, single: true });
  }

  // The project is gone for this page (uploadRules.js): no picture of it will be accepted.
  function settleGone(items, error) {
    onGone(error);
    for (const item of items) item.reject(error);
  }

  // Pictures still queued for this class are sent unlabelled.
  function forgetClass(classId) {
    deletedClasses.add(classId);
    for (const item of queue) if (item.classId === classId) item.classId = null;
  }

  globalThis.addEventListener?.('beforeunload', (event) => {
    if (state().pending) event.preventDefault();
  });

  return { add, state, forgetClass };
}
