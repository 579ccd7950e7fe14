// Stand-ins for what the studio's modules get from the page: the real store and state around a
// fake API that records every call and answers from the handlers a test gives it.
import { createStore } from '../../studio/store.js';
import { actions, initialState } from '../../studioState.js';

// A real head: one softmax layer, 2 inputs, 2 classes, each input voting for its own class.
export const identityHead = {
  format: 'snapclass-head',
  version: 1,
  inputDim: 2,
  numClasses: 2,
  preprocess: 'none',
  layers: [
    {
      units: 2,
      activation: 'softmax',
      kernelShape: [2, 2],
      kernel: new Float32Array([1, 0, 0, 1]),
      bias: null,
    },
  ],
};

export const serverSample = (id, classId, sha256 = `sha-${id}`) => ({
  id,
  class_id: classId,
  sha256,
  image_url: `/api/samples/${id}/image`,
});

// A store holding a project with classes Cats (1) and Dogs (2) and pictures a, b (Cats), c (Dogs).
export function projectStore({ canWrite = true } = {}) {
  const revoked = [];
  let changes = 0;
  const store = createStore(initialState({ canWrite }), {
    revoke: (url) => revoked.push(url),
    onChange: () => (changes += 1),
  });
  store.dispatch('projectLoaded', {
    project: {
      id: 'p1',
      title: 'Pets',
      backbone_id: 'mobile',
      classes: [
        { id: 1, name: 'Cats', position: 0 },
        { id: 2, name: 'Dogs', position: 1 },
      ],
    },
  });
  store.dispatch('samplesListed', {
    samples: [serverSample('a', 1), serverSample('b', 1), serverSample('c', 2)],
  });
  return Object.assign(store, { revoked, changes: () => changes });
}

// handlers: {name: (...args) => answer (or a thrown error)}; calls: [[name, ...args]].
export function fakeApi(handlers = {}) {
  const calls = [];
  const api = new Proxy(
    {},
    {
      get(_, name) {
        if (name === 'calls') return calls;
        if (name === 'authHeaders') return () => ({ Authorization: 'Bearer t' });
        // Addresses are made, not fetched: answered at once, as the real API does.
        if (String(name).endsWith('Url')) return () => handlers[name]();
        return async (...args) => {
          calls.push([name, ...args]);
          const handler = handlers[name];
          if (!handler) throw new Error(`unexpected call ${String(name)}`);
          return handler(...args);
        };
      },
    },
  );
  return api;
}

export const failing =
  (message, status = 500) =>
  () => {
    throw Object.assign(new Error(message), { status });
  };

// A promise and the functions that settle it, for a test to decide when an answer comes.
export function deferred() {
  let resolve;
  let reject;
  const promise = new Promise((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

// One poller's timer, fired by hand: options for createPoller, fire() runs the tick that is due.
export function manualTimer() {
  let due = null;
  return {
    options: {
      setTimer: (f) => {
        due = f;
        return 1;
      },
      clearTimer: () => {
        due = null;
      },
    },
    async fire() {
      const f = due;
      due = null;
      await f?.();
      await tick();
    },
    get pending() {
      return due !== null;
    },
  };
}

export const tick = () => new Promise((resolve) => setImmediate(resolve));

export { actions };
