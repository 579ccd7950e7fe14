// The studio's state: training, saved versions, fine-tuning jobs, the image model and notices
// (studioModels.js, studioReaders.js).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import {
  actions,
  backboneChoices,
  canSwitchBackbone,
  finetuneFraction,
  finetuneNetwork,
  finetuneVerdict,
  headReady,
  initialState,
  metricsForVersion,
  picturesReady,
  previewModel,
  statusParts,
  trainingSamples,
  unsavedHead,
  validationAccuracy,
  versionLabels,
  versionToPreview,
} from '../studioState.js';
import { checkTrainable } from '../dataset.js';
import { applyUnchanged, loaded, serverSample } from './studioFixtures.mjs';

describe('embeddings and training', () => {
  const dim = 2;
  const vectors = new Map([
    ['sha-a', Float32Array.of(1, 0, -1, 0)],
    ['sha-b', Float32Array.of(1, 1, -1, -1)],
    ['sha-c', Float32Array.of(0, 1)],
  ]);

  // Two pictures taken while the server cannot be reached, one for Birds (3), prepared here.
  function takenOffline() {
    let state = actions.sampleCaptured(loaded(), { key: 'local-1', classId: 3, url: 'blob:1' });
    state = actions.sampleCaptured(state, { key: 'local-2', classId: 3, url: 'blob:2' });
    state = actions.sampleDigested(state, { key: 'local-1', sha256: 'sha-a' });
    return actions.embeddingsArrived(state, { sha256s: ['sha-a', 'sha-b', 'sha-c'] });
  }

  test('pictures still waiting for the server are trained on once prepared here', () => {
    const state = takenOffline();
    const samples = trainingSamples(state, (sha) => vectors.get(sha), dim);
    assert.deepEqual(samples.map((s) => [s.id, s.classId, Boolean(s.embedding)]), [['a', 1, true], ['b', 1, true], ['c', 2, true], ['local-1', 3, true], ['local-2', 3, false]]);
    const birds = state.classes.find((c) => c.id === 3);
    assert.deepEqual(checkTrainable(state.classes, samples).counts.get(3), { ready: 1, pending: 1 }, birds.name);
    const refused = actions.uploadRefused(state, { key: 'local-2', error: 'not a picture' });
    assert.equal(checkTrainable(refused.classes, trainingSamples(refused, (sha) => vectors.get(sha), dim)).trainable, true);
  });

  test('a picture prepared offline stays prepared when the server names it alike, else is prepared again', () => {
    const state = takenOffline();
    const same = actions.uploadAccepted(state, { key: 'local-1', sample: { ...serverSample('d', 3), sha256: 'sha-a' } });
    assert.deepEqual([same.samples.get('local-1').embedded, same.samples.get('local-1').url], [true, null]);
    const other = actions.uploadAccepted(state, { key: 'local-1', sample: { ...serverSample('d', 3), sha256: 'sha-z' } });
    assert.deepEqual([other.samples.get('local-1').embedded, other.samples.get('local-1').url], [false, 'blob:1']);
  });

  test('pictures count for training once their embeddings arrive', () => {
    let state = loaded();
    assert.deepEqual(trainingSamples(state, (sha) => vectors.get(sha), dim).map((s) => s.embedding), [null, null, null]);
    state = actions.embeddingsArrived(state, { sha256s: ['sha-a', 'sha-c'] });
    const samples = trainingSamples(state, (sha) => vectors.get(sha), dim);
    assert.deepEqual(samples.map((s) => s.id), ['a', 'b', 'c']);
    assert.deepEqual([...samples[0].embedding], [1, 0]);
    assert.deepEqual([...samples[0].mirrored], [-1, 0]);
    assert.equal(samples[1].embedding, null);
    assert.equal(samples[2].mirrored, undefined);
  });

  test('"ready for training" shows once every picture is prepared and the model is loaded', () => {
    let state = actions.modelLoaded(loaded(), { backend: 'wasm' });
    state = applyUnchanged('embeddingProgress', state, { done: 1, total: 3, computed: 1 });
    assert.deepEqual(statusParts(state).map((p) => p.key), ['backendLabel', 'allSaved', 'embeddingProgress']);
    state = actions.embeddingProgress(state, { done: 3, total: 3, computed: 1 });
    assert.deepEqual(statusParts(state).map((p) => p.key), ['backendLabel', 'allSaved', 'embeddingDone']);
  });

  test('pages of pictures and of their embeddings arriving: the first pictures train before the last page', () => {
    let state = actions.projectLoaded(initialState({ canWrite: true }), { project: { id: 'p1', title: 'Pets', classes: [{ id: 1, name: 'Cats', position: 0 }, { id: 2, name: 'Dogs', position: 1 }] } });
    state = actions.modelLoaded(state, { backend: 'wasm' });
    state = applyUnchanged('samplesListed', state, { samples: [serverSample('a', 1), serverSample('b', 2)], total: 3, more: true });
    assert.deepEqual(state.listing, { loaded: 2, total: 3, done: false });
    assert.deepEqual(statusParts(state).map((p) => p.key), ['backendLabel', 'allSaved', 'loadingPictures']);
    assert.deepEqual(statusParts(state)[2].params, { loaded: 2, total: 3 });
    // The first page's embeddings land before the last page of pictures does.
    state = actions.embeddingProgress(state, { done: 2, total: 2, computed: 0 });
    state = applyUnchanged('embeddingsArrived', state, { sha256s: ['sha-a', 'sha-b'] });
    const firstPage = trainingSamples(state, (sha) => vectors.get(sha), dim);
    assert.deepEqual(firstPage.map((s) => [s.id, Boolean(s.embedding)]), [['a', true], ['b', true]]);
    assert.equal(picturesReady(state), false, 'not every picture is listed yet');
    assert.ok(!statusParts(state).some((p) => p.key === 'embeddingDone'));
    // The last page: its picture is listed, waits for its embedding, then all are ready.
    state = applyUnchanged('samplesListed', state, { samples: [serverSample('c', 2)], total: 3, more: false });
    assert.deepEqual(state.listing, { loaded: 3, total: 3, done: true });
    assert.deepEqual([...state.samples.keys()], ['a', 'b', 'c']);
    state = actions.embeddingProgress(state, { done: 2, total: 3, computed: 0 });
    assert.equal(picturesReady(state), false);
    assert.deepEqual(trainingSamples(state, (sha) => vectors.get(sha), dim).map((s) => Boolean(s.embedding)), [true, true, false]);
    state = actions.embeddingsArrived(state, { sha256s: ['sha-c'] });
    state = actions.embeddingProgress(state, { done: 3, total: 3, computed: 0 });
    assert.equal(picturesReady(state), true);
    assert.deepEqual(statusParts(state).map((p) => p.key), ['backendLabel', 'allSaved', 'embeddingDone']);
  });

  test('a page listing a picture uploaded here meanwhile keeps its key and its local copy', () => {
    let state = actions.projectLoaded(initialState({ canWrite: true }), { project: { id: 'p1', title: 'Pets', classes: [{ id: 1, name: 'Cats', position: 0 }] } });
    state = actions.sampleCaptured(state, { key: 'local-1', classId: 1, url: 'blob:1' });
    state = actions.uploadAccepted(state, { key: 'local-1', sample: serverSample('z', 1) });
    state = actions.samplesListed(state, { samples: [serverSample('y', 1), serverSample('z', 1)], total: 2, more: false });
    assert.deepEqual([...state.samples.keys()], ['local-1', 'y']);
    assert.equal(state.samples.get('local-1').url, 'blob:1');
  });

  test('a trained head records the settings read when training started', () => {
    const settings = { epochs: 5, batchSize: 8, learningRate: 0.01 };
    let state = applyUnchanged('trainingStarted', loaded(), { settings });
    state = applyUnchanged('trainingEpoch', state, { logs: { epoch: 0, loss: 1 } });
    const labels = [{ id: 1, name: 'Cats' }, { id: 2, name: 'Dogs' }, { id: 3, name: 'Birds' }];
    state = applyUnchanged('trained', state, { head: { h: 1 }, labels, metrics: { valAccuracy: 0.5 } });
    assert.equal(state.training, null);
    assert.deepEqual(state.trained.settings, settings);
    assert.deepEqual(state.trained.history, [{ epoch: 0, loss: 1 }]);
    assert.equal(headReady(state), true);
    assert.deepEqual(previewModel(state), { kind: 'quick', labels: ['Cats', 'Dogs', 'Birds'] });
    state = actions.classRenamed(state, { classId: 2, name: 'Puppies' });
    assert.deepEqual(versionLabels(state), [{ class_id: 1, name: 'Cats' }, { class_id: 2, name: 'Puppies' }, { class_id: 3, name: 'Birds' }]);
  });

  test('a head goes stale when a class is added, moved or deleted, not when renamed', () => {
    let state = actions.trainingStarted(loaded(), { settings: {} });
    state = actions.trained(state, { head: {}, labels: [{ id: 1, name: 'Cats' }, { id: 2, name: 'Dogs' }, { id: 3, name: 'Birds' }], metrics: {} });
    assert.deepEqual(previewModel(actions.classRenamed(state, { classId: 1, name: 'Kittens' })).labels, ['Kittens', 'Dogs', 'Birds']);
    assert.equal(headReady(actions.classMoved(state, { classId: 1, by: 1 })), false);
    assert.equal(headReady(actions.classDeleted(state, { classId: 3 })), false);
    assert.equal(previewModel(actions.classAdded(state, { cls: { id: 4, name: 'Fish', position: 3 } })), null);
  });

  test('training stopped or failed keeps the previous head', () => {
    let state = actions.trainingStarted(loaded(), { settings: {} });
    state = actions.trained(state, { head: { old: true }, labels: [], metrics: {} });
    state = actions.trainingStarted(state, { settings: {} });
    state = applyUnchanged('trainingEnded', state);
    assert.deepEqual(state.trained.head, { old: true });
    assert.equal(actions.trained(state, { head: {}, labels: [], metrics: {} }), state);
  });
});

