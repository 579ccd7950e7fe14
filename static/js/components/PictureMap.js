// The map of your pictures: every picture with an embedding placed in 2-D (PCA, computed in the
// page a pass at a time; or UMAP, in a Web Worker), coloured by class, a thumbnail on hover and
// focus, arrow keys to move between dots, and the pictures nearer another class than their own
// listed to check, with one click to move or delete them (events move-samples and delete-samples).
import { emit, h } from '../dom.js';
import { labelsToCheck, neighbourInDirection, pca2dSteps } from '../pictureMap.js';
import { t } from '../strings.js';
import { importUmd, umap2dSteps } from '../umapLayout.js';

const SVG = 'http://www.w3.org/2000/svg';
const SIZE = 400;
const PAD = 12;
const COLOURS = ['#1b6ac9', '#e8590c', '#2b8a3e', '#c2255c', '#7048e8', '#a07f00', '#0c8599', '#5c5f66', '#d6336c', '#495057'];
const UNLABELLED = '#adb5bd';

function svg(tag, attrs = {}) {
  const el = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attrs)) el.setAttribute(key, value);
  return el;
}

const nextFrame = () => new Promise((resolve) => setTimeout(resolve, 0));

const LAYOUTS = ['pca', 'umap'];

// `umapUrl`: umap-js's browser bundle as the server serves it (no UMAP option without one).
export function PictureMap(el, { umapUrl = null } = {}) {
  const caption = h('p', { class: 'caption' }, t('mapCaption'));
  const status = h('p', { class: 'hint', role: 'status' });
  let layout = 'pca';
  const layoutChoice = h('fieldset', { class: 'map-layout', hidden: !umapUrl },
    h('legend', {}, t('mapLayout')),
    LAYOUTS.map((key) => h('label', {},
      h('input', { type: 'radio', name: 'map-layout', value: key, checked: key === layout, onchange: () => choose(key) }),
      ` ${t(`mapLayout.${key}`)}`)));
  const figure = svg('svg', { viewBox: `0 0 ${SIZE} ${SIZE}`, class: 'map', role: 'group', 'aria-label': t('learnTab.map') });
  const tip = h('div', { class: 'map-tip', hidden: true });
  const legend = h('ul', { class: 'map-legend' });
  const checks = h('div', { class: 'map-checks' });
  el.append(caption, layoutChoice, status, h('div', { class: 'map-box' }, figure, tip), legend, checks);
  let props = null;
  let key = null;
  let placed = null; // {points (scaled to the figure), samples, labels, flagged: Map row -> nearest}
  let dots = [];
  let focused = 0;
  let run = 0;
  let stopUmap = null; // ends the UMAP worker of the run in progress

  function choose(chosen) {
    layout = chosen;
    caption.textContent = t(chosen === 'umap' ? 'mapCaptionUmap' : 'mapCaption');
    if (props) place();
  }

  // PCA here, a pass per frame (a pass is ~10 ms at 2,000 pictures): the page stays responsive.
  async function pcaPoints(mine, { rows, ready, dim }) {
    const steps = pca2dSteps(rows, ready.length, dim);
    let next = steps.next();
    while (!next.done) {
      await nextFrame();
      if (mine !== run) return null;
      next = steps.next();
    }
    return next.value.points;
  }

  // UMAP in a worker: its neighbour search over 2,000 pictures is seconds of work in one go.
  // Where no worker starts, the same steps run here between frames.
  function umapPoints(mine, { rows, ready, dim }) {
    const count = ready.length;
    const progress = ({ done, total }) => {
      if (mine === run) status.textContent = t('mapWorkingUmap', { count, percent: done / total });
    };
    return new Promise((resolve, reject) => {
      let mapWorker;
      try {
        mapWorker = new Worker(new URL('../mapWorker.js', import.meta.url), { type: 'module' });
      } catch {
        umapOnPage(mine, rows, count, dim, progress).then(resolve, reject);
        return;
      }
      const finish = (value, error) => {
        mapWorker.terminate();
        if (error) reject(error);
        else resolve(mine === run ? value : null);
      };
      stopUmap = () => finish(null);
      mapWorker.onmessage = ({ data }) => {
        if (data.type === 'progress') progress(data);
        else if (data.type === 'done') finish(data.points);
        else finish(null, new Error(data.error));
      };
      mapWorker.onerror = (event) => {
        event.preventDefault();
        finish(null, new Error(event.message || t('mapUmapFailed')));
      };
      const absolute = new URL(umapUrl, location.href).href;
      mapWorker.postMessage({ umapUrl: absolute, rows, count, dim, seed: 0 });
    });
  }

  async function umapOnPage(mine, rows, count, dim, progress) {
    const { UMAP } = await importUmd(new URL(umapUrl, location.href).href);
    const steps = umap2dSteps(UMAP, rows, count, dim);
    let next = steps.next();
    while (!next.done) {
      progress(next.value);
      await nextFrame();
      if (mine !== run) return null;
      next = steps.next();
    }
    return next.value.points;
  }

  async function place() {
    const mine = ++run;
    stopUmap?.(); // a newer run replaces it
    stopUmap = null;
    const { lesson, classes } = props;
    const { ready, rows, labels, dim } = lesson;
    status.textContent = t('mapWorking', { count: ready.length });
    figure.dataset.layout = '';
    let points;
    try {
      points = await (layout === 'umap' ? umapPoints(mine, lesson) : pcaPoints(mine, lesson));
    } catch (error) {
      if (mine === run) status.textContent = t('error', { reason: error.message });
      return;
    }
    if (!points || mine !== run) return;
    // Only labelled pictures are checked; unlabelled ones have no label to be wrong.
    const labelled = labels.map((label, r) => (label >= 0 ? r : -1)).filter((r) => r >= 0);
    const labelledRows = new Float32Array(labelled.length * dim);
    labelled.forEach((r, i) => {
      labelledRows.set(rows.subarray(r * dim, (r + 1) * dim), i * dim);
    });
    const found = labelsToCheck(labelledRows, labelled.map((r) => labels[r]), classes.length, dim);
    const flagged = new Map(found.map(({ row, nearest }) => [labelled[row], nearest]));
    placed = { points: scaled(points), samples: ready, labels, flagged };
    status.textContent = '';
    figure.dataset.layout = layout; // which layout the dots show now (tests wait for it)
    draw();
  }

  function scaled(points) {
    let [minX, maxX, minY, maxY] = [Infinity, -Infinity, Infinity, -Infinity];
    for (let r = 0; r < points.length / 2; r += 1) {
      minX = Math.min(minX, points[r * 2]); maxX = Math.max(maxX, points[r * 2]);
      minY = Math.min(minY, points[r * 2 + 1]); maxY = Math.max(maxY, points[r * 2 + 1]);
    }
    const span = Math.max(maxX - minX, maxY - minY, 1e-9);
    return points.map((v, i) => PAD + ((v - (i % 2 ? minY : minX)) / span) * (SIZE - 2 * PAD));
  }

  function name(label) {
    return label >= 0 ? props.classes[label].name : t('mapUnlabelled');
  }

  function pointLabel(r) {
    const { labels, flagged } = placed;
    const text = t('mapPoint', { class: name(labels[r]), n: r + 1 });
    return flagged.has(r) ? `${text} (${t('mapCheckLabel')})` : text;
  }

  function draw() {
    const { points, labels, flagged, samples } = placed;
    dots = samples.map((sample, r) => {
      const dot = svg('circle', {
        cx: points[r * 2], cy: points[r * 2 + 1], r: flagged.has(r) ? 6 : 4,
        fill: labels[r] >= 0 ? COLOURS[labels[r] % COLOURS.length] : UNLABELLED,
        class: flagged.has(r) ? 'dot flagged' : 'dot', tabindex: r === focused ? '0' : '-1',
        role: 'img', 'aria-label': pointLabel(r), 'data-sample-id': String(sample.id),
      });
      dot.addEventListener('mouseenter', () => showTip(r));
      dot.addEventListener('mouseleave', () => (tip.hidden = true));
      dot.addEventListener('focus', () => showTip(r));
      dot.addEventListener('blur', () => (tip.hidden = true));
      return dot;
    });
    figure.replaceChildren(...dots);
    legend.replaceChildren(...props.classes.map((c, i) => {
      const swatch = h('span', { class: 'swatch' });
      swatch.style.background = COLOURS[i % COLOURS.length]; // CSSOM: the CSP refuses style attributes
      return h('li', {}, swatch, c.name);
    }));
    const list = [...flagged.entries()];
    checks.replaceChildren(
      h('h3', {}, list.length ? t('mapChecks', { count: list.length }) : t('mapChecksNone')),
      h('ul', {}, list.map(([r, nearest]) => checkItem(r, nearest))),
    );
  }

  function checkItem(r, nearest) {
    const sample = placed.samples[r];
    const target = props.classes[nearest];
    return h('li', { class: 'map-check', dataset: { sampleId: String(sample.id) } },
      h('img', { src: sample.url, alt: '', width: 48, height: 48 }),
      h('span', {}, t('mapCheck', { class: name(placed.labels[r]), nearest: target.name })),
      props.canWrite && h('button', { type: 'button', onclick: () => emit(el, 'move-samples', { ids: [sample.id], classId: target.id }) }, t('mapMoveTo', { class: target.name })),
      props.canWrite && h('button', { type: 'button', class: 'danger', onclick: () => emit(el, 'delete-samples', { ids: [sample.id] }) }, t('mapDelete')));
  }

  function showTip(r) {
    const { points, samples } = placed;
    tip.replaceChildren(h('img', { src: samples[r].url, alt: '', width: 96, height: 96 }), h('span', {}, pointLabel(r)));
    tip.style.left = `${(100 * points[r * 2]) / SIZE}%`;
    tip.style.top = `${(100 * points[r * 2 + 1]) / SIZE}%`;
    tip.hidden = false;
  }

  figure.addEventListener('keydown', (event) => {
    const direction = { ArrowRight: [1, 0], ArrowLeft: [-1, 0], ArrowDown: [0, 1], ArrowUp: [0, -1] }[event.key];
    if (!direction || !placed) return;
    event.preventDefault();
    const next = neighbourInDirection(placed.points, focused, ...direction);
    if (next < 0) return;
    dots[focused].setAttribute('tabindex', '-1');
    focused = next;
    dots[focused].setAttribute('tabindex', '0');
    dots[focused].focus();
  });

  return {
    update(next) {
      props = next;
      const { ready, labels } = props.lesson;
      if (ready.length < 3) {
        status.textContent = t('learnNeedsPictures');
        return;
      }
      const now = `${ready.map((s, r) => `${s.id}:${labels[r]}`).join('|')}#${props.canWrite}`;
      if (now === key) return;
      key = now;
      focused = 0;
      place();
    },
  };
}
