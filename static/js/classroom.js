// The teacher's page: start a classroom, then its dashboard (join code, students with live
// counts, moderation, assignments, the class zip, deletion). The teacher token stays in the
// URL fragment (#teacher=...).
import { request } from './api.js';
import { absolute, fragmentToken, qrImage } from './classroomApi.js';
import { h } from './dom.js';
import { saveBlob } from './saveBlob.js';
import { t } from './strings.js';

const REFRESH_MS = 5000;

function StartClassroom(el) {
  const name = h('input', { id: 'classroom-name', name: 'name', maxlength: '200', placeholder: t('classroomNamePlaceholder') });
  const message = h('p', { class: 'form-error', role: 'alert' });
  async function start(event) {
    event.preventDefault();
    message.textContent = '';
    try {
      const classroom = await request('POST', '/api/classrooms', { json: { name: name.value.trim() || t('classroomNamePlaceholder') } });
      location.assign(classroom.teacher_url);
    } catch (error) {
      message.textContent = t('error', { reason: error.message });
    }
  }
  el.append(
    h('h1', {}, t('startClassroomTitle')),
    h('p', { class: 'lead' }, t('startClassroomIntro')),
    h('form', { class: 'new-project', onsubmit: start },
      h('label', { for: 'classroom-name' }, t('classroomName')),
      h('div', { class: 'row' }, name, h('button', { type: 'submit', class: 'primary' }, t('startClassroomButton'))),
      message),
  );
}

