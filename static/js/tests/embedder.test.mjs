import assert from 'node:assert/strict';
import { test } from 'node:test';

import { createEmbedder } from '../embedder.js';
import { QUIET_MS } from '../embeddingSender.js';

const DIM = 3;
const pairOf = (value) => new Float32Array(2 * DIM).fill(value);

// The server's copies (sample id -> pair), served `perPage` at a time like api.embeddingPage;
// `gates[n]`, when given, holds page n back until it resolves.
function fakeApi(copies = {}, { perPage = 1000, gates = [] } = {}) {
  const puts = [];
  const entries = Object.entries(copies);
  return {
    puts,
    pagesAsked: 0,
    async embeddingPage(_backboneId, after) {
      const start = after ? Number(after) : 0;
      const page = entries.slice(start, start + perPage);
      await gates[this.pagesAsked++];
      const next = start + perPage < entries.length ? String(start + perPage) : null;
      return { ids: page.map(([id]) => id), pairs: page.map(([, pair]) => pair), nextCursor: next };
    },
    // A batch as embeddingPage.js writes it: each picture's id and its pair's first number.
    async putEmbeddings(_backboneId, buffer) {
      const length = new DataView(buffer).getUint32(0, true);
      const { ids, counts } = JSON.parse(new TextDecoder().decode(new Uint8Array(buffer, 4, length)));
      const numbers = new Float32Array(buffer, 4 + length);
      let offset = 0;
      ids.forEach((id, i) => {
        puts.push([id, numbers[offset]]);
        offset += counts[i] * DIM;
      });
    },
  };
}

// Past the sender's quiet moment, when the pairs waiting to be stored have been sent.
const sent = () => new Promise((resolve) => setTimeout(resolve, QUIET_MS + 50));

const memoryCache = () => {
  const store = new Map();
  return { store, get: async (key) => store.get(key), put: async (key, value) => void store.set(key, value) };
};

test('pictures keep being prepared in a background tab, where animation frames never come', async (t) => {
  // A hidden tab runs no requestAnimationFrame callback at all.
  globalThis.requestAnimationFrame = () => 0;
  t.after(() => delete globalThis.requestAnimationFrame);
  const copies = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`s${i}`, pairOf(i)]));
  const embedder = createEmbedder({ backboneId: 'bb', dim: DIM, compute: async () => pairOf(-1), api: fakeApi(copies), canWrite: true, cache: memoryCache() });
  embedder.prefetch();
  const pairs = await Promise.all(Array.from({ length: 40 }, (_, i) => embedder.request({ id: `s${i}`, sha256: `h${i}` })));
  assert.deepEqual(pairs.map((pair) => pair[0]), Array.from({ length: 40 }, (_, i) => i));
});

