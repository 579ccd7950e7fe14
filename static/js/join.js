// Join a classroom: the code (from the board, or from the QR code's #code=) and a nickname;
// the answer is the student's own link, to copy or photograph.
import { request } from './api.js';
import { absolute, fragmentToken, qrImage } from './classroomApi.js';
import { h } from './dom.js';
import { followClassroomLanguage, t } from './strings.js';

function Join(el) {
  const code = h('input', { id: 'join-code', name: 'code', autocomplete: 'off', autocapitalize: 'characters', value: fragmentToken('code') || '' });
  const nickname = h('input', { id: 'nickname', name: 'nickname', maxlength: '30', autocomplete: 'off' });
  const message = h('p', { class: 'form-error', role: 'alert' });
  // The classroom's language, once its code is known (in the link, or typed): the page reloads
  // in it, keeping the code in its address.
  async function lookUp() {
    const typed = code.value.trim();
    if (!typed) return;
    try {
      const board = await request('POST', '/api/classrooms/board', { json: { code: typed } });
      history.replaceState(null, '', `#code=${encodeURIComponent(typed)}`);
      followClassroomLanguage(board.language);
    } catch {
      // A wrong code: joining says so.
    }
  }
  code.addEventListener('change', lookUp);
  async function join(event) {
    event.preventDefault();
    message.textContent = '';
    try {
      const joined = await request('POST', '/api/classrooms/join', { json: { code: code.value, nickname: nickname.value } });
      followClassroomLanguage(joined.classroom.language, { reload: false });
      showLink(joined);
    } catch (error) {
      message.textContent = t('error', { reason: error.message });
    }
  }
  function showLink(joined) {
    const url = absolute(joined.student_url);
    const status = h('span', { role: 'status' });
    const copy = h('button', { type: 'button', onclick: async () => { await navigator.clipboard.writeText(url); status.textContent = t('copied'); } }, t('copyLink'));
    const qrSlot = h('div', { class: 'qr-slot' });
    el.replaceChildren(
      h('h1', {}, t('joinedTitle', { classroom: joined.classroom.name })),
      h('p', {}, t('studentLinkHint')),
      h('p', { class: 'secret-link', 'data-testid': 'student-link' }, url),
      h('p', {}, copy, ' ', status),
      qrSlot,
      h('p', {}, h('a', { class: 'button primary', href: joined.student_url }, t('goToProjects'))),
    );
    qrImage(url, t('studentQrAlt')).then((img) => qrSlot.append(img), () => {});
  }
  el.append(
    h('h1', {}, t('joinTitle')),
    h('form', { class: 'new-project', onsubmit: join },
      h('label', { for: 'join-code' }, t('joinCode')), code,
      h('label', { for: 'nickname' }, t('nickname')), nickname,
      h('p', { class: 'hint' }, t('nicknameHint')),
      h('button', { type: 'submit', class: 'primary' }, t('joinButton')),
      message),
  );
  lookUp();
}

Join(document.querySelector('[data-mount="join"]'));
