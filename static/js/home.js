// Home page: the three ways in (start a project; start a classroom, for a teacher; join a class
// with its code, for a student), then the projects and classrooms this browser remembers.
import { createProject, importProject } from './api.js';
import { ImportProject } from './components/ImportProject.js';
import { h } from './dom.js';
import { runImports } from './importFlow.js';
import { editLink, forgetProject, rememberProject, rememberedProjects } from './projects.js';
import { forgetClassroom, rememberedClassrooms, teacherLink } from './rememberedClassrooms.js';
import { t } from './strings.js';

function NewProject() {
  const title = h('input', { id: 'project-title', name: 'title', placeholder: t('newProjectPlaceholder'), maxlength: '120' });
  const message = h('p', { class: 'form-error', role: 'alert' });
  async function start(event) {
    event.preventDefault();
    message.textContent = '';
    try {
      const names = [t('defaultClassName', { n: 1 }), t('defaultClassName', { n: 2 })];
      const project = await createProject(title.value.trim() || t('defaultProjectTitle'), names);
      rememberProject({ id: project.id, title: project.title, ownerToken: project.owner_token });
      location.assign(editLink(project.id, project.owner_token));
    } catch (error) {
      message.textContent = t('error', { reason: error.message });
    }
  }
  return h(
    'form',
    { class: 'new-project way-in', onsubmit: start },
    h('h2', {}, t('wayProjectTitle')),
    h('label', { for: 'project-title' }, t('newProjectLabel')),
    h('div', { class: 'row' }, title, h('button', { type: 'submit', class: 'primary' }, t('newProjectButton'))),
    message,
  );
}

function NewClassroom() {
  return h(
    'section',
    { class: 'new-project way-in' },
    h('h2', {}, t('wayClassroomTitle')),
    h('p', { class: 'hint' }, t('wayClassroomText')),
    h('a', { class: 'button primary', href: '/classroom' }, t('startClassroomTitle')),
  );
}

// The code goes to the join page in its fragment (#code=...), which fills it in.
function JoinClass() {
  const code = h('input', { id: 'home-join-code', name: 'code', autocomplete: 'off', autocapitalize: 'characters', required: '' });
  const go = (event) => {
    event.preventDefault();
    location.assign(`/join#code=${encodeURIComponent(code.value.trim())}`);
  };
  return h(
    'form',
    { class: 'new-project way-in', onsubmit: go },
    h('h2', {}, t('wayJoinTitle')),
    h('label', { for: 'home-join-code' }, t('joinCode')),
    h('div', { class: 'row' }, code, h('button', { type: 'submit', class: 'primary' }, t('wayJoinButton'))),
  );
}

// A list of what this browser remembers: a link each, and a button to forget it.
function RememberedList({ items, href, label, forgetLabel, forget, empty }) {
  const list = h('ul', { class: 'project-list' });
  function update() {
    const shown = items();
    list.replaceChildren(
      ...shown.map((item) =>
        h(
          'li',
          {},
          h('a', { href: href(item) }, label(item)),
          h('button', { type: 'button', class: 'quiet', 'aria-label': forgetLabel(item), onclick: () => { forget(item); update(); } }, '✕'),
        ),
      ),
    );
    if (!shown.length) list.append(h('li', { class: 'empty' }, empty));
  }
  update();
  return list;
}

function Home(el) {
  const importEl = h('section', { class: 'new-project' });
  runImports(importEl, ImportProject(importEl), {
    importFile: importProject,
    linkTo: (project) => {
      rememberProject({ id: project.id, title: project.title, ownerToken: project.owner_token });
      return editLink(project.id, project.owner_token);
    },
  });
  el.append(
    h('h1', {}, t('homeTitle')),
    h('p', { class: 'lead' }, t('homeIntro')),
    h('div', { class: 'ways-in' }, NewProject(), NewClassroom(), JoinClass()),
    importEl,
    h('h2', {}, t('yourProjects')),
    RememberedList({
      items: rememberedProjects,
      href: (p) => editLink(p.id, p.ownerToken),
      label: (p) => p.title,
      forgetLabel: (p) => t('forgetProject', { title: p.title }),
      forget: (p) => forgetProject(p.id),
      empty: t('noProjectsYet'),
    }),
    h('h2', {}, t('yourClassrooms')),
    RememberedList({
      items: rememberedClassrooms,
      href: (c) => teacherLink(c.id, c.teacherToken),
      label: (c) => c.name,
      forgetLabel: (c) => t('forgetClassroomNamed', { name: c.name }),
      forget: (c) => forgetClassroom(c.id),
      empty: t('noClassroomsYet'),
    }),
  );
}

Home(document.querySelector('[data-mount="home"]'));
