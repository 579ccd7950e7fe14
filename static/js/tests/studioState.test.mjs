import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import {
  actions,
  backboneChoices,
  canSwitchBackbone,
  classNamed,
  draggedIds,
  droppedUrls,
  expiredPairings,
  finetuneFraction,
  finetuneNetwork,
  finetuneVerdict,
  headReady,
  initialState,
  metricsForVersion,
  movePosition,
  nextClassName,
  pairingOf,
  picturesReady,
  previewModel,
  samplesOf,
  selectedSamples,
  statusParts,
  thumbnailUrl,
  trainingSamples,
  undoPlan,
  unsavedHead,
  validationAccuracy,
  versionLabels,
  versionToPreview,
} from '../studioState.js';

const serverSample = (id, classId, sha256 = `sha-${id}`) => ({ id, class_id: classId, sha256, image_url: `/api/samples/${id}/image` });

// A project with classes Cats (1), Dogs (2), Birds (3) and pictures a, b in Cats, c in Dogs.
function loaded() {
  let state = initialState({ canWrite: true });
  state = actions.projectLoaded(state, {
    project: { id: 'p1', title: 'Pets', backbone_id: 'mobile', classes: [{ id: 2, name: 'Dogs', position: 1 }, { id: 1, name: 'Cats', position: 0 }, { id: 3, name: 'Birds', position: 2 }] },
  });
  return actions.samplesListed(state, { samples: [serverSample('a', 1), serverSample('b', 1), serverSample('c', 2)] });
}

const names = (state) => state.classes.map((c) => c.name);
const classOf = (state, key) => state.samples.get(key).classId;

function frozen(state) {
  // Actions never change the state they are given.
  return structuredClone({ ...state, samples: [...state.samples] });
}

function applyUnchanged(name, state, detail) {
  const before = frozen(state);
  const after = actions[name](state, detail);
  assert.deepEqual(frozen(state), before, `${name} changed its input`);
  return after;
}

