import assert from 'node:assert/strict';
import { test } from 'node:test';

import { ApiError } from '../api.js';
import { createPhoneQueue } from '../phoneQueue.js';

// The phone's IndexedDB as a Map, a server that answers as `answer(blob)` says, and a timer
// that runs when the test says.
function setUp({ answer = () => ({}), keep } = {}) {
  const kept = new Map();
  let nextId = 1;
  const received = [];
  const timers = [];
  const changes = [];
  const device = {
    keep: keep ?? (async (blob) => kept.set(nextId, blob) && nextId++),
    waiting: async () => [...kept].map(([id, blob]) => ({ id, blob })),
    saved: async (id) => kept.delete(id),
    forget: async () => kept.clear(),
  };
  const send = async (blob) => {
    const reply = answer(blob);
    if (reply instanceof Error) throw reply;
    received.push(blob);
  };
  const queue = createPhoneQueue({ device, send, onChange: (s) => changes.push(s), setTimer: (fn) => timers.push(fn) });
  return { queue, kept, received, timers, changes };
}

const unreachable = () => new ApiError({ status: 0, title: 'Network error' });

test('a picture is kept on the phone, sent, then deleted from it', async () => {
  const { queue, kept, received } = setUp();
  await queue.add('a');
  await queue.add('b');
  assert.deepEqual(received, ['a', 'b']);
  assert.equal(kept.size, 0);
  assert.deepEqual(queue.status(), { sent: 2, waiting: 0, ended: false, refused: null, full: false, lost: 0 });
});

test('while the server cannot be reached pictures wait on the phone, and go once it answers', async () => {
  let down = true;
  const { queue, kept, received, timers } = setUp({ answer: () => (down ? unreachable() : {}) });
  await queue.add('a');
  await queue.add('b');
  assert.deepEqual([kept.size, received.length, queue.status().waiting], [2, 0, 2]);
  assert.equal(timers.length, 1, 'one retry planned, not one per picture');
  down = false;
  timers.shift()();
  await queue.resume();
  assert.deepEqual(received, ['a', 'b']);
  assert.deepEqual([kept.size, queue.status().sent, queue.status().waiting], [0, 2, 0]);
});

test('a page opened again sends what an earlier one left on the phone', async () => {
  const { queue, kept, received } = setUp();
  kept.set(7, 'left');
  await queue.resume();
  assert.deepEqual(received, ['left']);
  assert.equal(kept.size, 0);
});

test('an ended pairing deletes the pictures waiting for it; a refused picture is said and dropped', async () => {
  const ended = setUp({ answer: () => new ApiError({ status: 401, title: 'ended' }) });
  ended.kept.set(1, 'old');
  await ended.queue.add('new');
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(ended.kept.size, 0);
  assert.equal(ended.queue.status().ended, true);
  assert.deepEqual(ended.received, []);

  const refused = setUp({ answer: (blob) => (blob === 'bad' ? new ApiError({ status: 400, title: 'Bad', detail: 'not a picture' }) : {}) });
  await refused.queue.add('bad');
  await refused.queue.add('good');
  assert.deepEqual(refused.received, ['good']);
  assert.equal(refused.kept.size, 0);
  assert.equal(refused.queue.status().refused, 'not a picture');
});

test('a full phone is said; its pictures go from the page, and one that fails is counted lost', async () => {
  let down = false;
  const full = () => Promise.reject(new DOMException('full', 'QuotaExceededError'));
  const { queue, received } = setUp({ keep: full, answer: () => (down ? unreachable() : {}) });
  await queue.add('a');
  down = true;
  await queue.add('b');
  assert.deepEqual(received, ['a']);
  assert.deepEqual([queue.status().full, queue.status().sent, queue.status().lost], [true, 1, 1]);
});
