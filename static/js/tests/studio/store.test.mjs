import assert from 'node:assert/strict';
import { test } from 'node:test';

import { createStore } from '../../studio/store.js';
import { initialState } from '../../studioState.js';
import { projectStore } from './fakes.mjs';

test('dispatch runs the named action and tells the page; apply changes the state without telling', () => {
  const store = projectStore();
  const before = store.changes();
  store.dispatch('projectRenamed', { title: 'Animals' });
  assert.equal(store.state.project.title, 'Animals');
  assert.equal(store.changes(), before + 1);
  store.apply('projectRenamed', { title: 'Zoo' });
  assert.equal(store.state.project.title, 'Zoo');
  assert.equal(store.changes(), before + 1);
});

test('an unknown action is an error, not a silent no-op', () => {
  assert.throws(
    () => createStore(initialState()).dispatch('noSuchAction', {}),
    /no studio action noSuchAction/,
  );
});

test('the object URLs a new state lets go of are revoked, the kept ones are not', () => {
  const store = projectStore();
  store.dispatch('sampleCaptured', { key: 'local-1', classId: 1, url: 'blob:1' });
  store.dispatch('sampleCaptured', { key: 'local-2', classId: 1, url: 'blob:2' });
  store.dispatch('uploadRefused', { key: 'local-1', error: 'too big' });
  store.dispatch('sampleToggled', { key: 'local-1' }); // a refused picture dismissed
  assert.deepEqual(store.revoked, ['blob:1']);
});

test('attempt answers the call, or null with the failure said in a notice', async () => {
  const store = projectStore();
  assert.equal(await store.attempt(async () => 42), 42);
  assert.equal(store.state.notice, null);
  assert.equal(
    await store.attempt(async () => {
      throw new Error('offline');
    }),
    null,
  );
  assert.deepEqual(store.state.notice, {
    key: 'error',
    params: { reason: 'offline' },
    action: null,
  });
});

test('a call that got no answer at all says so plainly, not as something gone wrong', async () => {
  const store = projectStore();
  const unreachable = Object.assign(new Error('The server cannot be reached (Failed to fetch).'), { status: 0 });
  assert.equal(
    await store.attempt(async () => {
      throw unreachable;
    }),
    null,
  );
  assert.deepEqual(store.state.notice, { key: 'unreachable', params: { reason: unreachable.message }, action: null });
});
