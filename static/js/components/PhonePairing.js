// "Phone camera" on a class card: a QR code that lets a phone add pictures to this class for a
// few minutes, and how many pictures the class has received since. It asks the API itself with
// the page's own token, so the studio needs no change to offer it.
import { absolute, call, qrImage } from '../classroomApi.js';
import { h } from '../dom.js';
import { ownerTokenFor } from '../projects.js';
import { t } from '../strings.js';

const POLL_MS = 2000;

export function PhonePairing(buttonParent, panelParent, classId) {
  const projectId = decodeURIComponent(location.pathname.split('/')[2] || '');
  const base = `/api/projects/${encodeURIComponent(projectId)}/classes/${classId}/pairings`;
  const samples = `/api/projects/${encodeURIComponent(projectId)}/samples?per_page=1&class_id=${classId}`;
  const start = h('button', { type: 'button', class: 'quiet', 'aria-label': t('phoneCamera'), title: t('phoneCamera') }, '📱');
  const panel = h('div', { class: 'phone-pairing', hidden: true });
  buttonParent.append(start);
  panelParent.append(panel);
  let timer = null;

  const api = (method, url) => call(method, url, { token: ownerTokenFor(projectId) });

  async function open() {
    try {
      const pairing = await api('POST', base);
      const before = (await api('GET', samples)).total;
      const url = absolute(pairing.url);
      const received = h('p', { role: 'status', 'data-testid': 'phone-received' }, t('phoneReceived', { count: 0 }));
      const end = h('button', { type: 'button', onclick: close }, t('phoneEnd'));
      panel.replaceChildren(h('p', {}, t('phoneScan', { time: new Date(pairing.expires_at).toLocaleTimeString() })), h('p', { class: 'secret-link', 'data-testid': 'phone-link' }, url), received, end);
      panel.hidden = false;
      start.hidden = true;
      qrImage(url, t('phoneQrAlt')).then((img) => panel.insertBefore(img, received), () => {});
      timer = setInterval(async () => {
        const total = (await api('GET', samples).catch(() => ({ total: before }))).total;
        received.textContent = t('phoneReceived', { count: total - before });
        if (Date.parse(pairing.expires_at) < Date.now()) close();
      }, POLL_MS);
    } catch (error) {
      panel.hidden = false;
      panel.replaceChildren(h('p', { class: 'form-error' }, t('error', { reason: error.message })));
    }
  }

  async function close() {
    clearInterval(timer);
    panel.hidden = true;
    start.hidden = false;
    await api('DELETE', base).catch(() => {});
  }

  start.addEventListener('click', open);
}
