import assert from 'node:assert/strict';
import { test } from 'node:test';

import { createTraining } from '../../studio/training.js';
import { deferred, projectStore, tick, identityHead as head } from './fakes.mjs';

const DIM = 2;

// Six prepared pictures in each of two classes, their embeddings [1, 0] (Cats) and [0, 1] (Dogs).
function setUp(trainProject) {
  const store = projectStore();
  const samples = [];
  for (let i = 0; i < 12; i += 1)
    samples.push({ id: `s${i}`, class_id: i < 6 ? 1 : 2, sha256: `h${i}`, image_url: '' });
  store.dispatch('samplesDeleted', { ids: ['a', 'b', 'c'] });
  store.dispatch('samplesListed', { samples });
  store.dispatch('embeddingsArrived', { sha256s: samples.map((s) => s.sha256) });
  const vectors = new Map(
    samples.map((s, i) => [s.sha256, new Float32Array(i < 6 ? [1, 0, 1, 0] : [0, 1, 0, 1])]),
  );
  const digests = deferred();
  const training = createTraining({
    store,
    models: { vectorsOf: (sha) => vectors.get(sha), embeddingSize: DIM, worker: null },
    trainProject,
    digest: () => digests.promise,
  });
  return { store, training, digests };
}

test('training announces its final run, and the announcement goes with the trained head', async () => {
  let seen = null;
  const { store, training, digests } = setUp(async ({ onFinalRun, onEpoch, samples }) => {
    onEpoch({ epoch: 0, epochs: 1, loss: 1 });
    await onFinalRun();
    seen = {
      notice: store.state.notice?.key,
      samples: samples.length,
      embedded: samples.every((s) => s.embedding),
    };
    const rows = {
      features: new Float32Array([1, 0, 0, 1]),
      count: 2,
      labels: new Int32Array([0, 1]),
      ids: ['s0', 's6'],
    };
    return {
      head,
      labels: [
        { id: 1, name: 'Cats' },
        { id: 2, name: 'Dogs' },
      ],
      metrics: { trainMs: 5 },
      validation: { head, rows },
    };
  });
  await training.train({ epochs: 1 });
  assert.deepEqual(seen, { notice: 'trainingAllPictures', samples: 12, embedded: true });
  assert.equal(store.state.notice, null, 'the final run is over');
  assert.equal(store.state.training, null);
  assert.deepEqual(store.state.trained.validation, {
    labels: [0, 1],
    predicted: [0, 1],
    ids: ['s0', 's6'],
  });
  assert.deepEqual(store.state.trained.history, [{ epoch: 0, epochs: 1, loss: 1 }]);
  digests.resolve('digest-1');
  await tick();
  assert.equal(store.state.ui.quickHeldOut, 'digest-1');
});

test('a failed training says why and keeps no head; a stopped one says nothing', async () => {
  const failed = setUp(async () => {
    throw new Error('out of memory');
  });
  await failed.training.train({});
  assert.deepEqual(
    [failed.store.state.training, failed.store.state.trained, failed.store.state.ui.trainError],
    [null, null, 'out of memory'],
  );
  const stopped = setUp(
    ({ signal }) =>
      new Promise((_, reject) =>
        signal.addEventListener('abort', () => reject(new DOMException('stopped', 'AbortError'))),
      ),
  );
  const running = stopped.training.train({});
  stopped.training.stop();
  await running;
  assert.deepEqual([stopped.store.state.training, stopped.store.state.ui.trainError], [null, null]);
});

test('nothing trains while a head trains, or while a class has no pictures', async () => {
  let runs = 0;
  const held = deferred();
  const { store, training } = setUp(() => {
    runs += 1;
    return held.promise;
  });
  const first = training.train({});
  await training.train({});
  assert.equal(runs, 1);
  held.reject(new DOMException('stopped', 'AbortError'));
  await first;
  store.dispatch('classAdded', { cls: { id: 3, name: 'Birds', position: 2 } });
  await training.train({});
  assert.equal(runs, 1);
});
