// The webcam view, mirrored like a selfie. One camera serves capture and the live preview.
// With `switchable` (the share page, on phones) a button flips between the front camera
// (mirrored) and the back one (shown as it is).
import { startCamera, stopCamera } from '../camera.js';
import { emit, h } from '../dom.js';
import { t } from '../strings.js';

export function CameraPanel(el, { switchable = false } = {}) {
  el.classList.add('camera-panel');
  const video = h('video', { class: 'mirrored', autoplay: true, muted: true, playsinline: true, 'aria-hidden': 'true' });
  const toggle = h('button', { type: 'button', class: 'camera-toggle' }, t('startWebcam'));
  const message = h('p', { class: 'camera-message', role: 'status' });
  const switcher = switchable ? h('button', { type: 'button', class: 'camera-switch' }, t('switchCamera')) : null;
  el.append(h('h2', {}, t('webcam')), h('div', { class: 'video-frame' }, video), switcher ? h('div', { class: 'row' }, toggle, switcher) : toggle, message);

  let facing = 'user';
  let starting = null;
  async function start() {
    starting ??= startCamera(video, facing)
      .then(() => {
        message.textContent = '';
        update();
        emit(el, 'camera-change', { on: true });
        return true;
      })
      .catch((error) => {
        message.textContent = t('webcamUnavailable', { reason: error.message });
        return false;
      })
      .finally(() => {
        starting = null;
      });
    return starting;
  }

  function stop() {
    stopCamera(video);
    update();
    emit(el, 'camera-change', { on: false });
  }

  const isOn = () => Boolean(video.srcObject) && video.readyState >= 2;
  toggle.addEventListener('click', () => (video.srcObject ? stop() : start()));
  switcher?.addEventListener('click', async () => {
    facing = facing === 'user' ? 'environment' : 'user';
    if (video.srcObject) {
      stop();
      await start();
    }
    update();
  });

  function update() {
    toggle.textContent = video.srcObject ? t('stopWebcam') : t('startWebcam');
    el.classList.toggle('on', Boolean(video.srcObject));
    video.classList.toggle('mirrored', facing === 'user');
    el.dataset.facing = facing;
  }

  // Capture asks for the camera when needed: starting it is part of the first snap.
  async function ensure() {
    return isOn() || (await start());
  }

  const mirrored = () => facing === 'user';
  return { video, ensure, isOn, update, mirrored };
}
