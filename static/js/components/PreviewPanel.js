// Live predictions: one bar per class with its percentage, from the webcam every frame or from
// an uploaded picture. The top class is announced politely to screen readers when it changes.
import { h } from '../dom.js';
import { createFrameLoop } from '../frameLoop.js';
import { formatNumber, t } from '../strings.js';

export function PreviewPanel(el, { classify, camera }) {
  el.classList.add('preview-panel');
  const hint = h('p', { class: 'hint' }, t('previewNeedsModel'));
  const bars = h('ol', { class: 'prediction-bars' });
  const announcer = h('p', { class: 'visually-hidden', 'aria-live': 'polite', role: 'status' });
  const files = h('input', { type: 'file', accept: 'image/*', hidden: true });
  // Disabled until the studio says a model is ready: a click before its first update would
  // classify with no model.
  const tryButton = h('button', { type: 'button', disabled: true }, t('tryImage'));
  const tried = h('img', { class: 'tried-image', alt: '', hidden: true });
  const source = h('p', { class: 'prediction-source' });
  el.append(h('h2', {}, t('preview')), hint, h('div', { class: 'row' }, tryButton, files), tried, source, bars, announcer);

  let names = [];
  let lastTop = null;
  let frames = 0;

  tryButton.addEventListener('click', () => files.click());
  files.addEventListener('change', async () => {
    const [file] = files.files;
    files.value = '';
    if (!file) return;
    stopLoop();
    URL.revokeObjectURL(tried.src);
    tried.src = URL.createObjectURL(file);
    tried.hidden = false;
    source.textContent = file.name;
    const bitmap = await createImageBitmap(file);
    try {
      const probabilities = await classify(bitmap, { mirrored: false });
      if (!probabilities) return; // the model went away meanwhile: nothing to show
      show(probabilities);
      el.dataset.predictedFor = file.name;
    } finally {
      bitmap.close();
    }
  });

  function show(probabilities) {
    if (!probabilities) return;
    bars.replaceChildren(
      ...probabilities.map((p, i) => {
        const percent = Math.round(p * 100);
        const bar = h('span', { class: 'bar' }, h('span', { class: 'bar-fill' }));
        bar.style.setProperty('--value', `${percent}%`); // CSSOM, which the CSP allows
        return h(
          'li',
          { class: 'prediction', dataset: { label: names[i] ?? '' } },
          h('span', { class: 'prediction-name' }, names[i] ?? ''),
          bar,
          h('span', { class: 'prediction-percent' }, formatNumber(percent / 100, { style: 'percent' })),
        );
      }),
    );
    const top = probabilities.indexOf(Math.max(...probabilities));
    el.dataset.top = names[top];
    if (top !== lastTop) {
      lastTop = top;
      announcer.textContent = t('predictionAnnouncement', { name: names[top], percent: Math.round(probabilities[top] * 100) / 100 });
    }
  }

  const live = createFrameLoop(
    async () => {
      show(await classify(camera.video, { mirrored: camera.mirrored?.() ?? true }));
      frames += 1;
      el.dataset.frames = String(frames);
    },
    { canRun: () => camera.isOn() && names.length > 0 },
  );

  function startLoop() {
    if (!names.length || !camera.isOn()) return;
    tried.hidden = true;
    source.textContent = t('previewFromWebcam');
    live.start();
  }

  const stopLoop = () => live.stop();

  // The live loop starts when a model becomes ready or the camera comes on, not on every redraw,
  // so a picture being tried keeps its bars.
  function update({ labels, ready }) {
    const becameReady = ready && !names.length;
    names = ready ? labels : [];
    hint.hidden = ready;
    tryButton.disabled = !ready;
    if (!ready) {
      stopLoop();
      bars.replaceChildren();
      lastTop = null;
    } else if (becameReady) {
      startLoop();
    }
  }

  return { update, frames: () => frames, startLoop, stopLoop };
}
