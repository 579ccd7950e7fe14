import assert from 'node:assert/strict';
import { test } from 'node:test';

import { createEmbeddingSender, failureAction, KEEPALIVE_BYTES, MAX_PER_REQUEST, nextBatch } from '../embeddingSender.js';

const pair = (value, length = 4) => new Float32Array(length).fill(value);
const wait = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
// Waits for `done()` (a busy machine may be slow to run the timers), failing after 10 s.
async function until(done) {
  for (const start = Date.now(); !done(); await wait(5)) assert.ok(Date.now() - start < 10_000, 'timed out');
}

// A server that stores pairs, answering each request with `answers.shift()` when one is given:
// an error to throw, or undefined to store them.
function fakeServer(answers = []) {
  const requests = [];
  const stored = new Map();
  return {
    requests,
    stored,
    async send(ids, pairs, { keepalive }) {
      requests.push({ ids, keepalive });
      const error = answers.shift();
      if (error) throw error;
      ids.forEach((id, i) => {
        stored.set(id, pairs[i][0]);
      });
    },
  };
}

const apiError = (status, problem = {}) => Object.assign(new Error(`HTTP ${status}`), { status, problem: { status, ...problem } });

test('a full batch goes at once in one request; fewer go after a quiet moment', async () => {
  const server = fakeServer();
  const sender = createEmbeddingSender(server.send, { batchSize: 3, quietMs: 300 });
  for (const id of ['a', 'b', 'c']) sender.add(id, pair(1));
  await until(() => server.requests.length === 1);
  assert.deepEqual(server.requests.map((r) => r.ids), [['a', 'b', 'c']]);
  const added = Date.now();
  sender.add('d', pair(2));
  sender.add('e', pair(3));
  await until(() => server.requests.length === 2);
  assert.ok(Date.now() - added >= 290, 'two pairs wait for a quiet moment');
  assert.deepEqual(server.requests.map((r) => r.ids), [['a', 'b', 'c'], ['d', 'e']]);
  assert.equal(sender.pending(), 0);
});

test('a request that fails is sent again until the server has its pairs', async () => {
  const server = fakeServer([apiError(0), apiError(503)]);
  const rejected = [];
  const sender = createEmbeddingSender(server.send, { quietMs: 1, onRejected: (e) => rejected.push(e) });
  sender.add('a', pair(1));
  sender.add('b', pair(2));
  await until(() => server.requests.length === 1);
  sender.add('b', pair(5)); // a newer pair for b, while the first try waits to be sent again
  await until(() => server.stored.size === 2);
  assert.deepEqual([...server.stored.entries()].sort(), [['a', 1], ['b', 5]]);
  assert.equal(server.requests.length, 3);
  assert.deepEqual(rejected, []);
});

test('pictures deleted meanwhile are dropped, and the rest of their batch is stored', async () => {
  const server = fakeServer([apiError(404, { missing_ids: ['b'] })]);
  const rejected = [];
  const sender = createEmbeddingSender(server.send, { quietMs: 1, onRejected: (e) => rejected.push(e) });
  for (const id of ['a', 'b', 'c']) sender.add(id, pair(id.charCodeAt(0)));
  await until(() => server.stored.size === 2);
  assert.deepEqual(server.requests.map((r) => r.ids), [['a', 'b', 'c'], ['a', 'c']]);
  assert.deepEqual([...server.stored.keys()], ['a', 'c']);
  assert.deepEqual(rejected, []);
});

test('a batch refused for one bad pair is sent one by one: the others are stored, the bad one reported', async () => {
  const bad = apiError(400);
  const server = fakeServer([bad, undefined, bad, undefined]);
  const rejected = [];
  const sender = createEmbeddingSender(server.send, { quietMs: 1, onRejected: (e, ids) => rejected.push([e, ids]) });
  for (const id of ['a', 'b', 'c']) sender.add(id, pair(1));
  await until(() => server.requests.length === 4);
  assert.deepEqual(server.requests.map((r) => r.ids), [['a', 'b', 'c'], ['a'], ['b'], ['c']]);
  assert.deepEqual([...server.stored.keys()], ['a', 'c']);
  assert.deepEqual(rejected, [[bad, ['b']]]);
  assert.equal(sender.pending(), 0);
});

test('pairs of pictures deleted before they are sent are not sent', async () => {
  const server = fakeServer();
  const sender = createEmbeddingSender(server.send, { quietMs: 10 });
  sender.add('a', pair(1));
  sender.add('b', pair(2));
  sender.forget(['a']);
  await until(() => server.requests.length === 1);
  await wait(30);
  assert.deepEqual(server.requests.map((r) => r.ids), [['b']]);
});

test('a closing page sends what keepalive allows; the rest stay for the next visit', () => {
  const server = fakeServer();
  const sender = createEmbeddingSender(server.send);
  const pairBytes = 2 * 1280 * 4;
  for (let i = 0; i < 10; i += 1) sender.add(`s${i}`, pair(i, 2 * 1280));
  sender.sendBeforeUnload();
  const fits = Math.floor(KEEPALIVE_BYTES / pairBytes);
  assert.equal(server.requests.length, 1);
  assert.equal(server.requests[0].ids.length, fits);
  assert.equal(server.requests[0].keepalive, true);
  assert.equal(sender.pending(), 10 - fits);
});

test('failures: which are retried, which drop deleted pictures, which split or are reported', () => {
  assert.equal(failureAction(apiError(0), 5), 'retry');
  assert.equal(failureAction(apiError(408), 5), 'retry');
  assert.equal(failureAction(apiError(429), 5), 'retry');
  assert.equal(failureAction(apiError(502), 5), 'retry');
  assert.equal(failureAction(apiError(404, { missing_ids: ['x'] }), 5), 'drop');
  assert.equal(failureAction(apiError(404), 5), 'reject'); // the project or backbone is gone
  assert.equal(failureAction(apiError(400), 5), 'split');
  assert.equal(failureAction(apiError(400), 1), 'reject');
  assert.equal(failureAction(apiError(403), 5), 'reject');
  assert.equal(failureAction(new TypeError('a bug'), 5), 'reject');
});

test('a request holds at most the server limit, and a pair split out travels alone', () => {
  const entries = Array.from({ length: MAX_PER_REQUEST + 5 }, (_, i) => ({ id: `s${i}`, pair: pair(i), single: false }));
  assert.equal(nextBatch(entries).length, MAX_PER_REQUEST);
  assert.deepEqual(nextBatch([{ ...entries[0], single: true }, entries[1]]).map((e) => e.id), ['s0']);
  assert.deepEqual(nextBatch([entries[0], { ...entries[1], single: true }]).map((e) => e.id), ['s0']);
  assert.equal(nextBatch(entries, { limitBytes: 3 * 16 }).length, 3);
});
