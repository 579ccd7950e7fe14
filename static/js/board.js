// The board for the projector: the join code large, the join address and its QR code, and how
// many students joined, asked again every REFRESH_MS. It knows only the join code (from the
// URL fragment, #code=...), which the class sees anyway: nothing here acts as the teacher.
import { request } from './api.js';
import { absolute, fragmentToken, qrImage } from './classroomApi.js';
import { h } from './dom.js';
import { createPoller } from './poller.js';
import { t } from './strings.js';

const REFRESH_MS = 2000;

function Board(el, code) {
  const name = h('h1', {});
  const joinCode = h('p', { class: 'join-code', 'data-testid': 'join-code' });
  const count = h('p', { class: 'board-count', 'data-testid': 'student-count', role: 'status' });
  const qrSlot = h('div', { class: 'qr-slot' });
  const message = h('div', { class: 'form-error', role: 'alert' });
  el.append(
    name,
    h('div', { class: 'board-body' },
      h('div', {}, h('p', { class: 'board-label' }, t('joinCodeLabel')), joinCode, h('p', { class: 'board-address' }, t('boardJoinAt', { url: absolute('/join') })), count),
      qrSlot),
    message,
  );
  let qrShown = false;

  // Resolves whether to ask again: a network hiccup is asked again; a refusal (a wrong or closed
  // code, too many wrong codes) is said, and asked again only on request (each counts as a
  // failed join for this address).
  async function tick() {
    try {
      const board = await request('POST', '/api/classrooms/board', { json: { code } });
      message.replaceChildren();
      name.textContent = board.name;
      joinCode.textContent = board.join_code;
      count.textContent = t('boardCount', { count: board.student_count });
      if (!qrShown) {
        qrShown = true;
        qrImage(absolute(board.join_url), t('joinQrAlt')).then((img) => qrSlot.append(img), () => {});
      }
      return true;
    } catch (error) {
      if (error.status === 0) return true;
      message.replaceChildren(
        h('p', {}, t('error', { reason: error.message })),
        h('button', { type: 'button', onclick: () => tick().then((again) => again && poller.start()) }, t('boardTryAgain')),
      );
      return false;
    }
  }
  const poller = createPoller(tick, REFRESH_MS);
  tick().then((again) => again && poller.start());
}

const mount = document.querySelector('[data-mount="board"]');
const code = fragmentToken('code');
if (code) Board(mount, code);
else mount.append(h('p', { class: 'form-error' }, t('boardMissingCode')));
