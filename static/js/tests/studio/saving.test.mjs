import assert from 'node:assert/strict';
import { test } from 'node:test';

import { createSaving } from '../../studio/saving.js';
import { serializeHead } from '../../trainer.js';
import { failing, fakeApi, projectStore, identityHead as head } from './fakes.mjs';

const labels = [
  { id: 1, name: 'Cats' },
  { id: 2, name: 'Dogs' },
];

function setUp(handlers, { trained = true, confirmed = true } = {}) {
  const store = projectStore();
  if (trained) {
    store.dispatch('trainingStarted', { settings: { epochs: 5 } });
    store.dispatch('trained', { head, labels, metrics: { valAccuracy: 0.75 } });
  }
  const api = fakeApi({
    listModels: () => ({ models: [] }),
    listShares: () => ({ shares: [] }),
    archiveUrl: () => '/zip',
    notebookUrl: () => '/nb',
    ...handlers,
  });
  const saved = [];
  const saving = createSaving({
    store,
    api,
    models: { backbone: { metadata: { id: 'mobile' } } },
    saveFile: (blob, name) => saved.push([blob, name]),
    confirm: () => confirmed,
  });
  return { store, api, saving, saved };
}

test('saving the trained head sends it with its labels, backbone and metrics, then says its number', async () => {
  const version = { id: 'v1', number: 1, tier: 'browser', backbone_id: 'mobile' };
  const { store, api, saving } = setUp({
    saveModel: () => version,
    listModels: () => ({ models: [version] }),
  });
  const pending = saving.saveModel();
  assert.deepEqual(store.state.ui.saveMessage, { key: 'savingModel', params: {} });
  assert.equal(await saving.saveModel(), null, 'one save at a time');
  assert.equal(await pending, version);
  const [, sent] = api.calls.find((c) => c[0] === 'saveModel');
  assert.deepEqual(
    [sent.backbone_id, sent.labels, sent.metrics, sent.settings],
    [
      'mobile',
      [
        { class_id: 1, name: 'Cats' },
        { class_id: 2, name: 'Dogs' },
      ],
      { val_accuracy: 0.75 },
      { epochs: 5 },
    ],
  );
  assert.deepEqual(store.state.ui, {
    ...store.state.ui,
    saving: false,
    saveMessage: { key: 'modelSaved', params: { number: 1 } },
  });
  assert.equal(store.state.trained.versionId, 'v1');
});

test('a failed save says why and lets the student try again', async () => {
  const { store, saving } = setUp({ saveModel: failing('disk full') });
  await saving.saveModel();
  assert.deepEqual(
    [store.state.ui.saving, store.state.ui.saveMessage],
    [false, { key: 'error', params: { reason: 'disk full' } }],
  );
});

test("nothing is saved without a head trained on today's classes", async () => {
  const { api, saving } = setUp({}, { trained: false });
  assert.equal(await saving.saveModel(), null);
  assert.deepEqual(api.calls, []);
});

test('a reopened project loads its saved head; a version the server refuses is left unsaid', async () => {
  const version = {
    id: 'v1',
    tier: 'browser',
    backbone_id: 'mobile',
    published: true,
    labels: [
      { class_id: 1, name: 'Cats' },
      { class_id: 2, name: 'Dogs' },
    ],
    metrics: {},
    settings: {},
  };
  const { store, saving } = setUp(
    { listModels: () => ({ models: [version] }), modelHead: () => serializeHead(head) },
    { trained: false },
  );
  await saving.refreshVersions();
  await saving.loadSavedHead();
  assert.equal(store.state.trained.versionId, 'v1');
  assert.deepEqual([...store.state.trained.head.layers[0].kernel], [1, 0, 0, 1]);
  const gone = setUp(
    { listModels: () => ({ models: [version] }), modelHead: failing('gone', 404) },
    { trained: false },
  );
  await gone.saving.refreshVersions();
  await gone.saving.loadSavedHead();
  assert.equal(gone.store.state.notice, null);
});

test('downloads save the file and say how an export and the notebook went; a failed zip says so in a notice', async () => {
  const { store, saving, saved } = setUp({
    downloadBlob: (url) => (url === '/zip' ? failing('offline', 0)() : `blob of ${url}`),
  });
  await saving.downloadExport({ url: '/e.tflite', filename: 'model.tflite' });
  assert.deepEqual(store.state.ui.exportMessage, {
    key: 'exportReady',
    params: { name: 'model.tflite' },
  });
  await saving.downloadNotebook();
  assert.equal(store.state.ui.notebookMessage, null);
  assert.deepEqual(saved, [
    ['blob of /e.tflite', 'model.tflite'],
    ['blob of /nb', 'train-it-yourself.zip'],
  ]);
  await saving.downloadProject();
  assert.deepEqual(store.state.notice, {
    key: 'error',
    params: { reason: 'offline' },
    action: null,
  });
});

test('deleting a version asks first; a classroom quiz score is sent and its fate said', async () => {
  const refused = setUp({ deleteModel: () => null }, { confirmed: false });
  await refused.saving.remove('v1', 1);
  assert.deepEqual(refused.api.calls, []);
  const { store, api, saving } = setUp({ deleteModel: () => null, finishQuiz: () => null });
  await saving.remove('v1', 1);
  assert.deepEqual(
    api.calls.map((c) => c[0]),
    ['deleteModel', 'listModels', 'listShares'],
  );
  await saving.reportQuiz({ right: 9, total: 10 });
  assert.deepEqual(store.state.ui.quizReport, { key: 'quizSaved', params: {} });
});
