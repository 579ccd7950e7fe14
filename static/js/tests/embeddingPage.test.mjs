import assert from 'node:assert/strict';
import { test } from 'node:test';

import { float16ToFloat32, readEmbeddingPage, writeEmbeddingBatch } from '../embeddingPage.js';

// A page laid out as server/api/embeddings.py writes it.
function pageBytes(header, numbers) {
  let text = JSON.stringify(header);
  text += ' '.repeat((8 - ((4 + text.length) % 8)) % 8);
  const bytes = new Uint8Array(4 + text.length + numbers.byteLength);
  new DataView(bytes.buffer).setUint32(0, text.length, true);
  bytes.set(new TextEncoder().encode(text), 4);
  bytes.set(new Uint8Array(numbers.buffer), 4 + text.length);
  return bytes.buffer;
}

test('a float32 page gives each sample its vectors, picture and mirror image', () => {
  const numbers = Float32Array.from({ length: 3 * 2 }, (_, i) => i + 0.5);
  const header = { backbone_id: 'bb', dim: 2, dtype: 'float32', ids: ['a', 'b'], counts: [2, 1], next_cursor: 'next' };
  const page = readEmbeddingPage(pageBytes(header, numbers));
  assert.equal(page.backboneId, 'bb');
  assert.deepEqual(page.ids, ['a', 'b']);
  assert.deepEqual([...page.pairs[0]], [0.5, 1.5, 2.5, 3.5]);
  assert.deepEqual([...page.pairs[1]], [4.5, 5.5]);
  assert.equal(page.nextCursor, 'next');
});

test('a float16 page is read back as float32 values', () => {
  // 1, -2, 0.5, 65504 (largest half), 2^-24 (smallest subnormal), -0, and 1/3 as float16 rounds it.
  const halves = Uint16Array.from([0x3c00, 0xc000, 0x3800, 0x7bff, 0x0001, 0x8000, 0x3555, 0x0000]);
  const header = { backbone_id: 'bb', dim: 4, dtype: 'float16', ids: ['a', 'b'], counts: [1, 1], next_cursor: null };
  const page = readEmbeddingPage(pageBytes(header, halves));
  assert.deepEqual([...page.pairs[0]], [1, -2, 0.5, 65504]);
  assert.deepEqual([...page.pairs[1]], [2 ** -24, -0, Math.fround(0.333251953125), 0]);
  assert.equal(page.nextCursor, null);
});

test('the empty last page of a project without stored embeddings', () => {
  const header = { backbone_id: 'bb', dim: 4, dtype: 'float16', ids: [], counts: [], next_cursor: null };
  const page = readEmbeddingPage(pageBytes(header, new Uint16Array(0)));
  assert.deepEqual(page.pairs, []);
});

test('a page whose numbers do not match its header is refused', () => {
  const header = { backbone_id: 'bb', dim: 4, dtype: 'float32', ids: ['a'], counts: [2], next_cursor: null };
  assert.throws(() => readEmbeddingPage(pageBytes(header, new Float32Array(4))), /expected 8/);
});

test('infinities and NaN decode from float16', () => {
  const values = float16ToFloat32(Uint16Array.from([0x7c00, 0xfc00, 0x7e00]));
  assert.deepEqual([values[0], values[1]], [Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]);
  assert.ok(Number.isNaN(values[2]));
});

test('a batch to store is laid out like a page: aligned header {ids, counts}, then float32', () => {
  const pairs = [Float32Array.of(1, 2, 3, 4), Float32Array.of(-1, -2)];
  const buffer = writeEmbeddingBatch(['a', 'é'], pairs, 2);
  const length = new DataView(buffer).getUint32(0, true);
  assert.equal((4 + length) % 8, 0);
  const header = JSON.parse(new TextDecoder().decode(new Uint8Array(buffer, 4, length)));
  assert.deepEqual(header, { ids: ['a', 'é'], counts: [2, 1] });
  assert.deepEqual([...new Float32Array(buffer, 4 + length)], [1, 2, 3, 4, -1, -2]);
  assert.throws(() => writeEmbeddingBatch(['a'], [Float32Array.of(1, 2, 3)], 2), /1 or 2 vectors/);
});
