import assert from 'node:assert/strict';
import { test } from 'node:test';

import { createCapture } from '../../studio/capture.js';
import { pendingUploads } from '../../studioState.js';
import { deferred, projectStore, tick } from './fakes.mjs';

// The capture module around a fake uploader (each upload waits for the test to answer it), a
// camera that is on, and shrinking that the test can hold.
// The device's copies are a Map of id -> record; `full` makes keeping one fail as a full disk does.
function setUp({ canWrite = true, cameraOn = true, full = false } = {}) {
  const store = projectStore({ canWrite });
  const onDevice = new Map();
  let nextId = 0;
  const uploads = [];
  const prepared = [];
  const shrinking = [];
  let timer = null;
  let frames = 0;
  const capture = createCapture({
    store,
    uploader: {
      add: (blob, classId, source) => {
        const upload = { blob, classId, source, ...deferred() };
        uploads.push(upload);
        return upload.promise;
      },
    },
    device: {
      keep: async (record) => {
        if (full) throw new DOMException('the quota is exceeded', 'QuotaExceededError');
        onDevice.set(++nextId, record);
        return nextId;
      },
      saved: async (id) => {
        onDevice.delete(id);
      },
    },
    camera: { ensure: async () => cameraOn, grab: () => `frame-${++frames}` },
    encode: async (frame) => ({ jpeg: frame }),
    shrink: (file) => {
      const held = { file, ...deferred() };
      shrinking.push(held);
      return held.promise;
    },
    readDrop: async (items) => items,
    classFor: async (name) => store.state.classes.find((c) => c.name === name) ?? null,
    prepare: (sample, blob) => prepared.push({ key: sample.key, status: sample.status, sha256: sample.sha256, blob }),
    digest: async (blob) => `sha-of-${blob.jpeg ?? blob}`,
    objectUrl: (blob) => `blob:${blob.jpeg ?? blob}`,
    setTimer: (f) => {
      timer = f;
      return 1;
    },
    clearTimer: () => {
      timer = null;
    },
  });
  return {
    store,
    capture,
    onDevice,
    uploads,
    prepared,
    shrinking,
    fireTimer: () => timer?.(),
    hasTimer: () => timer !== null,
  };
}

test('a snapped frame shows at once, is prepared by its digest before the server has it, and uploads', async () => {
  const { store, capture, uploads, prepared } = setUp();
  await capture.snap(1);
  await tick();
  const local = store.state.samples.get('local-1');
  assert.deepEqual([local.status, local.classId, local.url, local.sha256], ['pending', 1, 'blob:frame-1', 'sha-of-frame-1']);
  assert.deepEqual([uploads[0].classId, uploads[0].source], [1, 'webcam']);
  assert.deepEqual(prepared, [{ key: 'local-1', status: 'pending', sha256: 'sha-of-frame-1', blob: { jpeg: 'frame-1' } }]);
  uploads[0].resolve({ id: 's9', class_id: 1, sha256: 'sha-of-frame-1', image_url: '/i/s9' });
  await tick();
  assert.equal(store.state.samples.get('local-1').status, 'saved');
  // Once stored, it is asked for again under its id (the embedder sends the server its copy).
  assert.deepEqual(prepared[1], { key: 'local-1', status: 'saved', sha256: 'sha-of-frame-1', blob: { jpeg: 'frame-1' } });
});

test('a refused upload is marked with the reason, and is not prepared again', async () => {
  const { store, capture, uploads, prepared } = setUp();
  await capture.snap(1);
  await tick();
  uploads[0].reject(new Error('not a picture'));
  await tick();
  assert.deepEqual(
    [store.state.samples.get('local-1').status, store.state.samples.get('local-1').error],
    ['rejected', 'not a picture'],
  );
  assert.deepEqual(
    prepared.map((p) => p.status),
    ['pending'],
  );
});

test('files count as pending from the moment they are dropped, while they are still being shrunk', async () => {
  const { store, capture, uploads, shrinking } = setUp();
  const done = capture.uploadFiles(['f1', 'f2'], 2);
  assert.equal(pendingUploads(store.state), 2, 'nothing is in the upload queue yet');
  shrinking[0].resolve('small-1');
  await tick();
  assert.equal(store.state.uploads.preparing, 1);
  shrinking[1].resolve('small-2');
  await done;
  assert.equal(store.state.uploads.preparing, 0);
  assert.deepEqual(
    uploads.map((u) => [u.blob, u.classId, u.source]),
    [
      ['small-1', 2, 'upload'],
      ['small-2', 2, 'upload'],
    ],
  );
});

