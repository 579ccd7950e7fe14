// Training in the page: settings, live loss and accuracy curves, then per-class accuracy and a
// confusion matrix whose cells lead to the pictures behind them.
import { checkTrainable, compareLabels, confusionMatrix, displayNames, perClassAccuracy, overallAccuracy } from '../dataset.js';
import { h } from '../dom.js';
import { t } from '../strings.js';
import { DEFAULT_SETTINGS, argmaxRows, predict, predictBatch, trainProjectHead } from '../trainer.js';
import { LineChart } from './LineChart.js';

const SETTINGS = [
  { key: 'epochs', label: 'epochs', min: 1, max: 500, step: 1 },
  { key: 'batchSize', label: 'batchSize', min: 1, max: 65536, step: 1 },
  { key: 'learningRate', label: 'learningRate', min: 0.00001, max: 1, step: 'any' },
];

export function TrainPanel(el, { getTrainingData, showSamples, imageUrl, onTrained }) {
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
  const progress = h('p', { class: 'train-status', role: 'status' });
  const lossEl = h('figure');
  const accuracyEl = h('figure');
  const lossChart = LineChart(lossEl, { title: t('lossChart'), series: [{ label: t('trainLegend'), className: 'train' }, { label: t('valLegend'), className: 'val' }] });
  const accuracyChart = LineChart(accuracyEl, { title: t('accuracyChart'), series: [{ label: t('trainLegend'), className: 'train' }, { label: t('valLegend'), className: 'val' }] });
  const results = h('div', { class: 'results', hidden: true });
  el.append(h('h2', {}, t('train')), h('div', { class: 'row' }, trainButton, stopButton), reasons, advanced, progress, h('div', { class: 'charts' }, lossEl, accuracyEl), results);

  let trained = null; // {head, labels, metrics, settings}
  let classes = [];
  let abort = null;

  reset.addEventListener('click', () => {
    for (const s of SETTINGS) inputs[s.key].value = String(DEFAULT_SETTINGS[s.key]);
  });
  stopButton.addEventListener('click', () => abort?.abort());
  trainButton.addEventListener('click', train);

  function settings() {
    return Object.fromEntries(SETTINGS.map((s) => [s.key, Number(inputs[s.key].value) || DEFAULT_SETTINGS[s.key]]));
  }

  async function train() {
    const data = getTrainingData();
    const check = checkTrainable(data.classes, data.samples);
    if (!check.trainable) return;
    const history = [];
    abort = new AbortController();
    trainButton.disabled = true;
    stopButton.hidden = false;
    results.hidden = true;
    progress.textContent = t('training');
    try {
      // The check run draws the curves and scores the held-out pictures; the head kept is then
      // trained on every picture (trainProjectHead).
      const { head, labels, metrics, validation } = await trainProjectHead({
        classes: data.classes,
        samples: data.samples,
        settings: settings(),
        signal: abort.signal,
        onEpoch: (logs) => {
          history.push(logs);
          lossChart.update([history.map((l) => l.loss), history.map((l) => l.valLoss)]);
          accuracyChart.update([history.map((l) => l.accuracy), history.map((l) => l.valAccuracy)], 1);
          progress.textContent = `${t('training')} ${logs.epoch + 1} / ${logs.epochs}`;
        },
        onFinalRun: () => {
          progress.textContent = t('trainingAllPictures');
        },
      });
      trained = { head, labels, metrics, settings: settings() };
      progress.textContent = t('trainingDone', { seconds: (metrics.trainMs / 1000).toFixed(1) });
      drawResults(labels, validation);
      onTrained(trained);
    } catch (error) {
      progress.textContent = error.name === 'AbortError' ? '' : t('error', { reason: error.message });
    } finally {
      abort = null;
      trainButton.disabled = false;
      stopButton.hidden = true;
      update({ classes, samples: getTrainingData().samples });
    }
  }

  // Scored with the check run's head: the head kept has seen the held-out pictures.
  function drawResults(labels, validation) {
    const names = displayNames(labels, classes);
    results.hidden = false;
    if (!validation) {
      results.replaceChildren(h('p', { class: 'hint' }, t('noValidation')));
      return;
    }
    const { head, rows } = validation;
    const predicted = argmaxRows(predictBatch(head, rows.features, rows.count), names.length);
    const confusion = confusionMatrix(names.length, rows.labels, predicted, rows.ids);
    const cellPictures = h('div', { class: 'cell-pictures' });
    const table = h(
      'table',
      { class: 'confusion' },
      h('caption', {}, t('confusionMatrix')),
      h('thead', {}, h('tr', {}, h('th', {}), ...names.map((n) => h('th', { scope: 'col' }, n)))),
      h(
        'tbody',
        {},
        ...confusion.counts.map((row, actual) =>
          h(
            'tr',
            {},
            h('th', { scope: 'row' }, names[actual]),
            ...row.map((count, guess) =>
              h(
                'td',
                { class: actual === guess ? 'diagonal' : count ? 'mistake' : '' },
                h(
                  'button',
                  {
                    type: 'button',
                    disabled: count === 0,
                    'aria-label': t('cellSamples', { count, actual: names[actual], predicted: names[guess] }),
                    onclick: () => {
                      const ids = confusion.ids[actual][guess];
                      cellPictures.replaceChildren(
                        h('p', {}, t('cellSamples', { count, actual: names[actual], predicted: names[guess] })),
                        ...ids.map((id) => h('img', { src: imageUrl(id), alt: '', dataset: { sampleId: id } })),
                      );
                      showSamples(ids);
                    },
                  },
                  String(count),
                ),
              ),
            ),
          ),
        ),
      ),
    );
    const accuracy = overallAccuracy(confusion);
    results.replaceChildren(
      h('p', { class: 'val-accuracy' }, t('validationAccuracy', { percent: Math.round(accuracy * 100) })),
      h('h3', {}, t('perClassAccuracy')),
      h('ul', { class: 'per-class' }, ...perClassAccuracy(confusion).map((c, i) => h('li', {}, h('span', {}, names[i]), h('span', {}, c.accuracy == null ? '–' : `${Math.round(c.accuracy * 100)}%`)))),
      h('p', { class: 'hint' }, t('confusionHint')),
      table,
      cellPictures,
    );
  }

  function update({ classes: nextClasses, samples }) {
    classes = nextClasses;
    const check = checkTrainable(classes, samples);
    reasons.replaceChildren(...check.reasons.map((r) => h('li', {}, t(r.key, r.params))));
    trainButton.disabled = Boolean(abort) || !check.trainable;
  }

  const ready = () => Boolean(trained) && compareLabels(trained.labels, classes).upToDate;
  return {
    update,
    ready,
    labels: () => (trained ? displayNames(trained.labels, classes) : []),
    predict: (embedding) => Array.from(predict(trained.head, embedding)),
    trained: () => trained,
  };
}