describe('classes', () => {
  test('a loaded project keeps its classes in position order and its pictures by id', () => {
    const state = loaded();
    assert.deepEqual(names(state), ['Cats', 'Dogs', 'Birds']);
    assert.equal(samplesOf(state, 1).length, 2);
    assert.equal(state.samples.get('c').status, 'saved');
    assert.equal(thumbnailUrl(state.samples.get('c')), '/api/samples/c/image');
  });

  test('adding a class puts it last, once', () => {
    let state = applyUnchanged('classAdded', loaded(), { cls: { id: 4, name: 'Fish', position: 3 } });
    state = actions.classAdded(state, { cls: { id: 4, name: 'Fish', position: 3 } });
    assert.deepEqual(names(state), ['Cats', 'Dogs', 'Birds', 'Fish']);
  });

  test('the next class name skips names already taken', () => {
    let state = actions.classAdded(loaded(), { cls: { id: 4, name: 'Class 4', position: 3 } });
    assert.equal(nextClassName(state, (n) => `Class ${n}`), 'Class 5');
    state = actions.classDeleted(state, { classId: 3 });
    assert.equal(nextClassName(state, (n) => `Class ${n}`), 'Class 5');
    state = actions.classRenamed(state, { classId: 4, name: 'Fish' });
    assert.equal(nextClassName(state, (n) => `Class ${n}`), 'Class 4');
  });

  test('renaming keeps the order and the pictures', () => {
    const state = applyUnchanged('classRenamed', loaded(), { classId: 2, name: 'Puppies' });
    assert.deepEqual(names(state), ['Cats', 'Puppies', 'Birds']);
    assert.equal(classOf(state, 'c'), 2);
  });

  test('moving a class renumbers positions and stops at either end', () => {
    let state = applyUnchanged('classMoved', loaded(), { classId: 1, by: 1 });
    assert.deepEqual(names(state), ['Dogs', 'Cats', 'Birds']);
    assert.deepEqual(state.classes.map((c) => c.position), [0, 1, 2]);
    state = actions.classMoved(state, { classId: 3, by: 5 });
    assert.deepEqual(names(state), ['Dogs', 'Cats', 'Birds']);
    assert.equal(movePosition(state, 3, 1), null);
    assert.equal(movePosition(state, 3, -1), 1);
    assert.equal(movePosition(state, 2, -1), null);
  });

  test('the server order wins after a move', () => {
    const state = actions.classesLoaded(loaded(), { classes: [{ id: 3, name: 'Birds', position: 0 }, { id: 1, name: 'Cats', position: 1 }, { id: 2, name: 'Dogs', position: 2 }] });
    assert.deepEqual(names(state), ['Birds', 'Cats', 'Dogs']);
  });

  test('deleting a class unlabels its pictures and remembers them for undo', () => {
    const state = applyUnchanged('classDeleted', loaded(), { classId: 1 });
    assert.deepEqual(names(state), ['Dogs', 'Birds']);
    assert.deepEqual(state.classes.map((c) => c.position), [0, 1]);
    assert.equal(classOf(state, 'a'), null);
    assert.equal(classOf(state, 'b'), null);
    assert.deepEqual(state.deleted, { cls: { id: 1, name: 'Cats', position: 0 }, sampleIds: ['a', 'b'] });
  });

  test('deleting the class being recorded stops the recording', () => {
    let state = actions.recordingStarted(loaded(), { classId: 2 });
    assert.equal(state.recordingClassId, 2);
    state = actions.classDeleted(state, { classId: 2 });
    assert.equal(state.recordingClassId, null);
  });

  test('undo asks for the old name, place and the pictures still unlabelled', () => {
    assert.equal(undoPlan(loaded()), null);
    let state = actions.classDeleted(loaded(), { classId: 2 });
    state = actions.samplesMoved(state, { ids: ['c'], classId: 1 });
    assert.deepEqual(undoPlan(state), { name: 'Dogs', position: 1, sampleIds: [] });
    state = actions.classDeleted(loaded(), { classId: 1 });
    assert.deepEqual(undoPlan(state), { name: 'Cats', position: 0, sampleIds: ['a', 'b'] });
  });

  test('a folder fills the class of its name, if there is one', () => {
    assert.equal(classNamed(loaded(), 'Dogs').id, 2);
    assert.equal(classNamed(loaded(), 'dogs'), null);
  });

  test('undo brings the class back with its pictures, except those moved since', () => {
    let state = actions.classDeleted(loaded(), { classId: 1 });
    state = actions.samplesMoved(state, { ids: ['b'], classId: 3 });
    state = applyUnchanged('classRestored', state, { cls: { id: 9, name: 'Cats', position: 0 } });
    assert.deepEqual(names(state), ['Cats', 'Dogs', 'Birds']);
    assert.equal(classOf(state, 'a'), 9);
    assert.equal(classOf(state, 'b'), 3);
    assert.equal(state.deleted, null);
    assert.equal(actions.classRestored(state, { cls: { id: 10, name: 'x', position: 0 } }), state);
  });
});

describe('pictures', () => {
  test('moving pictures relabels them and clears their selection', () => {
    let state = actions.sampleToggled(loaded(), { key: 'a' });
    state = applyUnchanged('samplesMoved', state, { ids: ['a', 'c'], classId: null });
    assert.equal(classOf(state, 'a'), null);
    assert.equal(classOf(state, 'c'), null);
    assert.equal(state.samples.get('a').selected, false);
  });

  test('deleting pictures removes them', () => {
    const state = applyUnchanged('samplesDeleted', loaded(), { ids: ['a'] });
    assert.deepEqual([...state.samples.keys()], ['b', 'c']);
  });

  test('selection: toggle, select only some, drag the selection', () => {
    let state = applyUnchanged('sampleToggled', loaded(), { key: 'a' });
    state = actions.sampleToggled(state, { key: 'b' });
    assert.deepEqual(selectedSamples(state).map((s) => s.id), ['a', 'b']);
    assert.deepEqual(draggedIds(state, 'a'), ['a', 'b']);
    assert.deepEqual(draggedIds(state, 'c'), ['c']);
    state = actions.sampleToggled(state, { key: 'a' });
    assert.deepEqual(selectedSamples(state).map((s) => s.id), ['b']);
    state = applyUnchanged('selectionSet', state, { ids: ['c'] });
    assert.deepEqual(selectedSamples(state).map((s) => s.id), ['c']);
  });

  test('a page listed again keeps local flags', () => {
    let state = actions.sampleToggled(loaded(), { key: 'a' });
    state = actions.embeddingsArrived(state, { sha256s: ['sha-a'] });
    state = actions.samplesListed(state, { samples: [serverSample('a', 2)] });
    assert.deepEqual([state.samples.get('a').selected, state.samples.get('a').embedded, classOf(state, 'a')], [true, true, 2]);
  });
});

