// The teacher's dashboard as the page shows it: the classroom's header (join code and QR code,
// joining, how long it is kept), its students with live counts, the project open for moderation,
// the assignments and the class's actions. draw(state) redraws from the state
// (classroomState.js); every button sends a verb-named event up, and the page does the calls.
// qrImage(url, alt) -> Promise<img>: the page's QR codes (classroomApi.js).
import { emit, h } from './dom.js';
import { formatDate, t } from './strings.js';
import { teacherStudioLink } from './classroomState.js';
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
  const students = h('section', { class: 'students', 'aria-live': 'polite' });
  const detail = h('section', { class: 'project-detail' });
  const assignments = h('section', { class: 'assignments' });
  const actions = h('section', { class: 'classroom-actions' });
  el.append(header, keeping.el, message, students, detail, assignments, actions);
  const qrSlot = h('div', { class: 'qr-slot' });
  let qrShown = false;
  let shownDetail = null;

  actions.append(
    h('button', { type: 'button', onclick: () => send('export-class') }, t('exportClass')),
    h('button', { type: 'button', class: 'danger', onclick: () => send('delete-classroom') }, t('deleteClassroom')),
  );

  function drawHeader(classroom) {
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

  function projectItem(student, project, token) {
    return h(
      'li',
      { class: 'student-project' },
      h('span', {}, `${project.title}: `),
      h('span', { class: 'counts' }, t('projectCounts', { pictures: project.sample_count, models: project.model_count, shares: project.share_count })),
      project.pending_share_count ? h('span', { class: 'pending' }, ` · ${t('pendingShares', { count: project.pending_share_count })}`) : '',
      project.quiz ? h('span', { class: 'quiz-finished' }, ` · ${t('quizFinishedBy', project.quiz)}`) : '',
      ' ',
      h('a', { class: 'button', href: teacherStudioLink(project, token), target: '_blank', rel: 'noopener', 'aria-label': t('openInStudioLabel', { title: project.title, nickname: student.nickname }) }, t('openInStudio')),
      ' ',
      h('button', { type: 'button', onclick: () => send('open-project', { project }) }, t('openProject')),
    );
  }

  function drawStudents(classroom, token) {
    const rows = classroom.students.map((student) =>
      h(
        'li',
        { class: 'student', 'data-nickname': student.nickname },
        h('strong', {}, student.nickname),
        h('ul', {}, ...student.projects.map((project) => projectItem(student, project, token))),
        h('button', { type: 'button', class: 'quiet', onclick: () => send('reissue-student', { student }) }, t('reissueStudent', { nickname: student.nickname })),
        h('button', { type: 'button', class: 'danger', onclick: () => send('remove-student', { student }) }, t('removeStudent', { nickname: student.nickname })),
      ),
    );
    students.replaceChildren(h('h2', {}, t('studentsTitle')), rows.length ? h('ul', { class: 'student-list' }, ...rows) : h('p', { class: 'empty' }, t('noStudentsYet')));
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
    if (shown.kind === 'reissued') {
      detail.replaceChildren(h('p', {}, t('reissuedLink', { nickname: shown.nickname })), h('p', { class: 'secret-link' }, shown.url));
      qrImage(shown.url, t('studentQrAlt')).then((img) => shownDetail === shown && detail.append(img), () => {});
      return;
    }
    const { project, samples, shares } = shown;
    const pictures = samples.map((sample) =>
      h(
        'figure',
        { class: 'moderated-picture' },
        h('img', { src: sample.image_url, alt: '', width: '96', height: '96' }),
        h('button', { type: 'button', class: 'quiet', 'aria-label': t('deletePicture'), onclick: () => send('delete-picture', { project, sampleId: sample.id }) }, '✕'),
      ),
    );
    const links = shares.map((link) =>
      h(
        'li',
        { class: 'share-link', 'data-state': link.state },
        h('span', {}, t('linkState', { state: link.state })),
        ' ',
        link.state === 'pending' ? h('button', { type: 'button', onclick: () => send('approve-link', { project, token: link.token }) }, t('approveLink')) : '',
        link.state === 'active' || link.state === 'pending' ? h('button', { type: 'button', onclick: () => send('revoke-link', { project, token: link.token }) }, t('revokeLink')) : '',
      ),
    );
    detail.replaceChildren(h('h2', {}, t('projectPictures', { title: project.title })), h('div', { class: 'picture-grid' }, ...pictures), h('ul', {}, ...links));
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
    drawHeader(state.classroom);
    drawStudents(state.classroom, state.token);
    keeping.draw(state);
    drawAssignments(state.classroom);
  }

  return { draw };
}