test('a file that cannot be shrunk stops counting as pending', async () => {
  const { store, capture, shrinking } = setUp();
  const done = capture.uploadFiles(['broken'], 1);
  shrinking[0].reject(new Error('not an image'));
  await assert.rejects(done, /not an image/);
  assert.equal(pendingUploads(store.state), 0);
});

test('recording snaps at once and on every tick until stopped', async () => {
  const { store, capture, uploads, fireTimer, hasTimer } = setUp();
  await capture.startRecording(2);
  assert.equal(store.state.recordingClassId, 2);
  await tick();
  fireTimer();
  fireTimer();
  await tick();
  assert.equal(uploads.length, 3);
  capture.stopRecording();
  assert.equal(store.state.recordingClassId, null);
  assert.equal(hasTimer(), false);
});

test('a page that may not write, or whose camera stays off, takes nothing', async () => {
  const reader = setUp({ canWrite: false });
  await reader.capture.snap(1);
  await reader.capture.startRecording(1);
  await reader.capture.uploadFiles(['f'], 1);
  assert.deepEqual(
    [reader.uploads.length, reader.shrinking.length, reader.store.state.recordingClassId],
    [0, 0, null],
  );
  const noCamera = setUp({ cameraOn: false });
  await noCamera.capture.snap(1);
  assert.equal(noCamera.uploads.length, 0);
  assert.equal(pendingUploads(noCamera.store.state), 0);
});

test('dropped folders fill the classes of their names, in name order', async () => {
  const { capture, shrinking } = setUp();
  await capture.uploadDrop(
    {
      loose: [],
      folders: new Map([
        ['Dogs', ['d1']],
        ['Cats', ['c1']],
        ['Fish', ['x']],
      ]),
    },
    null,
  );
  assert.deepEqual(
    shrinking.map((s) => s.file),
    ['c1', 'd1'],
    'no class Fish: its folder is left out',
  );
});

test('a picture is kept on the device until the server has it, then deleted from it', async () => {
  const { capture, uploads, onDevice } = setUp();
  await capture.snap(1);
  await tick();
  assert.deepEqual([...onDevice.values()], [{ classId: 1, source: 'webcam', blob: { jpeg: 'frame-1' } }]);
  uploads[0].resolve({ id: 's9', class_id: 1, sha256: 'sha-9', image_url: '/i/s9' });
  await tick();
  assert.equal(onDevice.size, 0);
});

test('a picture the server refused is deleted from the device too', async () => {
  const { capture, uploads, onDevice } = setUp();
  await capture.snap(1);
  await tick();
  assert.equal(onDevice.size, 1);
  uploads[0].reject(Object.assign(new Error('this link no longer works'), { status: 401 }));
  await tick();
  assert.equal(onDevice.size, 0);
});

test('a full device is reported, and the picture still uploads from the page', async () => {
  const { store, capture, uploads, onDevice } = setUp({ full: true });
  await capture.snap(1);
  await tick();
  assert.equal(store.state.notice.key, 'deviceFull');
  assert.equal(onDevice.size, 0);
  assert.equal(uploads.length, 1);
  uploads[0].resolve({ id: 's9', class_id: 1, sha256: 'sha-9', image_url: '/i/s9' });
  await tick();
  assert.equal(store.state.samples.get('local-1').status, 'saved');
});

test('pictures found waiting on the device are shown and sent again, to unlabelled when their class went', async () => {
  const { store, capture, uploads, onDevice } = setUp();
  onDevice.set(7, { classId: 2, source: 'webcam', blob: 'kept-7' });
  onDevice.set(8, { classId: 99, source: 'upload', blob: 'kept-8' });
  capture.resume([...onDevice].map(([id, record]) => ({ id, ...record })));
  await tick();
  assert.deepEqual(
    [...store.state.samples.values()].filter((s) => s.status === 'pending').map((s) => [s.key, s.classId, s.url]),
    [
      ['local-1', 2, 'blob:kept-7'],
      ['local-2', null, 'blob:kept-8'],
    ],
  );
  assert.deepEqual(
    uploads.map((u) => [u.blob, u.classId, u.source]),
    [
      ['kept-7', 2, 'webcam'],
      ['kept-8', null, 'upload'],
    ],
  );
  assert.equal(onDevice.size, 2, 'not kept a second time');
  uploads[0].resolve({ id: 's7', class_id: 2, sha256: 'sha-7', image_url: '/i/s7' });
  await tick();
  assert.deepEqual([...onDevice.keys()], [8]);
});
