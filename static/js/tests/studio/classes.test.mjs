import assert from 'node:assert/strict';
import { test } from 'node:test';

import { createClasses } from '../../studio/classes.js';
import { classNamed, samplesOf } from '../../studioState.js';
import { failing, fakeApi, projectStore } from './fakes.mjs';

function setUp(handlers) {
  const store = projectStore();
  const api = fakeApi(handlers);
  const log = [];
  const classes = createClasses({
    store,
    api,
    nameFor: (n) => `Class ${n}`,
    forgetUploads: (id) => log.push(['forgetUploads', id]),
    stopRecording: () => log.push(['stopRecording']),
    forget: (ids) => log.push(['forget', ids]),
  });
  return { store, api, classes, log };
}

test('a new class gets the next free default name from the server', async () => {
  const { store, api, classes } = setUp({ addClass: (name) => ({ id: 3, name, position: 2 }) });
  const cls = await classes.add();
  assert.deepEqual(api.calls, [['addClass', 'Class 3']]);
  assert.equal(cls.id, 3);
  assert.equal(classNamed(store.state, 'Class 3').id, 3);
});

test('a folder fills the class of its name, made only when missing', async () => {
  const { api, classes } = setUp({ addClass: (name) => ({ id: 3, name, position: 2 }) });
  assert.equal((await classes.classFor('Dogs')).id, 2);
  assert.equal((await classes.classFor('Fish')).id, 3);
  assert.deepEqual(api.calls, [['addClass', 'Fish']]);
});

test('a refused rename keeps the old name and says why', async () => {
  const { store, classes } = setUp({ updateClass: failing('name taken', 409) });
  assert.equal(await classes.rename(1, 'Dogs'), false);
  assert.equal(store.state.classes[0].name, 'Cats');
  assert.equal(store.state.notice.params.reason, 'name taken');
});

test('a move shows at once; when the server refuses it, its order wins', async () => {
  const { store, api, classes } = setUp({
    updateClass: failing('conflict', 409),
    getProject: () => ({
      classes: [
        { id: 1, name: 'Cats', position: 0 },
        { id: 2, name: 'Dogs', position: 1 },
      ],
    }),
  });
  await classes.move(1, 1);
  assert.deepEqual(
    api.calls.map((c) => c[0]),
    ['updateClass', 'getProject'],
  );
  assert.deepEqual(
    store.state.classes.map((c) => c.name),
    ['Cats', 'Dogs'],
  );
  await classes.move(1, -1); // already first: nothing to ask
  assert.equal(api.calls.length, 2);
});

test('deleting a class stops its recording and uploads, offers undo, and undo puts it back', async () => {
  const { store, api, classes, log } = setUp({
    deleteClass: () => null,
    addClass: (name) => ({ id: 7, name, position: 1 }),
    updateClass: () => null,
    relabelSamples: (ids, classId) => ({ samples: ids.map((id) => ({ id, class_id: classId })) }),
    getProject: () => ({
      classes: [
        { id: 7, name: 'Cats', position: 0 },
        { id: 2, name: 'Dogs', position: 1 },
      ],
    }),
  });
  store.dispatch('recordingStarted', { classId: 1 });
  await classes.remove(1);
  assert.deepEqual(log, [['forgetUploads', 1], ['stopRecording']]);
  assert.equal(samplesOf(store.state, null).length, 2);
  assert.deepEqual(store.state.notice, {
    key: 'classDeleted',
    params: { name: 'Cats' },
    action: { label: 'undo', event: 'undo-delete' },
  });
  await classes.undoDelete();
  assert.deepEqual(
    api.calls.find((c) => c[0] === 'relabelSamples'),
    ['relabelSamples', ['a', 'b'], 7],
  );
  assert.deepEqual(
    samplesOf(store.state, 7).map((s) => s.id),
    ['a', 'b'],
  );
  assert.deepEqual(
    store.state.classes.map((c) => [c.id, c.name]),
    [
      [7, 'Cats'],
      [2, 'Dogs'],
    ],
  );
});

test('a deletion counts as begun and ended around the server calls; only pictures it deleted go', async () => {
  const { store, classes, log } = setUp({
    deleteSample: (id) => (id === 'b' ? failing('gone')() : null),
  });
  const seen = store.state.deletions;
  await classes.deleteSamples(['a', 'b']);
  assert.equal(store.state.deletions, seen + 2);
  assert.deepEqual([...store.state.samples.keys()], ['b', 'c']);
  assert.deepEqual(log, [['forget', ['a', 'b']]]);
});

test('relabelling moves what the server moved', async () => {
  const { store, classes, api } = setUp({
    relabelSamples: (ids, classId) => ({ samples: ids.map((id) => ({ id, class_id: classId })) }),
  });
  await classes.relabel(['a'], 2);
  await classes.relabel([], 2);
  assert.equal(api.calls.length, 1);
  assert.equal(store.state.samples.get('a').classId, 2);
});
