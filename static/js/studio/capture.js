// Capture and upload: a picture (a webcam frame, a file, a dropped folder) shows at once, is
// prepared (`prepare(sample, blob)`) and uploads in the background (uploader.js). The
// pictures being made (files shrunk, frames encoded) count as pending uploads from the first
// moment (studioContent's preparingChanged), so a frame still being encoded when the student
// lets go of "Hold to record" is not missed by whoever waits for "nothing pending".
//
// Everything outside the page's state comes in: the uploader, the device's copies
// (devicePictures.js: keep({classId, source, blob}) -> id, saved(id)), the camera (ensure() and
// grab() -> a canvas), encode(canvas) -> Blob, shrink(file) -> Blob, readDrop(items) ->
// {loose, folders}, classFor(name) -> a class (made when missing), prepare(sample, blob),
// digest(blob) -> the picture's SHA-256 (digest.js), objectUrl(blob) and the interval timer.
import { classOnArrival, isQuotaError } from '../uploadRules.js';

export const FRAMES_PER_SECOND = 10;

export function createCapture({ store, uploader, device, camera, encode, shrink, readDrop, classFor, prepare, digest, objectUrl = (blob) => URL.createObjectURL(blob), setTimer = (f, ms) => setInterval(f, ms), clearTimer = (id) => clearInterval(id) }) {
  let nextKey = 0;
  let recordTimer = null;
  const canWrite = () => store.state.canWrite;

  // The picture is kept on the device (device.keep) as it is queued, and deleted from there once
  // the server has answered for it: stored, or refused (the uploader retries everything else).
  // One the device cannot keep (full) still uploads from the page, and the student is told.
  // `deviceId`: a picture a reopened studio found on the device, kept already.
  async function addLocalSample(blob, classId, source, deviceId = null) {
    const key = `local-${++nextKey}`;
    store.dispatch('sampleCaptured', { key, classId, url: objectUrl(blob) });
    const kept = deviceId !== null ? Promise.resolve(deviceId) : device.keep({ classId, source, blob }).catch(notKept);
    prepareWaiting(key, blob);
    try {
      const saved = await uploader.add(blob, classId, source);
      store.dispatch('uploadAccepted', { key, sample: saved });
      const sample = store.state.samples.get(key);
      if (sample) prepare(sample, blob);
    } catch (error) {
      store.dispatch('uploadRefused', { key, error: error.message });
    }
    const id = await kept;
    // Not deleted (the page closing, storage failing): the next studio sends it again, and the
    // server gives back the sample it has (idempotent uploads).
    if (id !== null) await device.saved(id).catch(() => {});
  }

  // Prepared at once, under the picture's own digest, so it can be trained on while it waits
  // for the server (the studio may be cut off from it).
  async function prepareWaiting(key, blob) {
    store.dispatch('sampleDigested', { key, sha256: await digest(blob) });
    const sample = store.state.samples.get(key);
    if (sample?.status === 'pending') prepare(sample, blob);
  }

  function notKept(error) {
    store.dispatch('noticeShown', isQuotaError(error) ? { key: 'deviceFull' } : { key: 'deviceNotKept', params: { reason: error.message } });
    return null;
  }

  // The pictures a reopened studio found waiting on the device: shown and sent like new ones,
  // to their class, or unlabelled when it was deleted meanwhile.
  function resume(records) {
    for (const { id, blob, classId, source } of records) addLocalSample(blob, classOnArrival(store.state.classes, classId), source, id);
  }

  // One frame: grabbed on this tick, encoded and queued without waiting for anything else.
  async function snap(classId) {
    if (!canWrite()) return;
    store.dispatch('preparingChanged', { by: 1 });
    try {
      if (!(await camera.ensure())) return;
      const frame = camera.grab();
      addLocalSample(await encode(frame), classId, 'webcam');
    } finally {
      store.dispatch('preparingChanged', { by: -1 });
    }
  }

  async function startRecording(classId) {
    if (!canWrite() || !(await camera.ensure())) return;
    stopRecording();
    store.dispatch('recordingStarted', { classId });
    snap(classId);
    recordTimer = setTimer(() => snap(classId), 1000 / FRAMES_PER_SECOND);
  }

  function stopRecording() {
    if (recordTimer !== null) clearTimer(recordTimer);
    recordTimer = null;
    if (store.state.recordingClassId !== null) store.dispatch('recordingStopped');
  }

  async function uploadFiles(files, classId) {
    if (!canWrite()) return;
    store.dispatch('preparingChanged', { by: files.length });
    for (const file of files) {
      let small;
      try {
        small = await shrink(file);
      } finally {
        store.dispatch('preparingChanged', { by: -1 });
      }
      addLocalSample(small, classId, 'upload');
    }
  }

  // One class per folder name, in name order: an existing class of that name gets the pictures.
  async function uploadFolders(folders) {
    const byName = [...folders].sort(([a], [b]) => a.localeCompare(b));
    for (const [name, files] of byName) {
      const cls = await classFor(name);
      if (cls) uploadFiles(files, cls.id);
    }
  }

  async function uploadDrop(items, classId) {
    if (!canWrite()) return;
    const { loose, folders } = await readDrop(items);
    uploadFiles(loose, classId);
    await uploadFolders(folders);
  }

  return { snap, startRecording, stopRecording, uploadFiles, uploadFolders, uploadDrop, resume };
}
