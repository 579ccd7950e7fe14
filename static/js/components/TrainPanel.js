// Training in the page: the image model, settings, live loss and accuracy curves, then per-class
// accuracy and a confusion matrix whose cells lead to the pictures behind them. The studio
// trains; this panel asks for it ('train' with the settings, read once; 'stop-training';
// BackboneChoice's 'choose-backbone') and shows the state.
import { checkTrainable, confusionMatrix, displayNames, overallAccuracy, perClassAccuracy } from '../dataset.js';
import { emit, h } from '../dom.js';
import { formatNumber, t } from '../strings.js';
import { DEFAULT_SETTINGS } from '../trainer.js';
import { BackboneChoice } from './BackboneChoice.js';
import { LineChart } from './LineChart.js';

const SETTINGS = [
  { key: 'epochs', label: 'epochs', min: 1, max: 500, step: 1 },
  { key: 'batchSize', label: 'batchSize', min: 1, max: 4096, step: 1 },
  { key: 'learningRate', label: 'learningRate', min: 0.00001, max: 1, step: 'any' },
];

export function TrainPanel(el) {
  el.classList.add('train-panel');
  const trainButton = h('button', { type: 'button', class: 'primary train' }, t('train'));
  const stopButton = h('button', { type: 'button', hidden: true }, t('stopTraining'));
  const reasons = h('ul', { class: 'reasons' });
  const inputs = Object.fromEntries(
    SETTINGS.map((s) => [s.key, h('input', { type: 'number', min: String(s.min), max: String(s.max), step: String(s.step), value: String(DEFAULT_SETTINGS[s.key]), id: `setting-${s.key}` })]),
  );
  const reset = h('button', { type: 'button', class: 'quiet' }, t('resetDefaults'));
  const advanced = h(
    'details',
    { class: 'advanced' },
    h('summary', {}, t('advanced')),
    ...SETTINGS.map((s) => h('label', { for: `setting-${s.key}` }, t(s.label), inputs[s.key])),
    reset,
  );
  const backboneEl = h('fieldset');
  const backboneChoice = BackboneChoice(backboneEl);
  const progress = h('p', { class: 'train-status', role: 'status' });
  const lossEl = h('figure');
  const accuracyEl = h('figure');
  const series = [{ label: t('trainLegend'), className: 'train' }, { label: t('valLegend'), className: 'val' }];
  const lossChart = LineChart(lossEl, { title: t('lossChart'), series });
  const accuracyChart = LineChart(accuracyEl, { title: t('accuracyChart'), series });
  const results = h('div', { class: 'results', hidden: true });
  el.append(h('h2', {}, t('train')), backboneEl, h('div', { class: 'row' }, trainButton, stopButton), reasons, advanced, progress, h('div', { class: 'charts' }, lossEl, accuracyEl), results);

  let shownHistory = null;
  let shownResults = null;
  let shownNames = '';

  reset.addEventListener('click', () => {
    for (const s of SETTINGS) inputs[s.key].value = String(DEFAULT_SETTINGS[s.key]);
  });
  stopButton.addEventListener('click', () => emit(el, 'stop-training'));
  trainButton.addEventListener('click', () => {
    const settings = Object.fromEntries(SETTINGS.map((s) => [s.key, Number(inputs[s.key].value) || DEFAULT_SETTINGS[s.key]]));
    emit(el, 'train', { settings });
  });

  function drawCharts(history) {
    if (history === shownHistory) return;
    shownHistory = history;
    lossChart.update([history.map((l) => l.loss), history.map((l) => l.valLoss)]);
    accuracyChart.update([history.map((l) => l.accuracy), history.map((l) => l.valAccuracy)], 1);
  }

  function drawResults(trained, classes) {
    const names = trained ? displayNames(trained.labels, classes) : [];
    if (trained === shownResults && names.join('\n') === shownNames) return;
    shownResults = trained;
    shownNames = names.join('\n');
    results.hidden = !trained?.history.length;
    if (results.hidden) return;
    const { validation } = trained;
    if (!validation?.labels.length) {
      results.replaceChildren(h('p', { class: 'hint' }, t('noValidation')));
      return;
    }
    const confusion = confusionMatrix(names.length, validation.labels, validation.predicted, validation.ids);
    const cellPictures = h('div', { class: 'cell-pictures' });
    const cell = (actual, guess, count) => {
      const label = t('cellSamples', { count, actual: names[actual], predicted: names[guess] });
      const show = () => {
        const ids = confusion.ids[actual][guess];
        cellPictures.replaceChildren(h('p', {}, label), ...ids.map((id) => h('img', { src: `/api/samples/${encodeURIComponent(id)}/image`, alt: '', dataset: { sampleId: id } })));
        emit(el, 'show-samples', { ids });
      };
      return h('td', { class: actual === guess ? 'diagonal' : count ? 'mistake' : '' }, h('button', { type: 'button', disabled: count === 0, 'aria-label': label, onclick: show }, String(count)));
    };
    const table = h(
      'table',
      { class: 'confusion' },
      h('caption', {}, t('confusionMatrix')),
      h('thead', {}, h('tr', {}, h('th', {}), ...names.map((n) => h('th', { scope: 'col', title: n }, n)))),
      h('tbody', {}, ...confusion.counts.map((row, actual) => h('tr', {}, h('th', { scope: 'row', title: names[actual] }, names[actual]), ...row.map((count, guess) => cell(actual, guess, count))))),
    );
    results.replaceChildren(
      h('p', { class: 'val-accuracy' }, t('validationAccuracy', { percent: overallAccuracy(confusion) })),
      h('h3', {}, t('perClassAccuracy')),
      h('ul', { class: 'per-class' }, ...perClassAccuracy(confusion).map((c, i) => h('li', {}, h('span', {}, names[i]), h('span', {}, c.accuracy == null ? '–' : formatNumber(c.accuracy, { style: 'percent' }))))),
      h('p', { class: 'hint' }, t('confusionHint')),
      // Ten classes make a table wider than the column: it scrolls inside its own box.
      h('div', { class: 'confusion-scroll' }, table),
      cellPictures,
    );
  }

  // props: {classes, samples (dataset.js's shape), training, trained, error, backbone (the
  // BackboneChoice's props)}.
  function update({ classes, samples, training, trained, error, backbone }) {
    backboneChoice.update(backbone);
    const check = checkTrainable(classes, samples);
    reasons.replaceChildren(...check.reasons.map((r) => h('li', {}, t(r.key, r.params))));
    trainButton.disabled = Boolean(training) || !check.trainable;
    stopButton.hidden = !training;
    if (training) {
      const last = training.history.at(-1);
      progress.textContent = last ? `${t('training')} ${last.epoch + 1} / ${last.epochs}` : t('training');
      drawCharts(training.history);
      results.hidden = true;
      shownResults = null;
      return;
    }
    if (error) progress.textContent = t('error', { reason: error });
    else if (trained?.metrics?.trainMs != null && trained.history.length) progress.textContent = t('trainingDone', { seconds: (trained.metrics.trainMs / 1000).toFixed(1) });
    else progress.textContent = '';
    if (trained?.history.length) drawCharts(trained.history);
    drawResults(trained, classes);
  }

  return { update };
}
