import assert from 'node:assert/strict';
import { test } from 'node:test';

import { createRenderScheduler, HIDDEN_TAB_MS } from '../../studio/renderScheduler.js';

// A page's clock, frames and timers, run by hand.
function fakePage() {
  let clock = 0;
  const frames = [];
  const timers = [];
  return {
    now: () => clock,
    requestFrame: (f) => frames.push(f),
    setTimer: (f, ms) => timers.push({ f, at: clock + ms }),
    frame() {
      for (const f of frames.splice(0)) f();
    },
    advance(ms) {
      clock += ms;
      for (const timer of timers.filter((t) => t.at <= clock)) {
        timers.splice(timers.indexOf(timer), 1);
        timer.f();
      }
    },
    spend(ms) {
      clock += ms;
    },
  };
}

test('many requests before a frame draw once, at the frame', () => {
  const page = fakePage();
  let draws = 0;
  const renderer = createRenderScheduler(() => (draws += 1), page);
  for (let i = 0; i < 100; i += 1) renderer.schedule();
  assert.equal(draws, 0);
  page.frame();
  assert.equal(draws, 1);
  page.advance(HIDDEN_TAB_MS); // the hidden tab's timer finds nothing left to draw
  assert.equal(draws, 1);
});

test('a hidden tab (no frames) still draws within a quarter second', () => {
  const page = fakePage();
  let draws = 0;
  const renderer = createRenderScheduler(() => (draws += 1), page);
  renderer.schedule();
  page.advance(HIDDEN_TAB_MS - 1);
  assert.equal(draws, 0);
  page.advance(1);
  assert.equal(draws, 1);
});

test('a slow drawing spaces out the next: four times its length pass first', () => {
  const page = fakePage();
  let draws = 0;
  const renderer = createRenderScheduler(() => {
    draws += 1;
    page.spend(50);
  }, page);
  renderer.schedule();
  page.frame();
  renderer.schedule();
  page.frame();
  assert.equal(draws, 1, 'too soon after a 50 ms drawing');
  page.advance(199);
  page.frame();
  assert.equal(draws, 1);
  page.advance(1);
  page.frame();
  assert.equal(draws, 2);
});

test('render draws at once and settles what was asked for', () => {
  const page = fakePage();
  let draws = 0;
  const renderer = createRenderScheduler(() => (draws += 1), page);
  renderer.schedule();
  renderer.render();
  page.frame();
  assert.equal(draws, 1);
});
