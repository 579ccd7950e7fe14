// The printable cards (/classroom/<id>/cards#teacher=...): a teacher card (the teacher link as
// text and QR code, the join code) printed on a page of its own, and, once the teacher asks for
// them, a card per student (nickname, QR code of a new student link, the join code), several to
// a page on A4 and Letter alike (the print rules are in snapclass.css). Student links are kept
// only as hashes, so the cards carry new links: making them ends the links students have now.
import { request } from './api.js';
import { absolute, fragmentToken, qrImage } from './classroomApi.js';
import { h } from './dom.js';
import { t } from './strings.js';

function printCard(className, title, lines, qrSlot) {
  return h('article', { class: `print-card ${className}` }, h('div', { class: 'print-card-text' }, title, ...lines), qrSlot);
}

async function Cards(el, classroomId, token) {
  const base = `/api/classrooms/${encodeURIComponent(classroomId)}`;
  const api = (method, url) => request(method, url, { token });
  const message = h('p', { class: 'form-error', role: 'alert' });
  let classroom;
  try {
    classroom = await api('GET', base);
  } catch (error) {
    el.append(h('p', { class: 'form-error' }, t('error', { reason: error.message })));
    return;
  }
  const code = t('cardJoinCode', { code: classroom.join_code });
  const teacherUrl = absolute(`/classroom/${encodeURIComponent(classroomId)}#teacher=${encodeURIComponent(token)}`);
  const teacherQr = h('div', { class: 'card-qr' });
  const sheet = h('div', { class: 'card-sheet', 'aria-live': 'polite' });
  const make = h('button', { type: 'button', class: 'primary', onclick: makeStudentCards }, t('makeStudentCards'));

  async function makeStudentCards() {
    if (!confirm(t('confirmStudentCards'))) return;
    make.disabled = true;
    message.textContent = '';
    let cards;
    try {
      ({ cards } = await api('POST', `${base}/student-cards`));
    } catch (error) {
      message.textContent = t('error', { reason: error.message });
      make.disabled = false;
      return;
    }
    sheet.replaceChildren(
      ...cards.map((card) => {
        const slot = h('div', { class: 'card-qr' });
        qrImage(absolute(card.student_url), t('studentCardQrAlt', { nickname: card.nickname })).then((img) => slot.append(img), () => {});
        return printCard('student-card', h('h3', {}, card.nickname), [h('p', { class: 'card-code' }, code), h('p', { class: 'hint' }, t('studentCardHint'))], slot);
      }),
    );
    make.disabled = false;
  }

  qrImage(teacherUrl, t('teacherQrAlt')).then((img) => teacherQr.append(img), () => {});
  el.append(
    h('div', { class: 'no-print' },
      h('h1', {}, t('cardsTitle', { classroom: classroom.name })),
      h('p', { class: 'lead' }, t('cardsIntro')),
      h('p', {}, h('button', { type: 'button', onclick: () => print() }, t('printCards')))),
    h('section', { class: 'teacher-card-page', 'aria-labelledby': 'teacher-card-title' },
      printCard('teacher-card', h('h2', { id: 'teacher-card-title' }, t('teacherCardTitle', { classroom: classroom.name })),
        [h('p', { class: 'card-code' }, code), h('p', { class: 'hint' }, t('teacherCardHint')), h('p', { class: 'secret-link', 'data-testid': 'teacher-card-link' }, teacherUrl)], teacherQr)),
    h('section', { class: 'student-cards', 'aria-labelledby': 'student-cards-title' },
      h('h2', { id: 'student-cards-title', class: 'no-print' }, t('studentCardsTitle')),
      h('div', { class: 'no-print' }, h('p', { class: 'hint warning' }, t('studentCardsHint')), h('p', {}, make), message),
      sheet),
  );
}

const mount = document.querySelector('[data-mount="cards"]');
const classroomId = location.pathname.split('/')[2];
const teacherToken = fragmentToken('teacher');
if (teacherToken) Cards(mount, decodeURIComponent(classroomId), teacherToken);
else mount.append(h('p', { class: 'form-error' }, t('missingToken')));
