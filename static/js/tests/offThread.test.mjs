import assert from 'node:assert/strict';
import { test } from 'node:test';

import { startWorkerPool, workerCount } from '../offThread.js';

// A stand-in for startWorker: workers that compute in `ms` and record what they did.
function fakeWorkers({ ms = 5, failAfter = Infinity } = {}) {
  const started = [];
  const start = async () => {
    if (started.length >= failAfter) throw new Error('no more workers');
    const worker = { name: `w${started.length}`, busy: 0, most: 0, done: [] };
    worker.compute = async (sample) => {
      worker.busy += 1;
      worker.most = Math.max(worker.most, worker.busy);
      await new Promise((resolve) => setTimeout(resolve, ms));
      worker.busy -= 1;
      worker.done.push(sample.id);
      return worker.name;
    };
    worker.train = async () => worker.name;
    worker.backend = 'wasm';
    started.push(worker);
    return worker;
  };
  return { start, started };
}

test('two workers on two or more cores, one on a single core', () => {
  assert.equal(workerCount(1), 1);
  assert.equal(workerCount(undefined), 1);
  assert.equal(workerCount(2), 2);
  assert.equal(workerCount(16), 2);
});

test('pictures are shared between the workers, one at a time each, and training stays in the first', async () => {
  const { start, started } = fakeWorkers();
  const sizes = [];
  const pool = await startWorkerPool({ count: 2, start, onSize: (size) => sizes.push(size) });
  const answers = await Promise.all(Array.from({ length: 10 }, (_, i) => pool.compute({ id: i })));
  assert.equal(started.length, 2);
  assert.deepEqual(sizes, [1, 2]);
  for (const worker of started) assert.equal(worker.most, 1, `${worker.name} computed one picture at a time`);
  assert.ok(started.every((worker) => worker.done.length > 0), 'both workers computed');
  assert.deepEqual([...started[0].done, ...started[1].done].sort((a, b) => a - b), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  assert.equal(answers.length, 10);
  assert.equal(await pool.train(), 'w0');
});

test('a worker that does not start leaves the pool working with the others', async (t) => {
  t.mock.method(console, 'warn', () => {});
  const { start, started } = fakeWorkers({ failAfter: 1 });
  const pool = await startWorkerPool({ count: 2, start });
  const answers = await Promise.all(Array.from({ length: 4 }, (_, i) => pool.compute({ id: i })));
  assert.deepEqual(answers, ['w0', 'w0', 'w0', 'w0']);
  assert.equal(started[0].most, 1);
});

test('the pool fails to start when its first worker does', async () => {
  const { start } = fakeWorkers({ failAfter: 0 });
  await assert.rejects(startWorkerPool({ count: 2, start }), /no more workers/);
});
