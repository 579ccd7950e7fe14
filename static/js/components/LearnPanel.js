// "Learn how it works": the lesson inside the studio, in tabs. The studio hands it the project's
// data through update(); moving or deleting a picture goes back up as events (move-samples,
// delete-samples). Each tab draws only while it is open.
import { emit, h } from '../dom.js';
import { t } from '../strings.js';
import { preprocessRows } from '../head.js';
import { HowItWorks } from './HowItWorks.js';
import { LearningCurvePanel } from './LearningCurvePanel.js';
import { PictureMap } from './PictureMap.js';
import { Quiz } from './Quiz.js';

const TABS = ['inside', 'map', 'curve', 'quiz', 'python'];

/**
 * props for update(): {classes: [{id, name}], samples: [{id, classId, url, embedding}],
 * trained: {head, labels} | null, backbone: the loaded backbone | null, canWrite,
 * inClassroom: whether the project is a classroom student's (the quiz's score is kept for the
 * teacher)}
 */
// umapUrl: umap-js's browser bundle, for the map's UMAP option.
export function LearnPanel(el, { loadPicture, umapUrl = null }) {
  el.classList.add('learn-panel');
  const tabList = h('div', { role: 'tablist', 'aria-label': t('learnTitle') });
  const bodies = {};
  const buttons = {};
  for (const key of TABS) {
    bodies[key] = h('div', { role: 'tabpanel', id: `learn-${key}`, class: `learn-${key}`, hidden: true });
    buttons[key] = h('button', { type: 'button', role: 'tab', 'aria-controls': `learn-${key}`, 'aria-selected': 'false', tabindex: '-1', onclick: () => open(key) }, t(`learnTab.${key}`));
    tabList.append(buttons[key]);
  }
  tabList.addEventListener('keydown', (event) => {
    const step = { ArrowRight: 1, ArrowLeft: -1 }[event.key];
    if (!step) return;
    const next = TABS[(TABS.indexOf(current) + step + TABS.length) % TABS.length];
    open(next);
    buttons[next].focus();
  });
  const details = h('details', { class: 'learn' }, h('summary', {}, h('h2', {}, t('learnTitle'))), tabList, ...TABS.map((k) => bodies[k]));
  el.append(details);

  const parts = {
    inside: HowItWorks(bodies.inside, { loadPicture }),
    map: PictureMap(bodies.map, { umapUrl }),
    curve: LearningCurvePanel(bodies.curve),
    quiz: Quiz(bodies.quiz),
    python: PythonDownload(bodies.python),
  };
  let current = null;
  let props = null; // the studio's data; the lesson rows are made only when a tab is drawn
  let lesson = null;

  function draw() {
    if (!props || !details.open) return;
    lesson ??= lessonData(props);
    parts[current].update({ ...props, lesson });
  }

  function open(key) {
    current = key;
    for (const k of TABS) {
      bodies[k].hidden = k !== key;
      buttons[k].setAttribute('aria-selected', String(k === key));
      buttons[k].tabIndex = k === key ? 0 : -1;
    }
    draw();
  }
  open('inside');
  details.addEventListener('toggle', draw);

  return {
    update(next) {
      props = next;
      lesson = null;
      draw();
    },
  };
}

// The pictures whose embeddings are ready, as rows the way the head sees them, with their class
// index in the studio's order (-1: not sorted into a class). The share page's owner view too.
export function lessonData({ classes, samples, trained }) {
  const ready = samples.filter((s) => s.embedding);
  const dim = ready[0]?.embedding.length ?? 0;
  const index = new Map(classes.map((c, i) => [c.id, i]));
  const raw = new Float32Array(ready.length * dim);
  ready.forEach((s, r) => {
    raw.set(s.embedding, r * dim);
  });
  const rows = preprocessRows(raw, ready.length, dim, trained?.head.preprocess ?? 'sqrt-l2');
  return { ready, dim, rows, labels: ready.map((s) => index.get(s.classId) ?? -1) };
}

// The notebook's zip: asked for with 'download-notebook'; props.notebookMessage says how it goes.
function PythonDownload(el) {
  const button = h('button', { type: 'button', class: 'download-notebook' }, t('pythonDownload'));
  const status = h('p', { class: 'hint', role: 'status' });
  el.append(h('p', {}, t('pythonCaption')), button, status);
  button.addEventListener('click', () => emit(el, 'download-notebook'));
  return {
    update({ canWrite, notebookMessage }) {
      button.disabled = !canWrite;
      if (!canWrite) status.textContent = t('pythonOwnerOnly');
      else status.textContent = notebookMessage ? t(notebookMessage.key, notebookMessage.params) : '';
    },
  };
}
