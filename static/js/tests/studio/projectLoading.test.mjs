import assert from 'node:assert/strict';
import { test } from 'node:test';

import { ApiError } from '../../api.js';
import { createProjectLoading } from '../../studio/projectLoading.js';
import { createStore } from '../../studio/store.js';
import { initialState } from '../../studioState.js';
import { fakeApi, serverSample } from './fakes.mjs';

const project = { id: 'p1', title: 'Pets', classes: [{ id: 1, name: 'Cats', position: 0 }] };

function setUp(handlers, { started = true, deviceCopy } = {}) {
  const store = createStore(initialState({ canWrite: true }), { revoke: () => {} });
  const prepared = [];
  const gone = [];
  const loading = createProjectLoading({ store, api: fakeApi(handlers), prepare: (s) => prepared.push(s.id), started: () => started, gone: () => gone.push(true), deviceCopy });
  return { store, loading, prepared, gone };
}

test('a project opens with its first page; the others come page by page and are prepared', async () => {
  const pages = { null: { samples: [serverSample('a', 1)], total: 3, next_cursor: 'c1' }, c1: { samples: [serverSample('b', 1)], total: 3, next_cursor: 'c2' }, c2: { samples: [serverSample('c', null)], total: 3, next_cursor: null } };
  const { store, loading, prepared } = setUp({ getProject: () => project, listSamples: (after = null) => pages[after] });
  const next = await loading.open();
  assert.equal(next, 'c1');
  assert.deepEqual(store.state.listing, { loaded: 1, total: 3, done: false });
  await loading.listRest(next);
  assert.deepEqual(store.state.listing, { loaded: 3, total: 3, done: true });
  assert.deepEqual(prepared, ['a', 'b', 'c']);
});

test('pictures listed before the embedder runs wait for it', async () => {
  const { loading, prepared } = setUp({ getProject: () => project, listSamples: () => ({ samples: [serverSample('a', 1)], next_cursor: null }) }, { started: false });
  assert.equal(await loading.open(), null);
  assert.deepEqual(prepared, []);
});

test('a project that cannot be opened says why; one gone for this page drops its waiting pictures', async () => {
  for (const [status, key, dropped] of [
    [404, 'projectNotFound', 1],
    [401, 'needOwnerLink', 1],
    [403, 'wrongOwnerLink', 0],
  ]) {
    const { store, loading, gone } = setUp({
      getProject: () => {
        throw new ApiError({ status, title: 'no' });
      },
    });
    assert.equal(await loading.open(), false);
    assert.equal(store.state.notice.key, key);
    assert.equal(gone.length, dropped, status);
  }
  const { store, loading, gone } = setUp({ getProject: () => project, listSamples: () => Promise.reject(new Error('offline')) });
  assert.equal(await loading.open(), false);
  assert.deepEqual(store.state.notice.params, { reason: 'offline' });
  assert.equal(gone.length, 0, 'an unreachable server keeps them');
});

test('a server out of reach opens the copy kept on this device: classes and the last trained head', async () => {
  const unreachable = () => {
    throw new ApiError({ status: 0, title: 'Network error' });
  };
  const trained = { head: { kept: true }, labels: [{ id: 1, name: 'Cats' }], metrics: {}, settings: {}, history: [], validation: null };
  const { store, loading, gone } = setUp({ getProject: unreachable }, { deviceCopy: async () => ({ project, trained }) });
  assert.equal(await loading.open(), null);
  assert.equal(loading.offline, true);
  assert.equal(store.state.project.title, 'Pets');
  assert.deepEqual(store.state.classes.map((c) => c.name), ['Cats']);
  assert.equal(store.state.trained, trained);
  assert.equal(store.state.listing.done, true);
  assert.equal(store.state.notice.key, 'openedOffline');
  assert.equal(gone.length, 0);

  // No copy on this device: it says the server cannot be reached, as before.
  const bare = setUp({ getProject: unreachable }, { deviceCopy: async () => undefined });
  assert.equal(await bare.loading.open(), false);
  assert.equal(bare.loading.offline, false);
  assert.equal(bare.store.state.notice.key, 'error');
  // A server that answers is never overruled by the copy.
  const online = setUp({ getProject: () => project, listSamples: () => ({ samples: [], next_cursor: null }) }, { deviceCopy: async () => ({ project: { ...project, title: 'Old' } }) });
  assert.equal(await online.loading.open(), null);
  assert.equal(online.store.state.project.title, 'Pets');
  assert.equal(online.loading.offline, false);
});
