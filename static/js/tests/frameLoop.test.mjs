import assert from 'node:assert/strict';
import { test } from 'node:test';

import { createFrameLoop } from '../frameLoop.js';

const tick = () => new Promise((resolve) => setTimeout(resolve, 0));

test('stopping and starting again while a step is in flight keeps a single loop', async () => {
  let inFlight = 0;
  let most = 0;
  let steps = 0;
  const releases = [];
  const loop = createFrameLoop(
    async () => {
      inFlight += 1;
      most = Math.max(most, inFlight);
      await new Promise((resolve) => releases.push(resolve));
      inFlight -= 1;
      steps += 1;
    },
    { nextFrame: (done) => setTimeout(done, 0) },
  );
  loop.start();
  await tick();
  // A camera switch: the loop is stopped and started while its step waits for a prediction.
  loop.stop();
  loop.start();
  for (let i = 0; i < 5; i += 1) {
    releases.shift()?.();
    await tick();
    await tick();
  }
  assert.equal(most, 1);
  assert.ok(steps >= 3, `${steps} steps`);
  loop.stop();
  releases.shift()?.();
  await tick();
  await tick();
  assert.equal(loop.running(), false);
});

test('a loop stops when it can no longer run (the camera went off)', async () => {
  let on = true;
  let steps = 0;
  const loop = createFrameLoop(async () => {
    steps += 1;
    if (steps === 3) on = false;
  }, { nextFrame: (done) => setTimeout(done, 0), canRun: () => on });
  loop.start();
  for (let i = 0; i < 10; i += 1) await tick();
  assert.equal(steps, 3);
  assert.equal(loop.running(), false);
  assert.equal(loop.wanted(), false);
  loop.start();
  assert.equal(loop.running(), false);
});
