import assert from 'node:assert/strict';
import { test } from 'node:test';

import { createUploader } from '../uploader.js';

// A server like the real one: a class that no longer exists is a 400, the request stores nothing.
function fakeServer(classIds) {
  const requests = [];
  let next = 0;
  let gate = null;
  return {
    classIds,
    requests,
    // While held, requests wait until released, so a test can act while one is in flight.
    hold() {
      let release;
      gate = new Promise((resolve) => (release = resolve));
      return () => {
        gate = null;
        release();
      };
    },
    async uploadSamples(files, classId, source) {
      requests.push({ count: files.length, classId, source });
      if (gate) await gate;
      if (classId !== null && !classIds.has(classId)) throw Object.assign(new Error(`no class ${classId}`), { status: 400 });
      return { samples: files.map(() => ({ id: `s${++next}`, class_id: classId })) };
    },
  };
}

test('pictures queued for a class deleted before they are sent go to unlabelled', async () => {
  const server = fakeServer(new Set([5]));
  const rejected = [];
  const uploader = createUploader(server, { onRejected: (e) => rejected.push(e) });
  const saved = Promise.all([uploader.add('a', 5, 'webcam'), uploader.add('b', 5, 'webcam')]);
  server.classIds.delete(5);
  uploader.forgetClass(5);
  const samples = await saved;
  assert.deepEqual(samples.map((s) => s.class_id), [null, null]);
  assert.deepEqual(rejected, []);
  assert.deepEqual(server.requests, [{ count: 2, classId: null, source: 'webcam' }]);
});

test('pictures in flight when their class is deleted are sent again, unlabelled', async () => {
  const server = fakeServer(new Set([5]));
  const rejected = [];
  const uploader = createUploader(server, { onRejected: (e) => rejected.push(e) });
  const release = server.hold();
  const saved = uploader.add('a', 5, 'webcam');
  await new Promise((resolve) => setTimeout(resolve, 5));
  assert.equal(server.requests.length, 1);
  server.classIds.delete(5);
  uploader.forgetClass(5);
  release();
  assert.equal((await saved).class_id, null);
  assert.deepEqual(rejected, []);
  assert.deepEqual(uploader.state(), { pending: 0, failing: false });
});

test('a picture the server refuses for its own sake is still reported', async () => {
  const server = fakeServer(new Set([5]));
  server.uploadSamples = async () => {
    throw Object.assign(new Error('not an image'), { status: 415 });
  };
  const rejected = [];
  const uploader = createUploader(server, { onRejected: (e) => rejected.push(e.message) });
  await assert.rejects(uploader.add('a', 5, 'upload'), /not an image/);
  assert.deepEqual(rejected, ['not an image']);
});

test('when the project is gone for this page, every queued picture is rejected at once, not retried', async () => {
  const server = fakeServer(new Set([5]));
  const gone = Object.assign(new Error('this link no longer works'), { status: 401 });
  server.uploadSamples = async (files, classId, source) => {
    server.requests.push({ count: files.length, classId, source });
    throw gone;
  };
  const told = [];
  const uploader = createUploader(server, { onGone: (e) => told.push(e.status) });
  const first = uploader.add('a', 5, 'webcam');
  const second = uploader.add('b', 6, 'upload');
  await assert.rejects(first, /no longer works/);
  await assert.rejects(second, /no longer works/);
  assert.deepEqual(told, [401]);
  assert.equal(server.requests.length, 1);
  assert.deepEqual(uploader.state(), { pending: 0, failing: false });
});

test('a twin upload still being saved (409) is tried again until the server has it', async () => {
  const server = fakeServer(new Set([5]));
  const real = server.uploadSamples;
  let tries = 0;
  server.uploadSamples = async (...args) => {
    tries += 1;
    if (tries === 1) throw Object.assign(new Error('try again'), { status: 409 });
    return real(...args);
  };
  const rejected = [];
  const uploader = createUploader(server, { onRejected: (e) => rejected.push(e) });
  const saved = await uploader.add('a', 5, 'webcam');
  assert.equal(saved.class_id, 5);
  assert.equal(tries, 2);
  assert.deepEqual(rejected, []);
});
