// A small SVG line chart of training curves: one line per series, redrawn after every epoch.
const SVG = 'http://www.w3.org/2000/svg';
const WIDTH = 300;
const HEIGHT = 120;
const PAD = 4;

function svg(tag, attrs = {}) {
  const el = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attrs)) el.setAttribute(key, value);
  return el;
}

export function LineChart(el, { title, series }) {
  el.classList.add('line-chart');
  const figure = svg('svg', { viewBox: `0 0 ${WIDTH} ${HEIGHT}`, role: 'img', 'aria-label': title });
  const lines = series.map((s) => svg('polyline', { class: `series ${s.className}`, fill: 'none' }));
  figure.append(...lines);
  const caption = document.createElement('figcaption');
  caption.textContent = title;
  const legend = document.createElement('span');
  legend.className = 'legend';
  for (const s of series) {
    const item = document.createElement('span');
    item.className = `legend-item ${s.className}`;
    item.textContent = s.label;
    legend.append(item);
  }
  caption.append(' ', legend);
  el.append(caption, figure);

  // points: one array per series of numbers (null where missing); yMax fixes the top if given.
  function update(points, yMax = null) {
    const values = points.flat().filter((v) => v != null && Number.isFinite(v));
    const top = yMax ?? Math.max(1e-6, ...values);
    const count = Math.max(2, ...points.map((p) => p.length));
    lines.forEach((line, i) => {
      const coords = points[i]
        .map((v, x) => (v == null ? null : [PAD + (x / (count - 1)) * (WIDTH - 2 * PAD), HEIGHT - PAD - (Math.min(v, top) / top) * (HEIGHT - 2 * PAD)]))
        .filter(Boolean)
        .map(([x, y]) => `${x.toFixed(1)},${y.toFixed(1)}`);
      line.setAttribute('points', coords.join(' '));
    });
  }

  return { update };
}