describe('uploads', () => {
  const captured = () => actions.sampleCaptured(loaded(), { key: 'local-1', classId: 3, url: 'blob:1' });

  test('a captured picture waits, unselectable, with its local picture', () => {
    const state = applyUnchanged('sampleCaptured', loaded(), { key: 'local-1', classId: 3, url: 'blob:1' });
    const sample = state.samples.get('local-1');
    assert.equal(sample.status, 'pending');
    assert.equal(thumbnailUrl(sample), 'blob:1');
    assert.equal(actions.sampleToggled(state, { key: 'local-1' }).samples.get('local-1').selected, false);
  });

  test('accepted: the same key becomes the saved sample; the server says which class', () => {
    const state = applyUnchanged('uploadAccepted', captured(), { key: 'local-1', sample: serverSample('d', null) });
    const sample = state.samples.get('local-1');
    assert.deepEqual([sample.id, sample.status, sample.classId, sample.url], ['d', 'saved', null, 'blob:1']);
  });

  test('accepted as a picture the project already has: the local copy goes', () => {
    const state = actions.uploadAccepted(captured(), { key: 'local-1', sample: serverSample('a', 1) });
    assert.equal(state.samples.has('local-1'), false);
    assert.deepEqual(droppedUrls(captured(), state), ['blob:1']);
  });

  test('refused: shown with its reason until dismissed', () => {
    let state = applyUnchanged('uploadRefused', captured(), { key: 'local-1', error: 'not an image' });
    assert.deepEqual([state.samples.get('local-1').status, state.samples.get('local-1').error], ['rejected', 'not an image']);
    const dismissed = actions.sampleToggled(state, { key: 'local-1' });
    assert.equal(dismissed.samples.has('local-1'), false);
    assert.deepEqual(droppedUrls(state, dismissed), ['blob:1']);
    state = actions.uploadRefused(state, { key: 'gone', error: 'x' });
    assert.equal(state.samples.has('gone'), false);
  });

  test('retried: the status line says so while the uploader backs off', () => {
    let state = applyUnchanged('uploadsChanged', captured(), { pending: 3, failing: true });
    assert.deepEqual(statusParts(state)[0], { key: 'failedUploads', params: { count: 3 } });
    state = actions.uploadsChanged(state, { pending: 2, failing: false });
    assert.deepEqual(statusParts(state)[0], { key: 'pendingUploads', params: { count: 2 } });
    state = actions.uploadsChanged(state, { pending: 0, failing: false });
    assert.deepEqual(statusParts(state)[0], { key: 'allSaved', params: {} });
  });

  test('a saved picture that is prepared lets go of its local copy', () => {
    let state = actions.uploadAccepted(captured(), { key: 'local-1', sample: serverSample('d', 3) });
    const before = state;
    state = applyUnchanged('embeddingsArrived', state, { sha256s: ['sha-d'] });
    assert.equal(state.samples.get('local-1').embedded, true);
    assert.equal(thumbnailUrl(state.samples.get('local-1')), '/api/samples/d/image');
    assert.deepEqual(droppedUrls(before, state), ['blob:1']);
  });

  test('droppedUrls is empty when the pictures did not change', () => {
    const state = captured();
    assert.deepEqual(droppedUrls(state, actions.recordingStarted(state, { classId: 1 })), []);
  });
});