test('a pair is taken from the server, then the browser cache, and computed only when neither has it', async () => {
  const api = fakeApi({ a: pairOf(1) });
  const cache = memoryCache();
  cache.store.set('bb:hb', pairOf(2));
  const computed = [];
  const ready = [];
  const progress = [];
  const embedder = createEmbedder({
    backboneId: 'bb',
    dim: DIM,
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
  await sent();
  assert.deepEqual(api.puts.sort(), [['b', 2], ['c', 3]]);
  assert.equal(embedder.get('ha')[0], 1);
});

test('a picture that cannot be prepared is reported, and the queue goes on', async () => {
  const embedder = createEmbedder({
    backboneId: 'bb',
    dim: DIM,
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
    dim: DIM,
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
  await sent();
  assert.deepEqual(api.puts, []);
});

test('stored pairs arrive a page at a time: the first pictures are ready before the last page', async () => {
  let releaseLast;
  const lastPage = new Promise((resolve) => (releaseLast = resolve));
  const copies = Object.fromEntries(Array.from({ length: 6 }, (_, i) => [`s${i}`, pairOf(i)]));
  const api = fakeApi(copies, { perPage: 2, gates: [undefined, undefined, lastPage] });
  const computed = [];
  const ready = [];
  const embedder = createEmbedder({
    backboneId: 'bb',
    dim: DIM,
    api,
    canWrite: true,
    cache: memoryCache(),
    compute: async (sample) => computed.push(sample.id) && pairOf(-1),
    onReady: (sha) => ready.push(sha),
  });
  embedder.prefetch();
  const pairs = Array.from({ length: 6 }, (_, i) => embedder.request({ id: `s${i}`, sha256: `h${i}` }));
  const firstFour = await Promise.all(pairs.slice(0, 4));
  assert.deepEqual(firstFour.map((pair) => pair[0]), [0, 1, 2, 3]);
  assert.deepEqual(ready.sort(), ['h0', 'h1', 'h2', 'h3']);
  await new Promise((resolve) => setTimeout(resolve, 10));
  assert.equal(embedder.get('h4'), undefined, 'the last page has not come');
  assert.deepEqual(computed, [], 'nothing is computed while its stored copy may still come');
  releaseLast();
  assert.deepEqual((await Promise.all(pairs.slice(4))).map((pair) => pair[0]), [4, 5]);
  assert.deepEqual(computed, []);
  assert.deepEqual(api.puts, []);
});

test('a picture asked for after its page came is ready at once; one no page holds is computed', async () => {
  const embedder = createEmbedder({ backboneId: 'bb', dim: DIM, api: fakeApi({ a: pairOf(1) }), canWrite: false, cache: memoryCache(), compute: async () => pairOf(7) });
  embedder.prefetch();
  await new Promise((resolve) => setTimeout(resolve, 0));
  const a = embedder.request({ id: 'a', sha256: 'ha' });
  assert.equal(embedder.get('ha')[0], 1, 'ready without waiting for the queue');
  const [pairA, pairB] = await Promise.all([a, embedder.request({ id: 'b', sha256: 'hb' })]);
  assert.deepEqual([pairA[0], pairB[0]], [1, 7]);
});

test('with two lanes, two pictures are computed at once, and every one exactly once', async () => {
  let inFlight = 0;
  let most = 0;
  const computed = [];
  // The first picture is slow: it finishes only once the last one is done (or after 2 s, so a
  // single lane fails the test instead of hanging).
  let lastDone;
  const slow = Promise.race([new Promise((resolve) => (lastDone = resolve)), new Promise((resolve) => setTimeout(resolve, 2000))]);
  const progress = [];
  const embedder = createEmbedder({
    backboneId: 'bb',
    api: fakeApi(),
    canWrite: false,
    cache: memoryCache(),
    lanes: 2,
    onProgress: (report) => progress.push(report),
    compute: async (sample) => {
      inFlight += 1;
      most = Math.max(most, inFlight);
      await (sample.id === 's0' ? slow : new Promise((resolve) => setTimeout(resolve, 1)));
      inFlight -= 1;
      computed.push(sample.id);
      if (sample.id === 's8') lastDone();
      return pairOf(Number(sample.id.slice(1)));
    },
  });
  const pairs = await Promise.all(Array.from({ length: 9 }, (_, i) => embedder.request({ id: `s${i}`, sha256: `h${i}` })));
  assert.equal(most, 2);
  assert.deepEqual(pairs.map((pair) => pair[0]), [0, 1, 2, 3, 4, 5, 6, 7, 8]);
  assert.deepEqual([...computed].sort(), ['s0', 's1', 's2', 's3', 's4', 's5', 's6', 's7', 's8']);
  assert.equal(computed.at(-1), 's0', 'the slow picture did not hold the other lane back');
  // While the slow picture was still in hand, nothing said every picture was done.
  const allDone = progress.findIndex(({ done, total }) => done === total);
  assert.equal(progress[allDone].done, 9, `said all done at ${JSON.stringify(progress[allDone])}`);
  // A picture asked for once the queue has drained is still computed.
  assert.equal((await embedder.request({ id: 's9', sha256: 'h9' }))[0], 9);
  assert.equal(computed.length, 10);
});

test('a picture prepared before the server had it is sent to the server once it has an id', async () => {
  const api = fakeApi({});
  const embedder = createEmbedder({ backboneId: 'bb', dim: DIM, compute: async () => pairOf(7), api, canWrite: true, cache: memoryCache() });
  embedder.prefetch();
  const pair = await embedder.request({ id: null, sha256: 'hx' }, 'blob');
  assert.equal(pair[0], 7);
  await sent();
  assert.deepEqual(api.puts, [], 'no id to store it under yet');
  assert.equal((await embedder.request({ id: 's1', sha256: 'hx' }, 'blob'))[0], 7);
  await embedder.request({ id: 's1', sha256: 'hx' }, 'blob');
  await sent();
  assert.deepEqual(api.puts, [['s1', 7]]);
});
