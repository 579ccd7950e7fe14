// A phone paired with one class of a project (#pair=<token> from the studio's QR code): its
// back camera, a button to take a picture, each picture sent to that class at once.
import { request } from './api.js';
import { fragmentToken } from './classroomApi.js';
import { h } from './dom.js';
import { followClassroomLanguage, t } from './strings.js';

const JPEG_QUALITY = 0.9;
const LONGEST_SIDE = 512;

async function Phone(el, token) {
  const message = h('p', { class: 'form-error', role: 'alert' });
  let target;
  try {
    target = await request('GET', '/api/pairing', { token });
    followClassroomLanguage(target.language);
  } catch (error) {
    el.append(h('p', { class: 'form-error' }, error.status === 401 ? t('phoneEnded') : t('error', { reason: error.message })));
    return;
  }
  const video = h('video', { autoplay: true, muted: true, playsinline: true, class: 'phone-video' });
  const sent = h('p', { role: 'status', 'data-testid': 'phone-sent' }, t('phoneSent', { count: 0 }));
  let count = 0;
  async function snap() {
    const scale = Math.min(1, LONGEST_SIDE / Math.max(video.videoWidth, video.videoHeight));
    const canvas = h('canvas', { width: String(Math.round(video.videoWidth * scale)), height: String(Math.round(video.videoHeight * scale)) });
    canvas.getContext('2d').drawImage(video, 0, 0, canvas.width, canvas.height);
    const blob = await new Promise((resolve) => canvas.toBlob(resolve, 'image/jpeg', JPEG_QUALITY));
    const form = new FormData();
    form.append('file', blob, 'phone.jpg');
    try {
      await request('POST', '/api/pairing/samples', { token, body: form });
      count += 1;
      sent.textContent = t('phoneSent', { count });
    } catch (error) {
      message.textContent = error.status === 401 ? t('phoneEnded') : t('error', { reason: error.message });
    }
  }
  el.append(
    h('h1', {}, t('phoneTitle', { className: target.class.name, project: target.project.title })),
    video,
    h('p', {}, h('button', { type: 'button', class: 'primary', onclick: snap }, t('phoneSnap'))),
    sent,
    message,
  );
  try {
    // The back camera by default: the phone photographs things, not its holder.
    video.srcObject = await navigator.mediaDevices.getUserMedia({ video: { facingMode: { ideal: 'environment' } }, audio: false });
  } catch (error) {
    message.textContent = t('webcamUnavailable', { reason: error.message });
  }
}

const mount = document.querySelector('[data-mount="phone"]');
const token = fragmentToken('pair');
if (token) Phone(mount, token);
else mount.append(h('p', { class: 'form-error' }, t('missingToken')));