describe('embeddings and training', () => {
  const dim = 2;
  const vectors = new Map([
    ['sha-a', Float32Array.of(1, 0, -1, 0)],
    ['sha-b', Float32Array.of(1, 1, -1, -1)],
    ['sha-c', Float32Array.of(0, 1)],
  ]);

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

describe('a phone paired with a class', () => {
  const opened = (state = loaded()) => applyUnchanged('pairingOpened', state, { classId: 2, url: '/phone#pair=x', expiresAt: '2026-12-01T10:10:00Z' });

  test('opening shows the link with nothing received; one pairing per class; only with write access', () => {
    const state = opened(opened());
    assert.deepEqual(state.pairings, [{ classId: 2, url: '/phone#pair=x', expiresAt: '2026-12-01T10:10:00Z', received: 0 }]);
    assert.equal(pairingOf(state, 1), null);
    assert.equal(actions.pairingOpened(loaded(), { classId: 99, url: 'u', expiresAt: 'e' }).pairings.length, 0);
    const teacher = actions.projectLoaded(initialState({ canWrite: false, canModerate: true }), { project: { id: 'p', title: 't', classes: [{ id: 2, name: 'A', position: 0 }] } });
    assert.equal(actions.pairingOpened(teacher, { classId: 2, url: 'u', expiresAt: 'e' }).pairings.length, 0);
  });

  test("the class's new pictures appear as they arrive and are counted; pictures already here are not", () => {
    let state = opened();
    state = applyUnchanged('phonePicturesListed', state, { classId: 2, samples: [serverSample('c', 2), serverSample('p1', 2)] });
    assert.deepEqual(samplesOf(state, 2).map((s) => s.key), ['c', 'p1']);
    assert.equal(state.samples.get('p1').fromPhone, true);
    assert.equal(state.samples.get('p1').status, 'saved');
    state = actions.phonePicturesListed(state, { classId: 2, samples: [serverSample('c', 2), serverSample('p1', 2), serverSample('p2', 2)] });
    assert.equal(pairingOf(state, 2).received, 2);
    // Nothing new: the very same state, so the studio does not redraw.
    assert.equal(actions.phonePicturesListed(state, { classId: 2, samples: [serverSample('p2', 2)] }), state);
  });

  test("this page's own upload, listed before its answer came, is not counted as the phone's", () => {
    let state = actions.sampleCaptured(opened(), { key: 'local-1', classId: 2, url: 'blob:1' });
    state = actions.phonePicturesListed(state, { classId: 2, samples: [serverSample('own', 2)] });
    assert.equal(pairingOf(state, 2).received, 1);
    state = applyUnchanged('uploadAccepted', state, { key: 'local-1', sample: serverSample('own', 2) });
    assert.equal(pairingOf(state, 2).received, 0);
    assert.deepEqual(samplesOf(state, 2).map((s) => [s.key, s.fromPhone]), [['c', undefined], ['own', false]]);
  });

  test('ending the link, or deleting its class, ends the pairing; pictures stay', () => {
    let state = actions.phonePicturesListed(opened(), { classId: 2, samples: [serverSample('p1', 2)] });
    const ended = applyUnchanged('pairingClosed', state, { classId: 2 });
    assert.deepEqual(ended.pairings, []);
    assert.ok(ended.samples.has('p1'));
    assert.equal(actions.pairingClosed(ended, { classId: 2 }), ended);
    state = actions.classDeleted(state, { classId: 2 });
    assert.deepEqual(state.pairings, []);
  });

  test('a link past its expiry is one to end', () => {
    const state = opened();
    assert.deepEqual(expiredPairings(state, Date.parse('2026-12-01T10:09:59Z')), []);
    assert.deepEqual(expiredPairings(state, Date.parse('2026-12-01T10:10:00Z')), [2]);
  });

  test("a teacher's studio moderates but does not write", () => {
    assert.deepEqual([initialState({ canWrite: true }).canModerate, initialState().canModerate], [true, false]);
    const teacher = initialState({ canWrite: false, canModerate: true });
    assert.deepEqual([teacher.canWrite, teacher.canModerate], [false, true]);
  });
});

describe('choosing the image model', () => {
  const backbone = (id, architecture, created, bytes) => ({ id, download_bytes: bytes, metadata: { architecture, created } });
  const listed = [
    backbone('old-mobile', 'MobileNetV2', '2026-01-01', 1),
    backbone('effnet', 'EfficientNet-Lite0', '2026-12-01T05:43', 6_718_476),
    backbone('mobile', 'MobileNetV2', '2026-12-01T05:01', 4_428_040),
    backbone('other', 'ResNet50', '2026-12-02', 1),
  ];

  test('faster is the newest MobileNetV2, more accurate the newest EfficientNet-Lite0, each with its download size', () => {
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
  const listed = (id, architecture) => ({ id, metadata: { architecture, created: '2026-12-01' }, download_bytes: 1 });
  const state = actions.backbonesListed(initialState(), { backbones: [listed('m1', 'MobileNetV2'), listed('e1', 'EfficientNet-Lite0')] });
  assert.deepEqual(finetuneNetwork({ ...state, job: { backbone_id: 'e1' } }), { architecture: 'EfficientNet-Lite0', kind: 'moreAccurate' });
  assert.deepEqual(finetuneNetwork({ ...state, job: { backbone_id: 'm1' } }), { architecture: 'MobileNetV2', kind: 'faster' });
  assert.equal(finetuneNetwork({ ...state, job: { backbone_id: 'old' } }), null, 'an export no longer offered');
  assert.equal(finetuneNetwork(state), null, 'no job');
});
