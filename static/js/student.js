// A student's home: their projects (opened in the studio with the student link's token), the
// class's assignments to start from, and the class gallery.
import { importProject, request } from './api.js';
import { fragmentToken } from './classroomApi.js';
import { StudentClassProjects } from './classProjectStudent.js';
import { ImportProject } from './components/ImportProject.js';
import { h } from './dom.js';
import { runImports } from './importFlow.js';
import { followClassroomLanguage, t } from './strings.js';

function studioLink(projectId, token) {
  return `/p/${encodeURIComponent(projectId)}#student=${encodeURIComponent(token)}`;
}

async function StudentHome(el, token) {
  const api = (method, url, options = {}) => request(method, url, { token, ...options });
  const message = h('p', { class: 'form-error', role: 'alert' });
  let home;
  try {
    home = await api('GET', '/api/student');
    followClassroomLanguage(home.classroom.language);
  } catch (error) {
    el.append(h('p', { class: 'form-error' }, t('error', { reason: error.message })));
    return;
  }
  async function start(body) {
    try {
      const project = await api('POST', '/api/projects', { json: body });
      location.assign(studioLink(project.id, token));
    } catch (error) {
      message.textContent = t('error', { reason: error.message });
    }
  }
  async function publish(project) {
    try {
      await api('POST', `/api/projects/${encodeURIComponent(project.id)}/gallery`, { json: { published: !project.published_to_class } });
      location.reload();
    } catch (error) {
      message.textContent = t('error', { reason: error.message });
    }
  }
  const projects = home.student.projects.map((project) =>
    h('li', { class: 'student-project' },
      h('a', { href: studioLink(project.id, token) }, project.title), ' ',
      h('button', { type: 'button', class: 'quiet', onclick: () => publish(project) },
        project.published_to_class ? t('unpublishFromClass') : t('publishToClass'))));
  // A project from a zip of class folders or a Teachable Machine .tm file, in this classroom.
  const importEl = h('section', { class: 'student-import' });
  runImports(importEl, ImportProject(importEl), {
    importFile: (file) => importProject(file, token),
    linkTo: (project) => studioLink(project.id, token),
  });
  const gallery = h('ul', { class: 'gallery' });
  const together = h('section', { class: 'class-projects' });
  el.append(
    h('h1', {}, t('studentHomeTitle', { nickname: home.student.nickname, classroom: home.classroom.name })),
    message,
    h('h2', {}, t('myProjects')),
    projects.length ? h('ul', { class: 'project-list' }, ...projects) : h('p', { class: 'empty' }, t('noStudentProjects')),
    h('p', {},
      h('button', { type: 'button', class: 'primary', onclick: () => start({ title: t('defaultProjectTitle'), classes: [t('defaultClassName', { n: 1 }), t('defaultClassName', { n: 2 })] }) }, t('newStudentProject')),
      ...home.assignments.map((a) => h('button', { type: 'button', title: a.instructions, onclick: () => start({ assignment_id: a.id }) }, t('startFromAssignment', { title: a.title })))),
    importEl,
    together,
    h('h2', {}, t('galleryTitle')),
    gallery,
  );
  StudentClassProjects(together, { classroomId: home.classroom.id, tokenOf: () => token, request, openStudio: (project) => location.assign(studioLink(project.id, token)) });
  const entries = (await api('GET', `/api/classrooms/${encodeURIComponent(home.classroom.id)}/gallery`)).gallery;
  gallery.replaceChildren(...entries.map((e) => h('li', {}, t('galleryEntry', { title: e.project.title, nickname: e.nickname }))));
  if (!entries.length) gallery.append(h('li', { class: 'empty' }, t('galleryEmpty')));
}

const mount = document.querySelector('[data-mount="student"]');
const token = fragmentToken('student');
if (token) StudentHome(mount, token);
else mount.append(h('p', { class: 'form-error' }, t('missingToken')));
