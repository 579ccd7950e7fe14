// Home page: start a project (no account) or reopen one this browser made.
import { createProject, importProject } from './api.js';
import { ImportProject } from './components/ImportProject.js';
import { h } from './dom.js';
import { runImports } from './importFlow.js';
import { editLink, forgetProject, rememberProject, rememberedProjects } from './projects.js';
import { t } from './strings.js';

function Home(el) {
  const title = h('input', { id: 'project-title', name: 'title', placeholder: t('newProjectPlaceholder'), maxlength: '120' });
  const message = h('p', { class: 'form-error', role: 'alert' });
  const form = h(
    'form',
    { class: 'new-project', onsubmit: start },
    h('label', { for: 'project-title' }, t('newProjectLabel')),
    h('div', { class: 'row' }, title, h('button', { type: 'submit', class: 'primary' }, t('newProjectButton'))),
    message,
  );
  const list = h('ul', { class: 'project-list' });
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
    form,
    importEl,
    h('h2', {}, t('yourProjects')),
    list,
  );

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

  function update() {
    const projects = rememberedProjects();
    list.replaceChildren(
      ...projects.map((p) =>
        h(
          'li',
          {},
          h('a', { href: editLink(p.id, p.ownerToken) }, p.title),
          h(
            'button',
            { type: 'button', class: 'quiet', 'aria-label': t('forgetProject', { title: p.title }), onclick: () => { forgetProject(p.id); update(); } },
            '✕',
          ),
        ),
      ),
    );
    if (!projects.length) list.append(h('li', { class: 'empty' }, t('noProjectsYet')));
  }
  update();
}

Home(document.querySelector('[data-mount="home"]'));
