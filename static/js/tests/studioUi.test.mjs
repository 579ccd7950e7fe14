// The studio's state of the moment (`ui`, pictures being made, deletions under way): each
// changes through an action, tested here without the modules that dispatch them.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { actions, canSwitchBackbone, initialState, listingOutdated, pendingUploads } from '../studioState.js';

const labels = [{ id: 1, name: 'Cats' }];
const loaded = () =>
  actions.projectLoaded(initialState({ canWrite: true }), { project: { id: 'p', title: 'P', classes: [{ id: 1, name: 'Cats', position: 0 }] } });
const trained = (state, head) => actions.trained(actions.trainingStarted(state, { settings: {} }), { head, labels, metrics: {} });

describe('ui', () => {
  test('a held-out digest is kept only for the head it was computed for', () => {
    const first = { n: 1 };
    let state = trained(loaded(), first);
    const late = actions.heldOutDigested(trained(state, { n: 2 }), { head: first, digest: 'old' });
    assert.equal(late.ui.quickHeldOut, null);
    state = actions.heldOutDigested(state, { head: first, digest: 'd1' });
    assert.equal(state.ui.quickHeldOut, 'd1');
    assert.equal(trained(state, { n: 3 }).ui.quickHeldOut, null, 'a new head: its pictures are not known yet');
  });

  test('training clears the last error when it starts; a failure sets it; a new head clears the save message', () => {
    let state = actions.trainingStarted(loaded(), { settings: {} });
    state = actions.trainingEnded(state, { error: 'no memory' });
    assert.equal(state.ui.trainError, 'no memory');
    assert.equal(actions.trainingStarted(state, { settings: {} }).ui.trainError, null);
    state = actions.saveFailed(state, { error: 'offline' });
    assert.equal(trained(state, {}).ui.saveMessage, null);
  });

  test('one save at a time', () => {
    const saving = actions.saveStarted(loaded());
    assert.equal(actions.saveStarted(saving), saving);
    assert.deepEqual(saving.ui.saveMessage, { key: 'savingModel', params: {} });
  });

  test('each download says its news in its own place', () => {
    let state = actions.downloadStarted(loaded(), { kind: 'export', name: 'm.zip' });
    assert.deepEqual(state.ui.exportMessage, { key: 'preparingExport', params: { name: 'm.zip' } });
    state = actions.downloadFailed(state, { kind: 'notebook', error: 'x' });
    assert.deepEqual(state.ui.notebookMessage, { key: 'error', params: { reason: 'x' } });
    assert.equal(state.notice, null);
    assert.equal(actions.downloadStarted(state, { kind: 'project', name: 'project.zip' }), state);
    assert.deepEqual(actions.downloadFailed(state, { kind: 'project', error: 'y' }).notice, { key: 'error', params: { reason: 'y' }, action: null });
  });

  test('loading the fine-tuned model shows until it is chosen or fails', () => {
    const loading = actions.serverModelLoading(loaded());
    assert.equal(loading.ui.loadingServerModel, true);
    assert.equal(actions.serverModelChosen(loading, { model: null }).ui.loadingServerModel, false);
    const failed = actions.finetuneFailed(loading, { error: 'gone' });
    assert.deepEqual([failed.ui.loadingServerModel, failed.ui.finetuneError], [false, 'gone']);
    assert.equal(actions.finetuneRequested(failed).ui.finetuneError, null);
  });

  test('a classroom quiz report goes saving, then saved or not saved with the reason', () => {
    const state = actions.quizReportStarted(loaded());
    assert.equal(state.ui.quizReport.key, 'quizSaving');
    assert.equal(actions.quizReported(state).ui.quizReport.key, 'quizSaved');
    assert.deepEqual(actions.quizReportFailed(state, { error: 'offline' }).ui.quizReport, { key: 'quizNotSaved', params: { reason: 'offline' } });
  });
});

describe('pictures being made and deletions under way', () => {
  test('pictures being made count as pending and hold a backbone switch; the count never goes below zero', () => {
    let state = actions.backbonesListed(loaded(), { backbones: [{ id: 'm', kind: 'faster', metadata: {} }, { id: 'e', kind: 'moreAccurate', metadata: {} }] });
    state = actions.preparingChanged(state, { by: 2 });
    state = actions.uploadsChanged(state, { pending: 1, failing: false });
    assert.equal(pendingUploads(state), 3, 'the uploader keeps the count of pictures being made');
    assert.equal(canSwitchBackbone(state), false);
    state = actions.uploadsChanged(actions.preparingChanged(state, { by: -5 }), { pending: 0, failing: false });
    assert.equal(state.uploads.preparing, 0);
    assert.equal(canSwitchBackbone(state), true);
  });

  test('a phone listing asked for before a deletion began or ended is dropped', () => {
    let state = actions.pairingOpened(loaded(), { classId: 1, url: '/phone', expiresAt: '2099-01-01' });
    const seen = state.deletions;
    const picture = { id: 'p1', class_id: 1, sha256: 'h', image_url: '/i' };
    state = actions.deletionStarted(state);
    assert.equal(listingOutdated(state, seen), true);
    assert.equal(actions.phonePicturesListed(state, { classId: 1, samples: [picture], deletionsSeen: seen }), state);
    const during = state.deletions;
    state = actions.samplesDeleted(state, { ids: [] });
    assert.equal(listingOutdated(state, during), true, 'the deletion ended meanwhile');
    const fresh = actions.phonePicturesListed(state, { classId: 1, samples: [picture], deletionsSeen: state.deletions });
    assert.equal(fresh.samples.get('p1').fromPhone, true);
  });
});
