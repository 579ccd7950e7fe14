// Thumbnails of samples, newest first, in a scrolling box that holds only the rows in view (and
// one more above and below): a class of 5,000 pictures costs a few dozen elements, not 5,000
// decoded images. Thumbnails are kept by key, so a redraw while frames arrive moves elements
// instead of making new ones. Clicking toggles selection; a saved picture can be dragged to
// another class.
import { h } from '../dom.js';
import { thumbnailUrl } from '../studioState.js';
import { t } from '../strings.js';

const CELL_PX = 52; // a 48 px thumbnail and its 4 px gap, as in .sample-grid .thumb
const OVERSCAN_ROWS = 1;
const FALLBACK_HEIGHT_PX = 208; // .sample-grid's max-height, while the box is not laid out

export function SampleGrid(el, { onToggle }) {
  el.classList.add('sample-grid');
  el.setAttribute('role', 'list');
  const rows = h('div', { class: 'sample-grid-rows' });
  el.append(rows);
  const thumbs = new Map(); // sample key -> element, only for the samples in view
  let samples = [];

  function thumbFor(sample) {
    let thumb = thumbs.get(sample.key);
    if (!thumb) {
      thumb = h('button', { type: 'button', class: 'thumb', role: 'listitem', onclick: () => onToggle(sample.key) }, h('img', { alt: '', draggable: false }));
      thumb.addEventListener('dragstart', (event) => {
        event.dataTransfer.setData('application/x-snapclass-sample', sample.key);
        event.dataTransfer.effectAllowed = 'move';
      });
      thumbs.set(sample.key, thumb);
    }
    const src = thumbnailUrl(sample) ?? '';
    const img = thumb.firstChild;
    if (img.getAttribute('src') !== src) img.setAttribute('src', src);
    thumb.draggable = sample.status === 'saved';
    thumb.dataset.status = sample.status;
    thumb.dataset.sampleId = sample.id ?? '';
    thumb.setAttribute('aria-pressed', String(Boolean(sample.selected)));
    thumb.title = sample.error ?? '';
    return thumb;
  }

  // The box's size and scroll position, read when they change (ResizeObserver, scroll), never
  // while drawing: reading layout right after another grid wrote to the page would force a
  // layout per grid per redraw.
  let width = 0;
  let height = FALLBACK_HEIGHT_PX;
  let scrollTop = 0;

  function draw() {
    const columns = Math.max(1, Math.floor((width + 4) / CELL_PX));
    const total = samples.length;
    rows.style.height = `${Math.ceil(total / columns) * CELL_PX}px`; // CSSOM, which the CSP allows
    const firstRow = Math.max(0, Math.floor(scrollTop / CELL_PX) - OVERSCAN_ROWS);
    const lastRow = Math.ceil((scrollTop + height) / CELL_PX) + OVERSCAN_ROWS;
    const first = firstRow * columns;
    const last = Math.min(total, lastRow * columns);
    const inView = [];
    for (let index = first; index < last; index += 1) {
      // Newest first: the picture just taken is the one a student looks for.
      const sample = samples[total - 1 - index];
      const thumb = thumbFor(sample);
      thumb.setAttribute('aria-label', t('selectSample', { n: total - index }));
      thumb.style.insetInlineStart = `${(index % columns) * CELL_PX}px`; // from the right in Arabic
      thumb.style.top = `${Math.floor(index / columns) * CELL_PX}px`;
      inView.push([sample.key, thumb]);
    }
    const keep = new Set(inView.map(([key]) => key));
    for (const [key, thumb] of thumbs) {
      if (!keep.has(key)) {
        thumb.remove();
        thumbs.delete(key);
      }
    }
    // In reading order, so the tab order follows what the eye sees.
    inView.forEach(([, thumb], i) => {
      if (rows.children[i] !== thumb) rows.insertBefore(thumb, rows.children[i] ?? null);
    });
    el.dataset.count = String(total);
  }

  el.addEventListener(
    'scroll',
    () => {
      scrollTop = el.scrollTop;
      draw();
    },
    { passive: true },
  );
  new ResizeObserver(([entry]) => {
    width = entry.contentRect.width;
    height = entry.contentRect.height || FALLBACK_HEIGHT_PX;
    draw();
  }).observe(el);

  // Samples are replaced, never changed in place, so the same objects mean nothing to redraw.
  function update(next) {
    if (next.length === samples.length && next.every((sample, i) => sample === samples[i])) return;
    samples = next;
    draw();
  }

  return { update };
}