describe('saved versions and server jobs', () => {
  const version = (id, extra = {}) => ({ id, number: 1, tier: 'browser', backbone_id: 'mobile', published: false, labels: [{ class_id: 1, name: 'Cats' }, { class_id: 2, name: 'Dogs' }, { class_id: 3, name: 'Birds' }], metrics: {}, settings: {}, ...extra });

  test('a reopened project previews its published version, else the newest one trained here', () => {
    let state = applyUnchanged('versionsLoaded', loaded(), { versions: [version('v3', { tier: 'server' }), version('v2'), version('v1', { published: true })] });
    assert.equal(versionToPreview(state).id, 'v1');
    state = applyUnchanged('savedModelLoaded', state, { version: versionToPreview(state), head: { saved: true } });
    assert.equal(state.trained.versionId, 'v1');
    assert.deepEqual(state.trained.labels.map((l) => l.id), [1, 2, 3]);
    assert.deepEqual(previewModel(state).labels, ['Cats', 'Dogs', 'Birds']);
    assert.equal(versionToPreview(actions.versionsLoaded(state, { versions: [version('v2')] })).id, 'v2');
    assert.equal(versionToPreview(actions.versionsLoaded(state, { versions: [version('v3', { tier: 'server' })] })), null);
  });

  test('a version trained on another backbone is not previewed: its head means nothing on this one', () => {
    const versions = [version('v3', { backbone_id: 'effnet', published: true }), version('v2'), version('v1', { backbone_id: 'effnet' })];
    const state = actions.versionsLoaded(loaded(), { versions });
    assert.equal(versionToPreview(state).id, 'v2');
    const switched = actions.projectLoaded(state, { project: { id: 'p1', title: 'Pets', backbone_id: 'effnet', classes: [] } });
    assert.equal(versionToPreview(switched).id, 'v3');
    assert.equal(versionToPreview(actions.versionsLoaded(state, { versions: [versions[0]] })), null);
  });

  test('a saved model does not replace a head trained in this session', () => {
    let state = actions.trainingStarted(loaded(), { settings: {} });
    state = actions.trained(state, { head: { fresh: true }, labels: [], metrics: {} });
    state = actions.savedModelLoaded(state, { version: version('v1'), head: { saved: true } });
    assert.deepEqual(state.trained.head, { fresh: true });
  });

  test('a head kept on the device previews again in a studio opened offline, never over a newer one', () => {
    const labels = [{ id: 1, name: 'Cats' }, { id: 2, name: 'Dogs' }, { id: 3, name: 'Birds' }];
    const kept = { head: { kept: true }, labels, metrics: {}, settings: {}, history: [], validation: null };
    const restored = actions.trainedRestored(loaded(), { trained: kept });
    assert.equal(restored.trained, kept);
    assert.deepEqual(previewModel(restored).labels, ['Cats', 'Dogs', 'Birds']);
    let state = actions.trainingStarted(loaded(), { settings: {} });
    state = actions.trained(state, { head: { fresh: true }, labels: [], metrics: {} });
    assert.deepEqual(actions.trainedRestored(state, { trained: kept }).trained.head, { fresh: true });
  });

  test('saving puts the version first and marks the head as saved', () => {
    let state = actions.trainingStarted(loaded(), { settings: {} });
    state = actions.trained(state, { head: {}, labels: [], metrics: {} });
    state = actions.versionsLoaded(state, { versions: [version('v1')], shares: [{ token: 't' }] });
    state = applyUnchanged('versionSaved', state, { version: version('v2', { number: 2 }) });
    assert.deepEqual(state.versions.map((v) => v.id), ['v2', 'v1']);
    assert.equal(state.trained.versionId, 'v2');
    assert.equal(state.savedVersionId, 'v2');
    assert.deepEqual(state.shares, [{ token: 't' }]);
  });

  test('accuracy reads the server name and the old page name; saved metrics use the server name', () => {
    assert.equal(validationAccuracy({ val_accuracy: 0.8 }), 0.8);
    assert.equal(validationAccuracy({ valAccuracy: 0.7 }), 0.7);
    assert.equal(validationAccuracy({}), null);
    assert.deepEqual(metricsForVersion({ valAccuracy: 0.7, trainMs: 12, backend: 'wasm' }), { val_accuracy: 0.7, train_ms: 12, backend: 'wasm' });
  });

  test('server job progress, and choosing its model for the preview', () => {
    let state = applyUnchanged('jobUpdated', loaded(), { job: { id: 'j', state: 'running', progress: { phase: 'training', epoch: 1 } } });
    assert.equal(state.job.progress.epoch, 1);
    const model = { id: 'm', labels: [{ class_id: 2, name: 'Dogs' }, { class_id: 1, name: 'old cats' }] };
    state = actions.jobUpdated(state, { job: { id: 'j', state: 'succeeded', model } });
    state = applyUnchanged('serverModelChosen', state, { model });
    assert.deepEqual(previewModel(state), { kind: 'server', labels: ['Dogs', 'Cats'] });
    state = actions.serverModelChosen(state, { model: null });
    assert.equal(previewModel(state), null);
  });

  test('recording only into an existing class, and only with the owner link', () => {
    assert.equal(actions.recordingStarted(loaded(), { classId: 99 }).recordingClassId, null);
    const readOnly = actions.projectLoaded(initialState({ canWrite: false }), { project: { id: 'p', title: 't', classes: [{ id: 1, name: 'A', position: 0 }] } });
    assert.equal(actions.recordingStarted(readOnly, { classId: 1 }).recordingClassId, null);
    assert.equal(actions.recordingStopped(actions.recordingStarted(loaded(), { classId: 1 })).recordingClassId, null);
  });

  test('renaming the project', () => {
    assert.equal(applyUnchanged('projectRenamed', loaded(), { title: 'Animals' }).project.title, 'Animals');
  });
});

