// The teacher's dashboard as the page shows it: the classroom's header (join code and QR code,
// the board, the printable cards, joining, how long it is kept), the class at a glance
// (components/ClassOverview.js), the moderation view (components/ModerationPanel.js), the
// assignments and the class's actions. draw(state) redraws from the state
// (classroomState.js); every button sends a verb-named event up, and the page does the calls.
// qrImage(url, alt) -> Promise<img>: the page's QR codes (classroomApi.js).
import { cardsLink } from './classroomState.js';
import { emit, h } from './dom.js';
import { ClassOverview } from './components/ClassOverview.js';
import { ModerationPanel } from './components/ModerationPanel.js';
import { formatDate, t } from './strings.js';
import { TeacherLinkControls } from './components/TeacherLinkControls.js';
import { autonym, PSEUDO_LOCALE, SUPPORTED_LOCALES } from './i18n/locales.js';

// The languages a teacher can give the classroom: the pages' own (each by its own name), or
// none, when each student's browser decides.
function LanguageChoice(classroom, send) {
  const select = h(
    'select',
    { id: 'classroom-language', onchange: () => send('change-classroom', { language: select.value || null }) },
    h('option', { value: '' }, t('classroomLanguage.browser')),
    ...SUPPORTED_LOCALES.filter((l) => l !== PSEUDO_LOCALE).map((l) => h('option', { value: l, lang: l, translate: 'no' }, autonym(l))),
  );
  select.value = classroom.language ?? '';
  return h('p', { class: 'row' }, h('label', { for: 'classroom-language' }, t('classroomLanguage.label')), select, h('span', { class: 'hint' }, t('classroomLanguage.hint')));
}

export function ClassroomView(el, { qrImage }) {
  const send = (name, detailOf = {}) => emit(el, name, detailOf);
  const message = h('p', { class: 'form-error', role: 'alert' });
  const header = h('section', { class: 'classroom-header' });
  const keeping = TeacherLinkControls(send);
  const overview = ClassOverview(send);
  const moderation = ModerationPanel(send);
  const detail = h('section', { class: 'project-detail', 'aria-live': 'polite' });
  const assignments = h('section', { class: 'assignments' });
  const actions = h('section', { class: 'classroom-actions' });
  el.classList.add('dashboard');
  el.append(header, message, detail, overview.el, moderation.el, assignments, keeping.el, actions);
  const qrSlot = h('div', { class: 'qr-slot' });
  let qrShown = false;
  let shownDetail = null;
  let headerShown = null; // what the header and the assignments were drawn from
  let assignmentsShown = null;

  actions.append(
    h('button', { type: 'button', onclick: () => send('export-class') }, t('exportClass')),
    h('button', { type: 'button', class: 'danger', onclick: () => send('delete-classroom') }, t('deleteClassroom')),
  );

  function drawHeader(classroom, token) {
    const joinUrl = `${location.origin}${classroom.join_url}`;
    const toggle = h('button', { type: 'button', onclick: () => send('change-classroom', { join_open: !classroom.join_open }) }, classroom.join_open ? t('closeJoining') : t('openJoining'));
    const days = h('input', { id: 'retention-days', type: 'number', min: '1', max: '365', value: String(classroom.retention_days) });
    const keep = (event) => {
      event.preventDefault();
      send('change-classroom', { retention_days: Number(days.value) });
    };
    header.replaceChildren(
      h('h1', {}, classroom.name),
      h('p', {}, t('joinCodeLabel')),
      h('p', { class: 'join-code', 'data-testid': 'join-code' }, classroom.join_code),
      h('p', {}, t('joinAt', { url: `${location.origin}/join` })),
      h('p', {}, h('a', { class: 'button', href: `/board#code=${encodeURIComponent(classroom.join_code)}`, target: '_blank', rel: 'noopener' }, t('openBoard')), ' ', h('span', { class: 'hint' }, t('openBoardHint'))),
      h('p', {}, h('a', { class: 'button', href: cardsLink(classroom.id, token), target: '_blank', rel: 'noopener' }, t('openCards')), ' ', h('span', { class: 'hint' }, t('openCardsHint'))),
      qrSlot,
      h('p', {}, classroom.join_open ? t('joinOpen') : '', ' ', toggle),
      h('p', { class: 'retention' }, t('deletedOn', { date: formatDate(classroom.expires_at) })),
      h('form', { class: 'row', onsubmit: keep }, h('label', { for: 'retention-days' }, t('retentionLabel')), days, h('button', { type: 'submit' }, t('saveRetention'))),
      LanguageChoice(classroom, send),
    );
    if (!qrShown) {
      qrShown = true;
      qrImage(joinUrl, t('joinQrAlt')).then((img) => qrSlot.append(img), () => {});
    }
  }

  function drawDetail(shown) {
    if (shown === shownDetail) return;
    shownDetail = shown;
    if (!shown) {
      detail.replaceChildren();
      return;
    }
    if (shown.kind === 'teacherLink') {
      detail.replaceChildren(h('p', {}, t('newTeacherLinkShown')), h('p', { class: 'secret-link', 'data-testid': 'new-teacher-link' }, shown.url));
      return;
    }
    detail.replaceChildren(h('p', {}, t('reissuedLink', { nickname: shown.nickname })), h('p', { class: 'secret-link' }, shown.url));
    qrImage(shown.url, t('studentQrAlt')).then((img) => shownDetail === shown && detail.append(img), () => {});
  }

  function drawAssignments(classroom) {
    if (assignments.contains(document.activeElement)) return; // do not wipe what is being typed
    const title = h('input', { id: 'assignment-title', maxlength: '200' });
    const instructions = h('textarea', { id: 'assignment-instructions', maxlength: '4000' });
    const classes = h('input', { id: 'assignment-classes' });
    const add = (event) => {
      event.preventDefault();
      send('add-assignment', { title: title.value, instructions: instructions.value, classes: classes.value });
    };
    assignments.replaceChildren(
      h('h2', {}, t('assignmentsTitle')),
      h('ul', {}, ...classroom.assignments.map((a) => h('li', {}, `${a.title}: ${a.classes.join(', ')}`))),
      h(
        'form',
        { class: 'assignment-form', onsubmit: add },
        h('label', { for: 'assignment-title' }, t('assignmentTitle')),
        title,
        h('label', { for: 'assignment-instructions' }, t('assignmentInstructions')),
        instructions,
        h('label', { for: 'assignment-classes' }, t('assignmentClasses')),
        classes,
        h('button', { type: 'submit' }, t('addAssignment')),
      ),
    );
  }

  function draw(state) {
    if (state.deleted) {
      el.replaceChildren(h('p', { class: 'lead', role: 'status' }, t('classroomDeleted')));
      return;
    }
    message.textContent = state.error ? t('error', { reason: state.error }) : '';
    drawDetail(state.detail);
    if (!state.classroom) return;
    const { classroom, token } = state;
    // A refresh that changed one student's card redraws neither the header nor the assignments.
    const headerNow = JSON.stringify([classroom.name, classroom.join_code, classroom.join_open, classroom.retention_days, classroom.expires_at, token]);
    if (headerNow !== headerShown) drawHeader(classroom, token);
    headerShown = headerNow;
    if (state.overview) overview.draw(state.overview, token);
    moderation.draw(state.pictures);
    keeping.draw(state);
    const assignmentsNow = JSON.stringify(classroom.assignments);
    if (assignmentsNow !== assignmentsShown && !assignments.contains(document.activeElement)) {
      drawAssignments(classroom);
      assignmentsShown = assignmentsNow;
    }
  }

  return { draw };
}
