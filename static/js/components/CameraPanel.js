// The webcam view, mirrored like a selfie. One camera serves capture and the live preview.
import { startCamera, stopCamera } from '../camera.js';
import { emit, h } from '../dom.js';
import { t } from '../strings.js';

export function CameraPanel(el) {
  el.classList.add('camera-panel');
  const video = h('video', { class: 'mirrored', autoplay: true, muted: true, playsinline: true, 'aria-hidden': 'true' });
  const toggle = h('button', { type: 'button', class: 'camera-toggle' }, t('startWebcam'));
  const message = h('p', { class: 'camera-message', role: 'status' });
  el.append(h('h2', {}, t('webcam')), h('div', { class: 'video-frame' }, video), toggle, message);

  let starting = null;
  async function start() {
    starting ??= startCamera(video)
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

  function update() {
    toggle.textContent = video.srcObject ? t('stopWebcam') : t('startWebcam');
    el.classList.toggle('on', Boolean(video.srcObject));
  }

  // Capture asks for the camera when needed: starting it is part of the first snap.
  async function ensure() {
    return isOn() || (await start());
  }

  return { video, ensure, isOn, update };
}
