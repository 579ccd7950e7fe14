import assert from 'node:assert/strict';
import { test } from 'node:test';

import { createFinetune } from '../../studio/finetune.js';
import { failing, fakeApi, manualTimer, projectStore } from './fakes.mjs';

function setUp(handlers) {
  const store = projectStore();
  const api = fakeApi(handlers);
  const timer = manualTimer();
  let succeeded = 0;
  const loads = [];
  const finetune = createFinetune({
    store,
    api,
    loadModel: async (url) => {
      loads.push(url);
      return {
        url,
        disposed: false,
        dispose() {
          this.disposed = true;
        },
      };
    },
    onSucceeded: () => (succeeded += 1),
    pollerOptions: timer.options,
  });
  return {
    store,
    api,
    finetune,
    loads,
    succeeded: () => succeeded,
    poll: timer.fire,
    polling: () => timer.pending,
  };
}

test('a started job is followed until it ends; its success refreshes the saved versions', async () => {
  const states = ['running', 'succeeded'];
  const { store, api, finetune, poll, polling, succeeded } = setUp({
    startFinetune: () => ({ id: 'j1', state: 'queued' }),
    getJob: () => ({ id: 'j1', state: states.shift() }),
  });
  await finetune.start();
  assert.deepEqual(api.calls[0], ['startFinetune', {}], 'no head trained: the job fits one');
  assert.equal(polling(), true);
  await poll();
  assert.equal(store.state.job.state, 'running');
  await poll();
  assert.equal(store.state.job.state, 'succeeded');
  assert.equal(succeeded(), 1);
  assert.equal(polling(), false);
});

test('a refused start says why, and the next request clears it', async () => {
  const answers = [failing('queue full', 429), () => ({ id: 'j2', state: 'succeeded' })];
  const { store, finetune } = setUp({ startFinetune: () => answers.shift()() });
  await finetune.start();
  assert.equal(store.state.ui.finetuneError, 'queue full');
  await finetune.start();
  assert.equal(store.state.ui.finetuneError, null);
});

test('the fine-tuned model is loaded once for the preview, and the quick one chosen back', async () => {
  const { store, finetune, loads } = setUp({});
  store.dispatch('jobUpdated', {
    job: {
      id: 'j1',
      state: 'succeeded',
      model: { id: 'm1', model_url: '/m1/model.json', labels: [] },
    },
  });
  await finetune.useServerModel(true);
  await finetune.useServerModel(true);
  assert.deepEqual(loads, ['/m1/model.json']);
  assert.equal(store.state.serverModel.model.id, 'm1');
  assert.equal(store.state.ui.loadingServerModel, false);
  assert.equal(finetune.predictor.url, '/m1/model.json');
  await finetune.useServerModel(false);
  assert.equal(store.state.serverModel, null);
});
