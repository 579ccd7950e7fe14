import assert from 'node:assert/strict';
import test from 'node:test';

import { downscaledSize, MAX_SIDE } from '../downscale.js';

test('a phone photo is scaled so its longest side is 512 px, keeping its shape', () => {
  assert.deepEqual(downscaledSize(4032, 3024), { width: MAX_SIDE, height: 384 });
  assert.deepEqual(downscaledSize(3024, 4032), { width: 384, height: MAX_SIDE });
});

test('a picture already small enough keeps its size', () => {
  assert.deepEqual(downscaledSize(224, 224), { width: 224, height: 224 });
  assert.deepEqual(downscaledSize(512, 100), { width: 512, height: 100 });
});

test('a very thin picture keeps at least one pixel', () => {
  assert.deepEqual(downscaledSize(10000, 3), { width: 512, height: 1 });
});
