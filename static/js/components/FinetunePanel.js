// Fine-tuning on the server: start a job (owners), follow its progress live, cancel it, then
// compare the server model's validation accuracy with the quick model's and use it for the preview.
import { h } from '../dom.js';
import { loadServerModel } from '../serverModel.js';
import { t } from '../strings.js';
import { serializeHead } from '../trainer.js';

const POLL_MS = 1500;
const ACTIVE = new Set(['queued', 'running']);

const percent = (value) => (value == null ? '–' : `${Math.round(value * 100)}%`);

// getQuick() -> the quick model when it is up to date ({head, labels: [{id, name}], metrics}) or
// null; onChange() after the preview's model changed.
export function FinetunePanel(el, { api, canWrite, getQuick, onChange }) {
  el.classList.add('finetune-panel');
  const startButton = h('button', { type: 'button', class: 'start-finetune' }, t('finetuneStart'));
  const cancelButton = h('button', { type: 'button', class: 'cancel-finetune', hidden: true }, t('finetuneCancel'));
  const bar = h('progress', { max: '1', value: '0', hidden: true });
  const status = h('p', { class: 'finetune-status', role: 'status' });
  const quickScore = h('dd', { class: 'quick-accuracy' });
  const serverScore = h('dd', { class: 'server-accuracy' });
  const compare = h('dl', { class: 'finetune-compare', hidden: true }, h('dt', {}, t('quickModel')), quickScore, h('dt', {}, t('serverModel')), serverScore);
  const useButton = h('button', { type: 'button', class: 'use-server-model', hidden: true });
  el.append(h('h2', {}, t('finetuneTitle')), h('p', { class: 'hint' }, t('finetuneHint')), h('div', { class: 'row' }, startButton, cancelButton), bar, status, compare, useButton);

  let job = null;
  let timer = null;
  let server = null; // {model, predictor}: the loaded server model
  let using = false;

  async function start() {
    const quick = getQuick();
    const body = quick ? { head: serializeHead(quick.head), head_labels: quick.labels.map((l) => l.id) } : {};
    startButton.disabled = true;
    try {
      job = await api.startFinetune(body);
      follow();
    } catch (error) {
      status.textContent = t('error', { reason: error.message });
    }
    draw();
  }

  async function cancel() {
    try {
      job = await api.cancelJob(job.id);
    } catch (error) {
      status.textContent = t('error', { reason: error.message });
    }
    draw();
  }

  // Poll while the job is queued or running; stop once it has ended.
  function follow() {
    clearTimeout(timer);
    if (!job || !ACTIVE.has(job.state)) return;
    timer = setTimeout(async () => {
      try {
        job = await api.getJob(job.id);
      } catch {
        // A network hiccup: try again at the next tick.
      }
      draw();
      follow();
    }, POLL_MS);
  }

  async function toggleUse() {
    using = !using;
    if (using && server?.model.id !== job.model.id) {
      useButton.disabled = true;
      try {
        server?.predictor.dispose();
        server = { model: job.model, predictor: await loadServerModel(job.model.model_url, { headers: api.authHeaders() }) };
      } catch (error) {
        using = false;
        status.textContent = t('error', { reason: error.message });
      }
      useButton.disabled = false;
    }
    el.dataset.usingServerModel = String(using);
    draw();
    onChange();
  }

  function progressText(p) {
    if (job.state === 'queued') return t('finetuneQueued');
    if (p.phase !== 'training') return t(`finetunePhase.${p.phase}`);
    const parts = [t('finetuneEpoch', { epoch: p.epoch, epochs: p.epochs, step: p.step, steps: p.steps })];
    if (p.loss != null) parts.push(t('finetuneLoss', { loss: p.loss.toFixed(3) }));
    if (p.val_accuracy != null) parts.push(t('validationAccuracy', { percent: Math.round(p.val_accuracy * 100) }));
    return parts.join(' · ');
  }

  function draw() {
    startButton.hidden = !canWrite;
    startButton.disabled = Boolean(job && ACTIVE.has(job.state));
    cancelButton.hidden = !canWrite || !job || !ACTIVE.has(job.state);
    el.dataset.state = job?.state ?? 'none';
    const p = job?.progress ?? {};
    bar.hidden = !job || !ACTIVE.has(job.state);
    if (p.phase === 'training' && p.epochs && p.steps) bar.value = ((p.epoch - 1) * p.steps + p.step) / (p.epochs * p.steps);
    else bar.removeAttribute('value'); // indeterminate while loading or exporting
    if (!job) status.textContent = '';
    else if (ACTIVE.has(job.state)) status.textContent = progressText(p);
    else if (job.state === 'succeeded' && !job.model) status.textContent = t('finetuneModelGone');
    else if (job.state === 'succeeded') status.textContent = t('finetuneDone', { number: job.model.number, seconds: Math.round(job.model.metrics.train_seconds ?? 0) });
    else if (job.state === 'failed') status.textContent = t('finetuneFailed', { reason: job.error });
    else status.textContent = t('finetuneCancelled');
    const model = job?.state === 'succeeded' ? job.model : null; // null too once deleted
    compare.hidden = !model;
    quickScore.textContent = percent(getQuick()?.metrics?.valAccuracy);
    serverScore.textContent = model ? percent(model.metrics.val_accuracy) : '';
    useButton.hidden = !model || !canWrite;
    useButton.textContent = t(using ? 'finetuneUseQuick' : 'finetuneUse');
  }

  async function load() {
    try {
      job = (await api.listJobs()).jobs[0] ?? null;
    } catch (error) {
      status.textContent = t('error', { reason: error.message });
    }
    draw();
    follow();
  }

  startButton.addEventListener('click', start);
  cancelButton.addEventListener('click', cancel);
  useButton.addEventListener('click', toggleUse);

  return {
    // The studio calls load() once the project is open.
    load,
    update: draw,
    // The server model's predictor while the preview uses it, with its labels ({class_id, name}).
    predictor: () => (using && server ? { labels: server.model.labels, predict: (input) => server.predictor.predict(input) } : null),
  };
}
