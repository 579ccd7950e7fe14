// "Phone camera" on a class card: asks the studio for a phone link ('pair-phone'), then shows
// it as a QR code with how many pictures came from the phone, and ends it ('unpair-phone').
// The studio does the calls and watches the class, so the phone's pictures join the card's grid;
// qrImage(url, alt) -> Promise<img> is the page's (classroomApi.js), which asks the server.
import { absolute } from '../classroomApi.js';
import { emit, h } from '../dom.js';
import { formatTime, t } from '../strings.js';

export function PhonePairing(buttonParent, card, { qrImage }) {
  const classId = () => card.dataset.classId;
  const start = h('button', { type: 'button', class: 'quiet', 'aria-label': t('phoneCamera'), title: t('phoneCamera') }, '📱');
  const scan = h('p');
  const link = h('p', { class: 'secret-link', 'data-testid': 'phone-link' });
  const qrSlot = h('div', { class: 'qr-slot' });
  const received = h('p', { role: 'status', 'data-testid': 'phone-received' });
  const end = h('button', { type: 'button' }, t('phoneEnd'));
  const panel = h('div', { class: 'phone-pairing', hidden: true }, scan, link, qrSlot, received, end);
  buttonParent.append(start);
  card.append(panel);
  let shownUrl = null;

  start.addEventListener('click', () => emit(card, 'pair-phone', { classId: classId() }));
  end.addEventListener('click', () => emit(card, 'unpair-phone', { classId: classId() }));

  // pairing: {url, expiresAt, received} or null; canWrite: whether this page may pair at all.
  function update({ pairing, canWrite }) {
    start.hidden = !canWrite || Boolean(pairing);
    panel.hidden = !pairing;
    if (!pairing) {
      shownUrl = null;
      return;
    }
    received.textContent = t('phoneReceived', { count: pairing.received });
    if (pairing.url === shownUrl) return;
    shownUrl = pairing.url;
    const url = absolute(pairing.url);
    scan.textContent = t('phoneScan', { time: formatTime(pairing.expiresAt) });
    link.textContent = url;
    qrSlot.replaceChildren();
    qrImage(url, t('phoneQrAlt')).then(
      (img) => shownUrl === pairing.url && qrSlot.replaceChildren(img),
      () => {},
    );
  }

  return { update };
}