describe('choosing the image model', () => {
  // As GET /api/backbones lists them: the server names the kind of the newest export of each
  // architecture the studio offers.
  const backbone = (id, architecture, kind, bytes) => ({ id, download_bytes: bytes, kind, metadata: { architecture } });
  const listed = [
    backbone('old-mobile', 'MobileNetV2', null, 1),
    backbone('effnet', 'EfficientNet-Lite0', 'moreAccurate', 6_718_476),
    backbone('mobile', 'MobileNetV2', 'faster', 4_428_040),
    backbone('other', 'ResNet50', null, 1),
  ];

  test('the server\'s faster and more accurate backbones are offered in that order, each with its download size', () => {
    assert.deepEqual(backboneChoices(listed), [
      { kind: 'faster', id: 'mobile', architecture: 'MobileNetV2', megabytes: 4.4 },
      { kind: 'moreAccurate', id: 'effnet', architecture: 'EfficientNet-Lite0', megabytes: 6.7 },
    ]);
    assert.deepEqual(backboneChoices(listed.slice(2)).map((c) => c.kind), ['faster']);
    assert.deepEqual(backboneChoices([]), []);
  });

  test('the choice is offered to a writer with two models, not while training, uploading or already switching', () => {
    const state = actions.backbonesListed(loaded(), { backbones: listed });
    assert.equal(canSwitchBackbone(state), true);
    assert.equal(canSwitchBackbone({ ...state, canWrite: false }), false);
    assert.equal(canSwitchBackbone(actions.backbonesListed(state, { backbones: listed.slice(2) })), false);
    assert.equal(canSwitchBackbone(actions.trainingStarted(state, { settings: {} })), false);
    assert.equal(canSwitchBackbone(actions.uploadsChanged(state, { pending: 1, failing: false })), false);
    const switching = actions.backboneSwitchStarted(state, { backboneId: 'effnet' });
    assert.equal(switching.switchingTo, 'effnet');
    assert.equal(canSwitchBackbone(switching), false);
    assert.equal(canSwitchBackbone(actions.backboneSwitchFailed(switching)), true);
  });

  test('a head trained here is unsaved until saved as a version; one loaded back from a version is saved', () => {
    const version = { id: 'v1', number: 1, tier: 'browser', backbone_id: 'mobile', labels: [], metrics: {}, settings: {} };
    const state = loaded();
    assert.equal(unsavedHead(state), false, 'nothing trained');
    assert.equal(unsavedHead(actions.savedModelLoaded(state, { version, head: {} })), false);
    const training = actions.trainingStarted(state, { settings: {} });
    assert.equal(unsavedHead(training), false, 'still training: there is no head yet');
    const trained = actions.trained(training, { head: {}, labels: [], metrics: {} });
    assert.equal(unsavedHead(trained), true);
    const saved = actions.versionSaved(trained, { version });
    assert.equal(unsavedHead(saved), false);
    const retrained = actions.trained(actions.trainingStarted(saved, { settings: {} }), { head: {}, labels: [], metrics: {} });
    assert.equal(unsavedHead(retrained), true, 'a new head replaces the saved one');
  });
});

