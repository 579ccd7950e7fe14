import assert from 'node:assert/strict';
import { test } from 'node:test';

import { createEmbedder } from '../embedder.js';

const DIM = 3;
const pairOf = (value) => new Float32Array(2 * DIM).fill(value);
const base64 = (floats) => Buffer.from(floats.buffer).toString('base64');

function fakeApi(copies = {}) {
  const puts = [];
  return {
    puts,
    projectEmbeddings: async () => ({ embeddings: copies }),
    putEmbedding: async (id, _backboneId, buffer) => puts.push([id, new Float32Array(buffer)[0]]),
  };
}

const memoryCache = () => {
  const store = new Map();
  return { store, get: async (key) => store.get(key), put: async (key, value) => void store.set(key, value) };
};

test('pictures keep being prepared in a background tab, where animation frames never come', async (t) => {
  // A hidden tab runs no requestAnimationFrame callback at all.
  globalThis.requestAnimationFrame = () => 0;
  t.after(() => delete globalThis.requestAnimationFrame);
  const copies = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`s${i}`, base64(pairOf(i))]));
  const embedder = createEmbedder({ backboneId: 'bb', compute: async () => pairOf(-1), api: fakeApi(copies), canWrite: true, cache: memoryCache() });
  embedder.prefetch();
  const pairs = await Promise.all(Array.from({ length: 40 }, (_, i) => embedder.request({ id: `s${i}`, sha256: `h${i}` })));
  assert.deepEqual(pairs.map((pair) => pair[0]), Array.from({ length: 40 }, (_, i) => i));
});

test('a pair is taken from the server, then the browser cache, and computed only when neither has it', async () => {
  const api = fakeApi({ a: base64(pairOf(1)) });
  const cache = memoryCache();
  cache.store.set('bb:hb', pairOf(2));
  const computed = [];
  const ready = [];
  const progress = [];
  const embedder = createEmbedder({
    backboneId: 'bb',
    api,
    canWrite: true,
    cache,
    compute: async (sample, image) => {
      computed.push([sample.id, image]);
      return pairOf(3);
    },
    onReady: (sha) => ready.push(sha),
    onProgress: (p) => progress.push(p),
  });
  embedder.prefetch();
  const [a, b, c, again] = await Promise.all([
    embedder.request({ id: 'a', sha256: 'ha' }),
    embedder.request({ id: 'b', sha256: 'hb' }),
    embedder.request({ id: 'c', sha256: 'hc' }, 'blob-of-c'),
    embedder.request({ id: 'c', sha256: 'hc' }),
  ]);
  assert.deepEqual([a[0], b[0], c[0], again[0]], [1, 2, 3, 3]);
  assert.deepEqual(computed, [['c', 'blob-of-c']]);
  assert.deepEqual(ready, ['ha', 'hb', 'hc']);
  assert.deepEqual(progress.at(-1), { done: 3, total: 3, computed: 1 });
  // Computed here: kept in this browser and sent to the server; from this browser's cache: sent too.
  assert.deepEqual(cache.store.get('bb:hc')[0], 3);
  assert.deepEqual(api.puts.sort(), [['b', 2], ['c', 3]]);
  assert.equal(embedder.get('ha')[0], 1);
});

test('a picture that cannot be prepared is reported, and the queue goes on', async () => {
  const embedder = createEmbedder({
    backboneId: 'bb',
    api: fakeApi(),
    canWrite: false,
    cache: memoryCache(),
    compute: async (sample) => {
      if (sample.id === 'bad') throw new Error('not an image');
      return pairOf(5);
    },
  });
  const bad = embedder.request({ id: 'bad', sha256: 'h1' });
  const good = embedder.request({ id: 'good', sha256: 'h2' });
  await assert.rejects(bad, /not an image/);
  assert.equal((await good)[0], 5);
});

test('a picture deleted before its turn is neither computed nor sent to the server', async () => {
  const api = fakeApi();
  const computed = [];
  let release;
  const gate = new Promise((resolve) => (release = resolve));
  const embedder = createEmbedder({
    backboneId: 'bb',
    api,
    canWrite: true,
    cache: memoryCache(),
    compute: async (sample) => {
      computed.push(sample.id);
      await gate;
      return pairOf(1);
    },
  });
  const first = embedder.request({ id: 'a', sha256: 'ha' });
  const second = embedder.request({ id: 'b', sha256: 'hb' });
  await new Promise((resolve) => setTimeout(resolve, 0));
  embedder.forget(['a', 'b']);
  release();
  await assert.rejects(first, { name: 'AbortError' });
  await assert.rejects(second, { name: 'AbortError' });
  assert.deepEqual(computed, ['a']);
  assert.deepEqual(api.puts, []);
});
