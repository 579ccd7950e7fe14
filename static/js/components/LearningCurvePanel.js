// "How many pictures do I need?": the learning curve of the student's own pictures (see
// learningCurve.js), computed a run at a time so the page stays responsive, drawn as points with
// their spread.
import { h } from '../dom.js';
import { CURVE_REPEATS, curveSizes, learningCurveSteps } from '../learningCurve.js';
import { t } from '../strings.js';

const SVG = 'http://www.w3.org/2000/svg';
const WIDTH = 320;
const HEIGHT = 160;
const PAD = 24;

function svg(tag, attrs = {}) {
  const el = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attrs)) el.setAttribute(key, value);
  return el;
}

export function LearningCurvePanel(el) {
  const button = h('button', { type: 'button', class: 'curve-draw' }, t('curveDraw'));
  const status = h('p', { class: 'hint', role: 'status' });
  const figure = svg('svg', { viewBox: `0 0 ${WIDTH} ${HEIGHT}`, class: 'curve', role: 'img', 'aria-label': t('learnTab.curve') });
  const list = h('ul', { class: 'curve-points' });
  const finetune = h('p', { class: 'curve-finetune', hidden: true });
  el.append(h('p', { class: 'caption' }, t('curveCaption', { repeats: CURVE_REPEATS })), button, status, figure, list, finetune);
  let props = null;

  async function draw() {
    const { lesson, classes } = props;
    const labelled = lesson.labels.map((label, r) => (label >= 0 ? r : -1)).filter((r) => r >= 0);
    const dim = lesson.dim;
    const rows = new Float32Array(labelled.length * dim);
    labelled.forEach((r, i) => {
      rows.set(lesson.rows.subarray(r * dim, (r + 1) * dim), i * dim);
    });
    const labels = labelled.map((r) => lesson.labels[r]);
    const counts = classes.map((_, c) => labels.filter((l) => l === c).length).filter((n) => n > 0);
    const sizes = counts.length >= 2 ? curveSizes(Math.min(...counts)) : [];
    if (!sizes.length) {
      status.textContent = t('curveNeedsMore');
      return;
    }
    button.disabled = true;
    const total = sizes.length * CURVE_REPEATS;
    const steps = learningCurveSteps(rows, labels, classes.length, dim, { sizes });
    let done = 0;
    let next = steps.next();
    while (!next.done) {
      status.textContent = t('curveWorking', { done: ++done, total });
      await new Promise((resolve) => setTimeout(resolve, 0));
      next = steps.next();
    }
    status.textContent = '';
    button.disabled = false;
    plot(next.value);
  }

  function plot(curve) {
    const x = (i) => PAD + (i * (WIDTH - 2 * PAD)) / Math.max(curve.length - 1, 1);
    const y = (accuracy) => HEIGHT - PAD - accuracy * (HEIGHT - 2 * PAD);
    const parts = [
      svg('line', { x1: PAD, y1: y(0), x2: WIDTH - PAD, y2: y(0), class: 'axis' }),
      svg('line', { x1: PAD, y1: y(0), x2: PAD, y2: y(1), class: 'axis' }),
      svg('polyline', { fill: 'none', class: 'series', points: curve.map((p, i) => `${x(i)},${y(p.mean)}`).join(' ') }),
    ];
    curve.forEach((p, i) => {
      parts.push(svg('line', { x1: x(i), x2: x(i), y1: y(Math.min(1, p.mean + p.spread)), y2: y(Math.max(0, p.mean - p.spread)), class: 'spread' }));
      parts.push(svg('circle', { cx: x(i), cy: y(p.mean), r: 3, class: 'point', 'data-per-class': p.perClass, 'data-mean': p.mean }));
      const label = svg('text', { x: x(i), y: HEIGHT - 6, 'text-anchor': 'middle' });
      label.textContent = String(p.perClass);
      parts.push(label);
    });
    const axisX = svg('text', { x: WIDTH / 2, y: HEIGHT, 'text-anchor': 'middle', class: 'axis-label' });
    axisX.textContent = t('curveAxisX');
    parts.push(axisX);
    figure.replaceChildren(...parts);
    list.replaceChildren(...curve.map((p) => h('li', { dataset: { perClass: String(p.perClass), mean: String(p.mean) } },
      t('curvePoint', { n: p.perClass, percent: p.mean, spread: p.spread }))));
  }

  // What the server's fine-tune added: its newest version's validation accuracy beside the quick
  // model's (each scored on its own validation pictures, the same split when both came from it).
  function showFinetune() {
    const quick = props.trained?.metrics?.valAccuracy;
    const tuned = props.serverVersion?.metrics?.val_accuracy;
    finetune.hidden = quick == null || tuned == null;
    if (!finetune.hidden) {
      const points = Math.round(100 * (tuned - quick));
      finetune.textContent = t('curveFinetune', { quick, server: tuned, points });
    }
  }

  button.addEventListener('click', draw);
  return {
    update(next) {
      props = next;
      showFinetune();
    },
  };
}