test('fine-tuning is judged against the quick model only on the same held-out pictures', () => {
  const serverMetrics = { val_accuracy: 0.8, val_count: 20, val_digest: 'abc' };
  assert.deepEqual(finetuneVerdict({ quickAccuracy: 0.75, quickHeldOut: 'abc', serverMetrics }), { count: 20, gain: 0.8 - 0.75, helped: true });
  const notBetter = finetuneVerdict({ quickAccuracy: 0.8, quickHeldOut: 'abc', serverMetrics });
  assert.equal(notBetter.helped, false, 'a tie is no help');
  assert.equal(finetuneVerdict({ quickAccuracy: 0.75, quickHeldOut: 'other', serverMetrics }), null, 'other pictures');
  assert.equal(finetuneVerdict({ quickAccuracy: 0.75, quickHeldOut: null, serverMetrics }), null, 'no digest in this browser');
  assert.equal(finetuneVerdict({ quickAccuracy: null, quickHeldOut: 'abc', serverMetrics }), null, 'no quick model');
  assert.equal(finetuneVerdict({ quickAccuracy: 0.75, quickHeldOut: 'abc', serverMetrics: { val_accuracy: 0.9 } }), null, 'an older job without a digest');
});

test("a fine-tuning job's progress runs through its check run, then its final run", () => {
  const at = (run, epoch, step) => finetuneFraction({ run, runs: 2, epoch, epochs: 20, step, steps: 10 });
  assert.equal(at(1, 1, 0), 0);
  assert.equal(at(1, 20, 10), 0.5, 'the check run ends halfway');
  assert.equal(at(2, 11, 0), 0.75);
  assert.equal(at(2, 20, 10), 1);
  assert.equal(finetuneFraction({ epoch: 2, epochs: 4, step: 5, steps: 10 }), 0.375, 'a job with one run (or from before runs)');
});

