// The teacher's page: start a classroom, then its dashboard (join code, the class at a glance
// kept live, moderation, assignments, the class zip, deletion). The teacher token stays in the
// URL fragment (#teacher=...).
import { request } from './api.js';
import { absolute, fragmentToken, qrImage } from './classroomApi.js';
import { createClassroomCalls } from './classroomCalls.js';
import { classroomActions, initialClassroomState } from './classroomState.js';
import { ClassProjectsSection } from './classProjectTeacher.js';
import { ClassroomView } from './classroomView.js';
import { h } from './dom.js';
import { createPoller } from './poller.js';
import { forgetClassroom, isRemembered, rememberClassroom } from './rememberedClassrooms.js';
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

// The dashboard: the view's events call the calls of classroomCalls.js, which change the state
// through dispatch (classroomState.js); the classroom is asked again every REFRESH_MS.
function Dashboard(el, classroomId, token) {
  let state = initialClassroomState({ token, remembered: isRemembered(classroomId, token) });
  const view = ClassroomView(el, { qrImage });
  const dispatch = (name, detail) => {
    state = classroomActions[name](state, detail);
    view.draw(state);
  };
  const calls = createClassroomCalls({ classroomId, token, request, dispatch, confirm: (text) => confirm(text), saveFile: saveBlob, absolute });
  const poller = createPoller(async () => {
    await calls.refresh();
    return !state.deleted;
  }, REFRESH_MS);

  const on = (name, handler) => el.addEventListener(name, (e) => handler(e.detail ?? {}));
  on('change-classroom', (fields) => calls.change(fields));
  on('delete-picture', ({ projectId, sampleId, nickname }) => confirm(t('confirmDeletePicture', { nickname })) && calls.deletePicture(projectId, sampleId));
  on('approve-link', ({ token: link }) => calls.approveLink(link));
  on('refuse-link', ({ token: link }) => calls.refuseLink(link));
  on('open-pictures', ({ page }) => calls.openPictures(page));
  on('close-pictures', () => calls.closePictures());
  on('remove-student', ({ student }) => calls.removeStudent(student));
  on('reissue-student', ({ student }) => calls.reissueStudent(student));
  on('add-assignment', async (assignment) => {
    if (!(await calls.addAssignment(assignment))) return;
    document.activeElement.blur(); // done typing: the form may be redrawn
    await calls.refresh();
  });
  on('export-class', () => calls.exportClass());
  // Remembering (opt-in) keeps the classroom's id, name and teacher token in this browser.
  const remember = () => rememberClassroom({ id: classroomId, name: state.classroom?.name ?? '', teacherToken: state.token });
  on('remember-classroom', () => {
    remember();
    dispatch('rememberedChanged', { remembered: true });
  });
  on('forget-classroom', () => {
    forgetClassroom(classroomId);
    dispatch('rememberedChanged', { remembered: false });
  });
  on('new-teacher-link', async () => {
    const fresh = await calls.newTeacherLink();
    if (!fresh) return;
    history.replaceState(null, '', fresh.teacher_url); // the address bar holds the new link
    if (state.remembered) remember();
  });
  // The class projects: a section of their own, which follows the server on its own.
  const together = h('section', { class: 'class-projects' });
  el.append(together);
  const classProjects = ClassProjectsSection(together, { classroomId, tokenOf: () => state.token, request, confirm: (text) => confirm(text) });
  on('delete-classroom', async () => {
    classProjects.stop(); // asks nothing of a classroom being deleted
    await calls.deleteClassroom();
    if (!state.deleted) {
      classProjects.start();
      return;
    }
    poller.stop();
    forgetClassroom(classroomId);
  });
  calls.refresh();
  poller.start();
}

const mount = document.querySelector('[data-mount="classroom"]');
const classroomId = location.pathname.split('/')[2];
const teacherToken = fragmentToken('teacher');
if (classroomId && teacherToken) Dashboard(mount, decodeURIComponent(classroomId), teacherToken);
else if (classroomId) mount.append(h('p', { class: 'form-error' }, t('missingToken')));
else StartClassroom(mount);
