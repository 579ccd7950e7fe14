// The studio's state: classes, pictures, uploads and paired phones (studioContent.js).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import {
  actions,
  classNamed,
  draggedIds,
  droppedUrls,
  expiredPairings,
  initialState,
  movePosition,
  nextClassName,
  pairingOf,
  samplesOf,
  selectedSamples,
  statusParts,
  thumbnailUrl,
  undoPlan,
} from '../studioState.js';
import { applyUnchanged, classOf, loaded, names, serverSample } from './studioFixtures.mjs';

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