test('the studio names the network a fine-tuning job trains, when it is one it offers', () => {
  const listed = (id, architecture, kind) => ({ id, kind, metadata: { architecture }, download_bytes: 1 });
  const state = actions.backbonesListed(initialState(), { backbones: [listed('m1', 'MobileNetV2', 'faster'), listed('e1', 'EfficientNet-Lite0', 'moreAccurate')] });
  assert.deepEqual(finetuneNetwork({ ...state, job: { backbone_id: 'e1' } }), { architecture: 'EfficientNet-Lite0', kind: 'moreAccurate' });
  assert.deepEqual(finetuneNetwork({ ...state, job: { backbone_id: 'm1' } }), { architecture: 'MobileNetV2', kind: 'faster' });
  assert.equal(finetuneNetwork({ ...state, job: { backbone_id: 'old' } }), null, 'an export no longer offered');
  assert.equal(finetuneNetwork(state), null, 'no job');
});

describe('notices', () => {
  test('the notice of the final training run goes when training ends, however it ends', () => {
    const labels = [{ id: 1, name: 'Cats' }, { id: 2, name: 'Dogs' }, { id: 3, name: 'Birds' }];
    let state = actions.trainingStarted(loaded(), { settings: {} });
    state = applyUnchanged('noticeShown', state, { key: 'trainingAllPictures' });
    assert.equal(state.notice.key, 'trainingAllPictures');
    assert.equal(applyUnchanged('trained', state, { head: {}, labels, metrics: {} }).notice, null);
    assert.equal(actions.trainingEnded(state).notice, null);
  });

  test('other notices outlive training, and a dismissed one goes', () => {
    let state = actions.trainingStarted(loaded(), { settings: {} });
    state = actions.noticeShown(state, { key: 'classDeleted', params: { name: 'Cats' }, action: { label: 'undo', event: 'undo-delete' } });
    state = actions.trained(state, { head: {}, labels: [], metrics: {} });
    assert.deepEqual(state.notice, { key: 'classDeleted', params: { name: 'Cats' }, action: { label: 'undo', event: 'undo-delete' } });
    assert.equal(applyUnchanged('noticeDismissed', state).notice, null);
  });
});
