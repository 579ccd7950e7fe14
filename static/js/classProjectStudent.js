// A student's class projects, a section of their home of its own: each class with how many
// pictures the whole class gave it, a way to add pictures to it, the student's own pictures and
// the classmates' ones the teacher let through; and a copy of what they see to train in their
// own studio. It follows the server live, redrawing a class project only when it changed.
import { attemptShowing, classNames, createClassProjectCalls, drawOnChange, followLive, picturesOf } from './classProjects.js';
import { h } from './dom.js';
import { t } from './strings.js';

export function StudentClassProjects(el, { classroomId, tokenOf, request, openStudio }) {
  const calls = createClassProjectCalls(request, tokenOf);
  const message = h('p', { class: 'form-error', role: 'alert' });
  const list = h('div', { class: 'class-project-list', 'aria-live': 'polite' });
  el.append(h('h2', {}, t('classProject.title')), message, list);
  const drawn = new Map(); // class project id -> { el, key }

  const attempt = attemptShowing(message);

  async function refresh() {
    const { class_projects: projects } = await calls.list(classroomId);
    if (!projects.length) list.replaceChildren(h('p', { class: 'empty' }, t('classProject.noneForStudents')));
    const views = await Promise.all(projects.map((p) => calls.read(p.id)));
    for (const view of views) drawOnChange(list, drawn, view, card, article);
    return true;
  }

  async function add(view, cls, input) {
    const files = [...input.files];
    if (!files.length) return;
    const added = await attempt(() => calls.add(view.id, cls.id, files));
    if (added) message.textContent = t('classProject.added', { count: added.samples.length, name: cls.name });
    await attempt(refresh);
  }

  async function trainCopy(view) {
    const project = await attempt(() => calls.copy(view.id));
    if (project) openStudio(project);
  }

  const article = (view) => h('article', { class: 'class-project', dataset: { classProject: view.id } });
  function card(view) {
    const names = classNames(view);
    const picture = (p) =>
      h('figure', { class: 'moderated-picture', dataset: { sampleId: p.id, mine: String(p.mine) } },
        h('img', { src: p.image_url, alt: t('classProject.pictureAlt', { name: names[p.class_id] ?? '' }), width: 80, height: 80, loading: 'lazy' }),
        h('figcaption', { class: 'hint' }, p.mine ? t(p.approved ? 'classProject.mine' : 'classProject.mineWaiting') : t('classProject.classmate')));
    const classBox = (cls) => {
      const id = `add-${view.id}-${cls.id}`;
      const input = h('input', { id, type: 'file', accept: 'image/*', multiple: true, onchange: () => add(view, cls, input) });
      return h('section', { class: 'class-project-class', dataset: { className: cls.name } },
        h('h4', { class: 'class-count' }, t('classProject.classCount', { name: cls.name, count: cls.sample_count })),
        h('p', {}, h('label', { for: id }, t('classProject.addTo', { name: cls.name })), ' ', input),
        h('div', { class: 'picture-grid' }, ...picturesOf(view, cls.id).map(picture)));
    };
    return [
      h('h3', {}, view.title),
      ...view.classes.map(classBox),
      h('p', {}, h('button', { type: 'button', class: 'primary', onclick: () => trainCopy(view) }, t('classProject.trainCopy'))),
    ];
  }

  const live = followLive(refresh);
  return { refresh, stop: live.stop };
}
