import assert from 'node:assert/strict';
import { test } from 'node:test';

import { createPhones } from '../../studio/phones.js';
import { deferred, fakeApi, manualTimer, projectStore, serverSample, tick } from './fakes.mjs';

function setUp(handlers, now = 0) {
  const store = projectStore();
  const api = fakeApi(handlers);
  const prepared = [];
  const timer = manualTimer();
  const phones = createPhones({
    store,
    api,
    prepare: (sample) => prepared.push(sample.id),
    now: () => now,
    pollerOptions: timer.options,
  });
  return { store, api, phones, prepared, tickPoller: timer.fire, polling: () => timer.pending };
}

test('a paired class is asked for new pictures, which are prepared; unpairing stops asking', async () => {
  const { store, phones, prepared, tickPoller, polling } = setUp({
    startPairing: () => ({ url: '/phone#pair=x', expires_at: '2099-01-01T00:00:00Z' }),
    listSamples: () => ({
      samples: [serverSample('a', 1), serverSample('p1', 1)],
      next_cursor: null,
    }),
    endPairing: () => null,
  });
  await phones.pair(1);
  assert.equal(store.state.pairings.length, 1);
  assert.equal(polling(), true);
  await tickPoller();
  assert.deepEqual(prepared, ['p1']);
  assert.equal(store.state.pairings[0].received, 1);
  await phones.unpair(1);
  assert.equal(polling(), false);
});

test('an expired pairing is ended at the next tick', async () => {
  const { store, api, phones, tickPoller, polling } = setUp(
    {
      startPairing: () => ({ url: '/phone', expires_at: '1970-01-01T00:00:01Z' }),
      endPairing: () => null,
    },
    5000,
  );
  await phones.pair(2);
  await tickPoller();
  assert.deepEqual(store.state.pairings, []);
  assert.ok(api.calls.some((c) => c[0] === 'endPairing'));
  assert.equal(polling(), false);
});

test('a listing that overlapped a deletion is dropped', async () => {
  const answer = deferred();
  const { store, phones, prepared, tickPoller } = setUp({
    startPairing: () => ({ url: '/phone', expires_at: '2099-01-01T00:00:00Z' }),
    listSamples: () => answer.promise,
  });
  await phones.pair(1);
  const ticking = tickPoller();
  await tick();
  store.dispatch('deletionStarted'); // a deletion begins while the listing is on its way
  answer.resolve({ samples: [serverSample('p1', 1)], next_cursor: null });
  await ticking;
  assert.deepEqual(prepared, []);
  assert.equal(store.state.samples.has('p1'), false);
});
