// TF.js work off the page's thread: a Web Worker (tfWorker.js) that embeds pictures with the
// backbone and trains the head, so the page answers clicks and draws while either runs.
// startWorker resolves once the backbone is loaded and warm, or rejects where a worker cannot
// run it (the studio then does the work on the page). startWorkerPool runs more than one, so that
// preparing many pictures uses every core (see workerCount).

// `tfScripts`: the URLs of TF.js and its WASM backend, as the page loads them.
export function startWorker({ tfScripts, wasmPath, backboneUrl, backend, headers = {} }) {
  const worker = new Worker(new URL('./tfWorker.js', import.meta.url), { type: 'module' });
  const pending = new Map(); // message id -> {resolve, reject, onEpoch}
  let nextId = 0;

  function call(message, transfer = [], onEpoch = null) {
    const id = ++nextId;
    return new Promise((resolve, reject) => {
      pending.set(id, { resolve, reject, onEpoch });
      worker.postMessage({ ...message, id }, transfer);
    });
  }

  // compute(sample, image) -> Float32Array [embedding, mirrored embedding], as embedder.js wants.
  function compute(sample, image) {
    return call({ type: 'embed', image: image ?? null, url: image ? null : sample.image_url, headers });
  }

  // trainer.js's trainHead, in the worker: the same arguments (the training rows are moved there,
  // not copied; the validation rows are copied, the page scores them afterwards), onEpoch called
  // here, and a signal that stops it between epochs.
  function train({ signal, onEpoch, ...job }) {
    const done = call({ type: 'train', job }, [job.features.buffer, job.labels.buffer], onEpoch);
    const stop = () => worker.postMessage({ type: 'stop' });
    signal?.addEventListener('abort', stop, { once: true });
    return done.finally(() => signal?.removeEventListener('abort', stop));
  }

  return new Promise((resolveStart, rejectStart) => {
    worker.onerror = (event) => rejectStart(new Error(event.message || 'the worker failed to start'));
    worker.onmessage = ({ data }) => {
      if (data.type === 'ready') {
        resolveStart({ compute, train, backend: data.backend });
        return;
      }
      if (data.type === 'failed') {
        worker.terminate();
        rejectStart(new Error(data.error));
        return;
      }
      const job = pending.get(data.id);
      if (data.type === 'epoch') {
        job?.onEpoch?.(data.logs);
        return;
      }
      pending.delete(data.id);
      if (data.error) job?.reject(Object.assign(new Error(data.error), { name: data.errorName ?? 'Error' }));
      else job?.resolve(data.result);
    };
    worker.postMessage({ type: 'start', tfScripts, wasmPath, backboneUrl, backend });
  });
}

// How many workers embed pictures. Below four logical cores TF.js's WASM backend runs one thread
// per worker (backend.js), so one worker leaves a core idle while a project's pictures are
// prepared: two keep both busy. From four cores on, each worker's threaded build already uses
// half of them: two workers use them all. Each worker holds its own TF.js and backbone (tens of
// MB), so never more than two.
export function workerCount(cores = 1) {
  return cores >= 2 ? 2 : 1;
}

// Several workers behind one compute(): a picture goes to a free worker, or waits for one. The
// first worker's start is the pool's start (what the page waits for); the others start after it,
// without delaying the page, and join as they become ready (one that cannot start is left out).
// Training runs in the first. onSize(n) says how many are running; `start` is startWorker (a
// stand-in in Node tests).
export async function startWorkerPool({ count, start = startWorker, onSize = () => {}, ...options }) {
  const first = await start(options);
  const free = [first];
  const waiting = []; // resolvers of computes waiting for a free worker
  let size = 1;
  onSize(size);

  function release(worker) {
    const next = waiting.shift();
    if (next) next(worker);
    else free.push(worker);
  }

  for (let i = 1; i < count; i += 1) {
    start(options).then(
      (worker) => {
        size += 1;
        onSize(size);
        release(worker);
      },
      (error) => console.warn(`A second worker for pictures did not start: ${error.message}`),
    );
  }

  async function compute(sample, image) {
    const worker = free.pop() ?? (await new Promise((resolve) => waiting.push(resolve)));
    try {
      return await worker.compute(sample, image);
    } finally {
      release(worker);
    }
  }

  return { compute, train: first.train, backend: first.backend };
}
