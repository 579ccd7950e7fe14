import assert from 'node:assert/strict';
import { test } from 'node:test';

import { createPoller } from '../poller.js';
import { tick } from './studio/fakes.mjs';

// Timers run by hand: run() fires every timer set so far.
function fakeTimers() {
  const timers = new Map();
  let next = 0;
  return {
    setTimer: (f, ms) => {
      timers.set(++next, { f, ms });
      return next;
    },
    clearTimer: (id) => timers.delete(id),
    get pending() {
      return [...timers.values()].map((t) => t.ms);
    },
    async run() {
      const due = [...timers.values()];
      timers.clear();
      for (const { f } of due) await f();
      await tick();
    },
  };
}

test('a poller ticks after its interval and again while its tick says so', async () => {
  const timers = fakeTimers();
  const answers = [true, true, false];
  let ticks = 0;
  const poller = createPoller(
    async () => {
      ticks += 1;
      return answers.shift();
    },
    1500,
    timers,
  );
  poller.start();
  assert.deepEqual(timers.pending, [1500]);
  assert.equal(ticks, 0);
  await timers.run();
  await timers.run();
  await timers.run();
  assert.equal(ticks, 3);
  assert.deepEqual(timers.pending, [], 'the third tick said stop');
  assert.equal(poller.running, false);
});

test('a failed tick (a network hiccup) tries again; stop ends the round', async () => {
  const timers = fakeTimers();
  let ticks = 0;
  const poller = createPoller(
    async () => {
      ticks += 1;
      throw new Error('offline');
    },
    10,
    timers,
  );
  poller.start();
  await timers.run();
  assert.deepEqual(timers.pending, [10]);
  poller.stop();
  assert.deepEqual(timers.pending, []);
  assert.equal(ticks, 1);
});

test('starting again while running keeps one round, and a tick of a stopped round schedules nothing', async () => {
  const timers = fakeTimers();
  let release;
  const poller = createPoller(() => new Promise((resolve) => (release = resolve)), 10, timers);
  poller.start();
  poller.start();
  assert.deepEqual(timers.pending, [10]);
  const running = timers.run();
  await tick();
  poller.stop(); // while the tick waits for its answer
  release(true);
  await running;
  assert.deepEqual(timers.pending, []);
});
