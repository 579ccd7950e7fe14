import assert from 'node:assert/strict';
import { test } from 'node:test';

import { createDeviceCopy } from '../../studio/deviceCopy.js';
import { createStore } from '../../studio/store.js';
import { initialState } from '../../studioState.js';

const project = { id: 'p1', title: 'Pets', backbone_id: 'effnet', classroom: null, classes: [{ id: 1, name: 'Cats', position: 0 }] };

function setUp(canWrite = true) {
  const projects = [];
  const heads = [];
  const follow = createDeviceCopy({ keepProject: (p) => projects.push(p), keepTrained: (t) => heads.push(t) });
  const store = createStore(initialState({ canWrite }), { revoke: () => {}, onChange: () => follow(store.state) });
  return { store, projects, heads };
}

test('the device keeps the project as the API gives it, again when its classes change', () => {
  const { store, projects } = setUp();
  store.dispatch('projectLoaded', { project });
  assert.deepEqual(projects, [{ id: 'p1', title: 'Pets', classroom: null, backbone_id: 'effnet', classes: project.classes }]);
  store.dispatch('noticeShown', { key: 'error' });
  assert.equal(projects.length, 1, 'nothing written while the project stays the same');
  store.dispatch('classAdded', { cls: { id: 2, name: 'Dogs', position: 1 } });
  assert.deepEqual(projects.at(-1).classes.map((c) => c.name), ['Cats', 'Dogs']);
  // What it keeps opens the same project again.
  const reopened = createStore(initialState({ canWrite: true }), { revoke: () => {} });
  reopened.dispatch('projectLoaded', { project: projects.at(-1) });
  assert.deepEqual(reopened.state.project, store.state.project);
});

test('each newly trained head is kept; a read-only page keeps nothing', () => {
  const { store, heads } = setUp();
  store.dispatch('projectLoaded', { project });
  store.dispatch('trainingStarted', { settings: {} });
  store.dispatch('trained', { head: { n: 1 }, labels: [], metrics: {} });
  store.dispatch('noticeShown', { key: 'error' });
  assert.deepEqual(heads.map((t) => t.head), [{ n: 1 }]);
  const readOnly = setUp(false);
  readOnly.store.dispatch('projectLoaded', { project });
  assert.deepEqual([readOnly.projects, readOnly.heads], [[], []]);
});
