// Thumbnails of samples, redrawn by key so a class with hundreds of pictures stays cheap to
// update while frames arrive. Clicking toggles selection; a saved picture can be dragged to
// another class.
import { h } from '../dom.js';
import { t } from '../strings.js';

export function SampleGrid(el, { onToggle }) {
  el.classList.add('sample-grid');
  el.setAttribute('role', 'list');
  const thumbs = new Map(); // sample key -> element

  function thumbFor(sample, index) {
    let thumb = thumbs.get(sample.key);
    if (!thumb) {
      thumb = h(
        'button',
        { type: 'button', class: 'thumb', role: 'listitem', onclick: () => onToggle(sample.key) },
        h('img', { src: sample.url, alt: '', loading: 'lazy', draggable: false }),
      );
      thumb.addEventListener('dragstart', (event) => {
        event.dataTransfer.setData('application/x-snapclass-sample', sample.key);
        event.dataTransfer.effectAllowed = 'move';
      });
      thumbs.set(sample.key, thumb);
    }
    thumb.draggable = sample.status === 'saved';
    thumb.dataset.status = sample.status;
    thumb.dataset.sampleId = sample.id ?? '';
    thumb.setAttribute('aria-label', t('selectSample', { n: index + 1 }));
    thumb.setAttribute('aria-pressed', String(Boolean(sample.selected)));
    thumb.title = sample.error ?? '';
    return thumb;
  }

  function update(samples) {
    const keep = new Set(samples.map((s) => s.key));
    for (const [key, thumb] of thumbs) {
      if (!keep.has(key)) {
        thumb.remove();
        thumbs.delete(key);
      }
    }
    // Newest first: the picture just taken is the one a student looks for.
    const ordered = samples.map((sample, i) => thumbFor(sample, i)).reverse();
    ordered.forEach((thumb, i) => {
      if (el.children[i] !== thumb) el.insertBefore(thumb, el.children[i] ?? null);
    });
  }

  return { update };
}
