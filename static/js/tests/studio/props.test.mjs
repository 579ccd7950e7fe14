import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  finetunePanelProps,
  learnProps,
  modelPanelProps,
  moveOptions,
  pageMarks,
  previewProps,
  trainPanelProps,
} from '../../studio/props.js';
import { projectStore } from './fakes.mjs';

const labels = [
  { id: 1, name: 'Cats' },
  { id: 2, name: 'Dogs' },
];

function trainedStore() {
  const store = projectStore();
  store.dispatch('trainingStarted', { settings: {} });
  store.dispatch('trained', { head: { h: 1 }, labels, metrics: { valAccuracy: 0.8 } });
  return store;
}

test("the model panel may save a head trained on today's classes once the backbone is here", () => {
  const store = trainedStore();
  assert.equal(modelPanelProps(store.state, null).canSave, false);
  assert.equal(modelPanelProps(store.state, { metadata: {} }).canSave, true);
  store.dispatch('classAdded', { cls: { id: 3, name: 'Birds', position: 2 } });
  assert.equal(modelPanelProps(store.state, { metadata: {} }).canSave, false);
});

test('the image model choice is offered only when a switch may happen, pictures being made included', () => {
  const store = projectStore();
  store.dispatch('backbonesListed', {
    backbones: [
      { id: 'mobile', kind: 'faster', metadata: {} },
      { id: 'effnet', kind: 'moreAccurate', metadata: {} },
    ],
  });
  assert.deepEqual(trainPanelProps(store.state, []).backbone, {
    choices: store.state.backboneChoices,
    chosen: 'mobile',
    enabled: true,
  });
  store.dispatch('preparingChanged', { by: 1 });
  assert.equal(trainPanelProps(store.state, []).backbone.enabled, false);
  store.dispatch('preparingChanged', { by: -1 });
  store.dispatch('backboneSwitchStarted', { backboneId: 'effnet' });
  assert.deepEqual(trainPanelProps(store.state, []).backbone.chosen, 'effnet');
});

test('fine-tuning is judged against the quick head only on the same held-out pictures', () => {
  const store = trainedStore();
  const job = {
    state: 'succeeded',
    model: { metrics: { val_accuracy: 0.9, val_digest: 'd1', val_count: 10 } },
  };
  store.dispatch('jobUpdated', { job });
  assert.equal(
    finetunePanelProps(store.state).verdict,
    null,
    "the quick head's pictures are not known yet",
  );
  store.dispatch('heldOutDigested', { head: store.state.trained.head, digest: 'd1' });
  const { verdict, quickAccuracy } = finetunePanelProps(store.state);
  assert.equal(quickAccuracy, 0.8);
  assert.deepEqual(
    { ...verdict, gain: Math.round(verdict.gain * 100) },
    { count: 10, gain: 10, helped: true },
  );
});

test('the preview is ready with a quick head and a backbone, or with the server model alone', () => {
  const store = trainedStore();
  assert.deepEqual(previewProps(store.state, null), { labels: ['Cats', 'Dogs'], ready: false });
  assert.equal(previewProps(store.state, {}).ready, true);
  store.dispatch('serverModelChosen', { model: { labels: [{ class_id: 2, name: 'Dogs' }] } });
  assert.deepEqual(previewProps(store.state, null), { labels: ['Dogs'], ready: true });
});

test("the lesson gets each picture's address, the server's fine-tuned version and its own messages", () => {
  const store = trainedStore();
  store.dispatch('versionsLoaded', {
    versions: [
      { id: 'v2', tier: 'server' },
      { id: 'v1', tier: 'browser' },
    ],
  });
  store.dispatch('downloadStarted', { kind: 'notebook' });
  store.dispatch('sampleCaptured', { key: 'local-1', classId: 1, url: 'blob:local-1' });
  const props = learnProps(store.state, [{ id: 'a', classId: 1, embedding: null }, { id: 'local-1', classId: 1, embedding: null }], null);
  assert.deepEqual(props.samples, [
    { id: 'a', classId: 1, embedding: null, url: '/api/samples/a/image' },
    { id: 'local-1', classId: 1, embedding: null, url: 'blob:local-1' },
  ]);
  assert.equal(props.serverVersion.id, 'v2');
  assert.deepEqual(props.notebookMessage, { key: 'pythonPreparing', params: {} });
  assert.equal(props.trained.head.h, 1);
});

test('the move menu lists every class between its prompt and "unlabelled"; the page marks count pictures still being made', () => {
  const store = projectStore();
  assert.deepEqual(moveOptions(store.state), [
    ['', 'moveSelectedTo', true],
    [1, 'Cats', false],
    [2, 'Dogs', false],
    ['none', 'unlabelled', true],
  ]);
  store.dispatch('uploadsChanged', { pending: 2, failing: false });
  store.dispatch('preparingChanged', { by: 3 });
  assert.equal(pageMarks(store.state).pendingUploads, '5');
});
