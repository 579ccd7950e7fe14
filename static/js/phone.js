// A phone paired with one class of a project (#pair=<token> from the studio's QR code): its
// back camera, a button to take a picture, each picture kept on the phone and sent to that class
// (phoneQueue.js), deleted from the phone once the server has it.
import { request } from './api.js';
import { fragmentToken } from './classroomApi.js';
import { forgetPictures, keepPicture, pictureSaved, picturesWaiting } from './devicePictures.js';
import { h } from './dom.js';
import { createPhoneQueue } from './phoneQueue.js';
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
  // Pictures wait on the phone under their class until the server has them (phoneQueue.js).
  const key = `phone:${target.class.id}`;
  const queue = createPhoneQueue({
    device: {
      keep: (blob) => keepPicture({ projectId: key, classId: target.class.id, source: 'phone', blob }),
      waiting: () => picturesWaiting(key),
      saved: pictureSaved,
      forget: () => forgetPictures(key),
    },
    send: (blob) => {
      const form = new FormData();
      form.append('file', blob, 'phone.jpg');
      return request('POST', '/api/pairing/samples', { token, body: form });
    },
    onChange: (status) => {
      const lines = [t('phoneSent', { count: status.sent })];
      if (status.waiting) lines.push(t('phoneWaiting', { count: status.waiting }));
      if (status.full) lines.push(t('phoneFull'));
      if (status.lost) lines.push(t('phoneLost', { count: status.lost }));
      sent.textContent = lines.join(' ');
      document.body.dataset.waitingOnPhone = String(status.waiting);
      message.textContent = status.ended ? t('phoneEnded') : status.refused ? t('error', { reason: status.refused }) : '';
    },
  });
  // Closing the page with pictures not yet on the server: the browser asks first.
  addEventListener('beforeunload', (event) => {
    if (queue.status().waiting) event.preventDefault();
  });
  async function snap() {
    const scale = Math.min(1, LONGEST_SIDE / Math.max(video.videoWidth, video.videoHeight));
    const canvas = h('canvas', { width: String(Math.round(video.videoWidth * scale)), height: String(Math.round(video.videoHeight * scale)) });
    canvas.getContext('2d').drawImage(video, 0, 0, canvas.width, canvas.height);
    queue.add(await new Promise((resolve) => canvas.toBlob(resolve, 'image/jpeg', JPEG_QUALITY)));
  }
  el.append(
    h('h1', {}, t('phoneTitle', { className: target.class.name, project: target.project.title })),
    video,
    h('p', {}, h('button', { type: 'button', class: 'primary', onclick: snap }, t('phoneSnap'))),
    sent,
    message,
  );
  queue.resume(); // pictures an earlier page of this phone left waiting
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