function Dashboard(el, classroomId, token) {
  const base = `/api/classrooms/${encodeURIComponent(classroomId)}`;
  const api = (method, url, options = {}) => request(method, url, { token, ...options });
  const message = h('p', { class: 'form-error', role: 'alert' });
  const header = h('section', { class: 'classroom-header' });
  const students = h('section', { class: 'students', 'aria-live': 'polite' });
  const detail = h('section', { class: 'project-detail' });
  const assignments = h('section', { class: 'assignments' });
  const actions = h('section', { class: 'classroom-actions' });
  el.append(header, message, students, detail, assignments, actions);
  let qrShown = false;

  function fail(error) {
    message.textContent = t('error', { reason: error.message });
  }

  async function refresh() {
    let classroom;
    try {
      classroom = await api('GET', base);
    } catch (error) {
      fail(error);
      return;
    }
    renderHeader(classroom);
    renderStudents(classroom);
    renderAssignments(classroom);
  }

  function renderHeader(classroom) {
    const joinUrl = absolute(classroom.join_url);
    const toggle = h('button', { type: 'button', onclick: () => change({ join_open: !classroom.join_open }) },
      classroom.join_open ? t('closeJoining') : t('openJoining'));
    const days = h('input', { id: 'retention-days', type: 'number', min: '1', max: '365', value: String(classroom.retention_days) });
    const qrSlot = header.querySelector('.qr-slot') || h('div', { class: 'qr-slot' });
    header.replaceChildren(
      h('h1', {}, classroom.name),
      h('p', { class: 'hint' }, t('teacherLinkHint')),
      h('p', {}, t('joinCodeLabel')),
      h('p', { class: 'join-code', 'data-testid': 'join-code' }, classroom.join_code),
      h('p', {}, t('joinAt', { url: `${location.origin}/join` })),
      qrSlot,
      h('p', {}, classroom.join_open ? t('joinOpen') : '', ' ', toggle),
      h('p', { class: 'retention' }, t('deletedOn', { date: new Date(classroom.expires_at).toLocaleDateString() })),
      h('form', { class: 'row', onsubmit: (event) => { event.preventDefault(); change({ retention_days: Number(days.value) }); } },
        h('label', { for: 'retention-days' }, t('retentionLabel')), days,
        h('button', { type: 'submit' }, t('saveRetention'))),
    );
    if (!qrShown) {
      qrShown = true;
      qrImage(joinUrl, t('joinQrAlt')).then((img) => qrSlot.append(img), fail);
    }
  }

  async function change(fields) {
    try {
      await api('PATCH', base, { json: fields });
      await refresh();
    } catch (error) {
      fail(error);
    }
  }

  function renderStudents(classroom) {
    const rows = classroom.students.map((student) =>
      h('li', { class: 'student', 'data-nickname': student.nickname },
        h('strong', {}, student.nickname),
        h('ul', {}, ...student.projects.map((project) =>
          h('li', { class: 'student-project' },
            h('span', {}, `${project.title}: `),
            h('span', { class: 'counts' }, t('projectCounts', { pictures: project.sample_count, models: project.model_count, shares: project.share_count })),
            project.pending_share_count ? h('span', { class: 'pending' }, ` · ${t('pendingShares', { count: project.pending_share_count })}`) : '',
            project.quiz ? h('span', { class: 'quiz-finished' }, ` · ${t('quizFinishedBy', project.quiz)}`) : '',
            ' ',
            h('a', { class: 'button', href: teacherStudioLink(project), target: '_blank', rel: 'noopener', 'aria-label': t('openInStudioLabel', { title: project.title, nickname: student.nickname }) }, t('openInStudio')),
            ' ',
            h('button', { type: 'button', onclick: () => openProject(project) }, t('openProject'))))),
        h('button', { type: 'button', class: 'quiet', onclick: () => reissue(student) }, t('reissueStudent', { nickname: student.nickname })),
        h('button', { type: 'button', class: 'danger', onclick: () => remove(student) }, t('removeStudent', { nickname: student.nickname }))));
    students.replaceChildren(
      h('h2', {}, t('studentsTitle')),
      rows.length ? h('ul', { class: 'student-list' }, ...rows) : h('p', { class: 'empty' }, t('noStudentsYet')),
    );
  }

  // The real studio, read-only: the teacher's token in the fragment opens it for reading and
  // moderation (server/policy.py decides what it may do; the studio hides the rest).
  function teacherStudioLink(project) {
    return `/p/${encodeURIComponent(project.id)}#teacher=${encodeURIComponent(token)}`;
  }

  // Pictures to delete and share links to approve or withdraw, without leaving the dashboard.
  async function openProject(project) {
    const projectBase = `/api/projects/${encodeURIComponent(project.id)}`;
    try {
      const [samples, shares] = await Promise.all([
        api('GET', `${projectBase}/samples?per_page=500`),
        api('GET', `${projectBase}/shares`),
      ]);
      const pictures = samples.samples.map((sample) =>
        h('figure', { class: 'moderated-picture' },
          h('img', { src: sample.image_url, alt: '', width: '96', height: '96' }),
          h('button', { type: 'button', class: 'quiet', 'aria-label': t('deletePicture'),
            onclick: async () => { await api('DELETE', `${projectBase}/samples/${encodeURIComponent(sample.id)}`).catch(fail); openProject(project); refresh(); } }, '✕')));
      const links = shares.shares.map((link) =>
        h('li', { class: 'share-link', 'data-state': link.state },
          h('span', {}, t('linkState', { state: link.state })), ' ',
          link.state === 'pending' ? h('button', { type: 'button', onclick: () => linkAction('POST', `/api/shares/${link.token}/approve`) }, t('approveLink')) : '',
          link.state === 'active' || link.state === 'pending' ? h('button', { type: 'button', onclick: () => linkAction('DELETE', `/api/shares/${link.token}`) }, t('revokeLink')) : ''));
      async function linkAction(method, url) {
        await api(method, url).catch(fail);
        openProject(project);
        refresh();
      }
      detail.replaceChildren(h('h2', {}, t('projectPictures', { title: project.title })),
        h('div', { class: 'picture-grid' }, ...pictures), h('ul', {}, ...links));
    } catch (error) {
      fail(error);
    }
  }

  async function remove(student) {
    if (!confirm(t('confirmRemoveStudent', { nickname: student.nickname }))) return;
    try {
      await api('DELETE', `${base}/students/${encodeURIComponent(student.id)}`);
      detail.replaceChildren();
      await refresh();
    } catch (error) {
      fail(error);
    }
  }

  async function reissue(student) {
    try {
      const fresh = await api('POST', `${base}/students/${encodeURIComponent(student.id)}/reissue`);
      const url = absolute(fresh.student_url);
      detail.replaceChildren(h('p', {}, t('reissuedLink', { nickname: student.nickname })), h('p', { class: 'secret-link' }, url));
      qrImage(url, t('studentQrAlt')).then((img) => detail.append(img), fail);
    } catch (error) {
      fail(error);
    }
  }

  function renderAssignments(classroom) {
    const title = h('input', { id: 'assignment-title', maxlength: '200' });
    const instructions = h('textarea', { id: 'assignment-instructions', maxlength: '4000' });
    const classes = h('input', { id: 'assignment-classes' });
    async function add(event) {
      event.preventDefault();
      const names = classes.value.split(',').map((name) => name.trim()).filter(Boolean);
      try {
        await api('POST', `${base}/assignments`, { json: { title: title.value.trim(), instructions: instructions.value, classes: names } });
        document.activeElement.blur(); // done typing: the form may be redrawn
        await refresh();
      } catch (error) {
        fail(error);
      }
    }
    if (assignments.contains(document.activeElement)) return; // do not wipe what is being typed
    assignments.replaceChildren(
      h('h2', {}, t('assignmentsTitle')),
      h('ul', {}, ...classroom.assignments.map((a) => h('li', {}, `${a.title}: ${a.classes.join(', ')}`))),
      h('form', { class: 'assignment-form', onsubmit: add },
        h('label', { for: 'assignment-title' }, t('assignmentTitle')), title,
        h('label', { for: 'assignment-instructions' }, t('assignmentInstructions')), instructions,
        h('label', { for: 'assignment-classes' }, t('assignmentClasses')), classes,
        h('button', { type: 'submit' }, t('addAssignment'))),
    );
  }

  async function exportClass() {
    try {
      saveBlob(await api('GET', `${base}/archive`), 'class.zip');
    } catch (error) {
      fail(error);
    }
  }

  async function deleteClassroom() {
    if (!confirm(t('confirmDeleteClassroom'))) return;
    try {
      await api('DELETE', base);
      clearInterval(timer);
      el.replaceChildren(h('p', { class: 'lead', role: 'status' }, t('classroomDeleted')));
    } catch (error) {
      fail(error);
    }
  }

  actions.append(
    h('button', { type: 'button', onclick: exportClass }, t('exportClass')),
    h('button', { type: 'button', class: 'danger', onclick: deleteClassroom }, t('deleteClassroom')),
  );
  refresh();
  const timer = setInterval(refresh, REFRESH_MS);
}

const mount = document.querySelector('[data-mount="classroom"]');
const classroomId = location.pathname.split('/')[2];
const teacherToken = fragmentToken('teacher');
if (classroomId && teacherToken) Dashboard(mount, decodeURIComponent(classroomId), teacherToken);
else if (classroomId) mount.append(h('p', { class: 'form-error' }, t('missingToken')));
else StartClassroom(mount);
