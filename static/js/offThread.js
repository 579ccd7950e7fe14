// TF.js work off the page's thread: a Web Worker (tfWorker.js) that embeds pictures with the
// backbone and trains the head, so the page answers clicks and draws while either runs.
// startWorker resolves once the backbone is loaded and warm, or rejects where a worker cannot
// run it (the studio then does the work on the page).

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
