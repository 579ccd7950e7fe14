// The teacher's class projects, a section of the dashboard of its own: start one from an
// assignment, watch its classes fill, let pictures through (one by one, or every one with the
// setting), delete one, remove one student's pictures in one step, and open it in the studio
// to train and save the class's model. It asks the server again every REFRESH_MS and redraws a
// class project only when what it shows changed.
import { attemptShowing, classNames, classStudioLink, createClassProjectCalls, drawOnChange, followLive, startable } from './classProjects.js';
import { h } from './dom.js';
import { t } from './strings.js';

export function ClassProjectsSection(el, { classroomId, tokenOf, request, confirm }) {
  const calls = createClassProjectCalls(request, tokenOf);
  const message = h('p', { class: 'form-error', role: 'alert' });
  const starts = h('p', { class: 'class-project-starts' });
  const list = h('div', { class: 'class-project-list' });
  el.append(h('h2', {}, t('classProject.title')), h('p', { class: 'hint' }, t('classProject.intro')), message, starts, list);
  const drawn = new Map(); // class project id -> { el, key }

  const attempt = attemptShowing(message);

  async function refresh() {
    const [{ class_projects: projects }, { assignments }] = await Promise.all([
      calls.list(classroomId),
      calls.assignments(classroomId),
    ]);
    const open = startable(assignments, projects);
    starts.replaceChildren(
      ...(projects.length || open.length ? [] : [h('span', { class: 'empty' }, t('classProject.none'))]),
      ...open.map((a) => h('button', { type: 'button', onclick: () => start(a) }, t('classProject.start', { title: a.title }))),
    );
    const views = await Promise.all(projects.map((p) => calls.read(p.id)));
    for (const view of views) draw(view);
    return true;
  }

  async function act(action) {
    await attempt(action);
    await attempt(refresh);
  }
  const start = (assignment) => act(() => calls.start(classroomId, assignment.id));

  const card = (view) => ClassProjectCard(view, { act, calls, confirm, token: tokenOf() });
  const article = (view) => h('article', { class: 'class-project', dataset: { classProject: view.id } });
  const draw = (view) => drawOnChange(list, drawn, view, card, article);
  const live = followLive(refresh);
  return { refresh, start: live.start, stop: live.stop };
}

function ClassProjectCard(view, { act, calls, confirm, token }) {
  const names = classNames(view);
  const setting = h('input', { type: 'checkbox', id: `let-all-${view.id}`, checked: view.let_all_through, onchange: (e) => act(() => calls.letAllThrough(view.id, e.target.checked)) });
  const picture = (p) =>
    h('figure', { class: 'moderated-picture', dataset: { sampleId: p.id, approved: String(p.approved) } },
      h('img', { src: p.image_url, alt: t('classProject.pictureAlt', { name: names[p.class_id] ?? '' }), width: 96, height: 96, loading: 'lazy' }),
      h('figcaption', {},
        t('classProject.pictureBy', { nickname: p.contributor?.nickname ?? t('classProject.byTeacher'), className: names[p.class_id] ?? '' }), ' ',
        p.approved
          ? h('span', { class: 'hint' }, t('classProject.shown'))
          : h('button', { type: 'button', class: 'primary', onclick: () => act(() => calls.letThrough(view.id, p.id)) }, t('classProject.letThrough')),
        ' ',
        h('button', { type: 'button', class: 'quiet', onclick: () => act(() => calls.deletePicture(view.id, p.id)) }, t('classProject.deletePicture'))));
  const remove = (c) => {
    if (confirm(t('classProject.confirmRemove', { nickname: c.nickname, title: view.title }))) act(() => calls.removeStudent(view.id, c.id));
  };
  return [
    h('h3', {}, view.title),
    h('ul', { class: 'class-counts' }, ...view.classes.map((c) => h('li', {}, t('classProject.classCount', { name: c.name, count: c.sample_count })))),
    h('p', {}, setting, ' ', h('label', { for: `let-all-${view.id}` }, t('classProject.letAllThrough'))),
    h('p', {}, h('a', { class: 'button primary', href: classStudioLink(view.id, token), target: '_blank', rel: 'noopener' }, t('classProject.openStudio'))),
    h('h4', {}, t('classProject.waiting', { count: view.waiting_count })),
    h('div', { class: 'picture-grid' }, ...view.pictures.map(picture)), // the waiting ones first
    h('h4', {}, t('classProject.contributors')),
    h('ul', { class: 'class-project-contributors' },
      ...view.contributors.map((c) =>
        h('li', {}, t('classProject.contributor', { nickname: c.nickname, count: c.picture_count }), ' ',
          h('button', { type: 'button', class: 'danger', onclick: () => remove(c) }, t('classProject.removeStudent', { nickname: c.nickname }))))),
  ];
}
