// The class at a glance: a card per student with, per project, pictures per class and the newest
// few (a click deletes one), the latest model's validation accuracy, the quiz score, the share
// links waiting (approve or refuse right there) and the last activity. draw(overview, token)
// redraws only the cards whose etag changed (classroomState.js rowChanges): the others, and
// their loaded thumbnails, stay as they are. Buttons send verb-named events up through `send`.
import { h } from '../dom.js';
import { percent, rowChanges, teacherStudioLink } from '../classroomState.js';
import { formatDateTime, t } from '../strings.js';

function accuracyText(model, accuracy) {
  if (!model) return t('noSavedModel');
  return accuracy === null ? t('accuracyUnmeasured') : t('accuracyValue', { percent: accuracy / 100 });
}

export function ClassOverview(send) {
  const list = h('ul', { class: 'overview-list' });
  const empty = h('p', { class: 'empty' }, t('noStudentsYet'));
  const el = h('section', { class: 'students', 'aria-labelledby': 'students-title' }, h('h2', { id: 'students-title' }, t('studentsTitle')), empty, list);
  const rows = new Map(); // student id -> {etag, li}
  let shownToken = null;

  function thumbnail(student, project, picture) {
    const label = t('deletePictureOf', { nickname: student.nickname });
    return h(
      'li',
      {},
      h(
        'button',
        { type: 'button', class: 'thumb-button', 'aria-label': label, title: label, dataset: { sampleId: picture.id }, onclick: () => send('delete-picture', { projectId: project.id, sampleId: picture.id, nickname: student.nickname }) },
        h('img', { src: picture.image_url, alt: '', width: '56', height: '56', loading: 'lazy', decoding: 'async' }),
      ),
    );
  }

  function pendingLink(student, link) {
    return h(
      'li',
      { class: 'pending-link', dataset: { token: link.token } },
      h('span', {}, t('linkWaiting')),
      ' ',
      h('button', { type: 'button', onclick: () => send('approve-link', { token: link.token }), 'aria-label': t('approveLinkOf', { nickname: student.nickname }) }, t('approveLink')),
      ' ',
      h('button', { type: 'button', class: 'quiet', onclick: () => send('refuse-link', { token: link.token }), 'aria-label': t('refuseLinkOf', { nickname: student.nickname }) }, t('refuseLink')),
    );
  }

  function projectBlock(student, project, token) {
    const accuracy = percent(project.latest_model?.val_accuracy);
    return h(
      'div',
      { class: 'overview-project', dataset: { projectId: project.id } },
      h('h4', {}, project.title, ' ', h('a', { href: teacherStudioLink(project, token), target: '_blank', rel: 'noopener', 'aria-label': t('openInStudioLabel', { title: project.title, nickname: student.nickname }) }, t('openInStudio'))),
      h('p', { class: 'class-counts' }, project.classes.map((c) => t('classCount', { name: c.name, count: c.sample_count })).join(' · ') || t('noClassesYet')),
      h('dl', { class: 'overview-figures' },
        h('dt', {}, t('accuracyLabel')),
        h('dd', { class: 'accuracy' }, accuracyText(project.latest_model, accuracy)),
        h('dt', {}, t('quizLabel')),
        h('dd', { class: 'quiz-score' }, project.quiz ? t('quizValue', project.quiz) : t('quizNotYet'))),
      project.latest_pictures.length ? h('ul', { class: 'overview-thumbs' }, ...project.latest_pictures.map((picture) => thumbnail(student, project, picture))) : '',
      project.pending_links.length ? h('ul', { class: 'pending-links' }, ...project.pending_links.map((link) => pendingLink(student, link))) : '',
    );
  }

  function card(student, token) {
    return h(
      'li',
      { class: 'student overview-card', dataset: { nickname: student.nickname, etag: student.etag } },
      h('h3', {}, student.nickname),
      h('p', { class: 'hint last-activity' }, t('lastActivity', { time: formatDateTime(student.last_activity) })),
      student.projects.length ? student.projects.map((project) => projectBlock(student, project, token)) : h('p', { class: 'hint' }, t('noStudentProjectsYet')),
      h('div', { class: 'row' },
        h('button', { type: 'button', class: 'quiet', onclick: () => send('reissue-student', { student }) }, t('reissueStudent', { nickname: student.nickname })),
        h('button', { type: 'button', class: 'danger', onclick: () => send('remove-student', { student }) }, t('removeStudent', { nickname: student.nickname }))),
    );
  }

  // A kept card's thumbnails that have not loaded (lazy ones below the fold, or one whose URL had
  // expired) take the newly signed URLs; loaded ones stay as they are.
  function freshUrls(li, student) {
    const waiting = li.querySelectorAll('.thumb-button img');
    const unloaded = (img) => img.naturalWidth === 0; // not loaded yet, or failed (an expired URL)
    if (![...waiting].some(unloaded)) return;
    const urls = new Map(student.projects.flatMap((project) => project.latest_pictures.map((picture) => [picture.id, picture.image_url])));
    for (const img of waiting) {
      const url = urls.get(img.parentElement.dataset.sampleId);
      if (unloaded(img) && url && img.src !== url) img.src = url;
    }
  }

  // Returns how many cards were drawn again (the benchmark and the tests read it too).
  function draw(overview, token) {
    if (token !== shownToken) {
      rows.clear(); // the studio links carry the token: every card again
      list.replaceChildren();
      shownToken = token;
    }
    const shown = new Map([...rows].map(([id, row]) => [id, row.etag]));
    const { draw: changed, remove } = rowChanges(shown, overview.students);
    for (const id of remove) {
      rows.get(id).li.remove();
      rows.delete(id);
    }
    const redraw = new Set(changed);
    overview.students.forEach((student, index) => {
      if (redraw.has(student.id)) {
        const li = card(student, token);
        rows.get(student.id)?.li.replaceWith(li);
        rows.set(student.id, { etag: student.etag, li });
      } else {
        freshUrls(rows.get(student.id).li, student);
      }
      const { li } = rows.get(student.id);
      if (list.children[index] !== li) list.insertBefore(li, list.children[index] ?? null);
    });
    empty.hidden = overview.students.length > 0;
    el.dataset.drawn = String(redraw.size);
    return redraw.size;
  }

  return { el, draw };
}
