// Fine-tuning on the server: start a job (owners), follow its progress, cancel it, then compare
// the server model's validation accuracy with the quick model's, say plainly whether it helped
// (only where both were scored on the same pictures), and use it for the preview.
// The studio runs and polls the job; this panel sends 'start-finetune', 'cancel-finetune' and
// 'use-server-model' ({use}) up and draws what update() gives it.
import { emit, h } from '../dom.js';
import { formatNumber, t } from '../strings.js';
import { finetuneDevice } from '../networkLines.js';
import { finetuneFraction } from '../studioState.js';

const ACTIVE = new Set(['queued', 'running']);

const percent = (value) => (value == null ? '–' : formatNumber(value, { style: 'percent' }));

export function FinetunePanel(el) {
  el.classList.add('finetune-panel');
  const startButton = h('button', { type: 'button', class: 'start-finetune' }, t('finetuneStart'));
  const cancelButton = h('button', { type: 'button', class: 'cancel-finetune', hidden: true }, t('finetuneCancel'));
  const bar = h('progress', { max: '1', value: '0', hidden: true });
  const status = h('p', { class: 'finetune-status', role: 'status' });
  const networkLine = h('p', { class: 'finetune-network hint', hidden: true });
  const quickScore = h('dd', { class: 'quick-accuracy' });
  const serverScore = h('dd', { class: 'server-accuracy' });
  const compare = h('dl', { class: 'finetune-compare', hidden: true }, h('dt', {}, t('quickModel')), quickScore, h('dt', {}, t('serverModel')), serverScore);
  const verdictLine = h('p', { class: 'finetune-verdict', hidden: true });
  const useButton = h('button', { type: 'button', class: 'use-server-model', hidden: true });
  el.append(h('h2', {}, t('finetuneTitle')), h('p', { class: 'hint' }, t('finetuneHint')), h('div', { class: 'row' }, startButton, cancelButton), bar, status, networkLine, compare, verdictLine, useButton);

  let using = false;
  startButton.addEventListener('click', () => emit(el, 'start-finetune'));
  cancelButton.addEventListener('click', () => emit(el, 'cancel-finetune'));
  useButton.addEventListener('click', () => emit(el, 'use-server-model', { use: !using }));

  function progressText(job) {
    const p = job.progress ?? {};
    if (job.state === 'queued' || !p.phase) return t('finetuneQueued');
    if (p.phase !== 'training') return t(`finetunePhase.${p.phase}`);
    const parts = [t('finetuneEpoch', { epoch: p.epoch, epochs: p.epochs, step: p.step, steps: p.steps })];
    // Two runs when the project holds pictures out: the check run scores them, the final run trains on all.
    if (p.runs > 1) parts.unshift(t(p.run < p.runs ? 'finetuneCheckRun' : 'finetuneFinalRun'));
    if (p.loss != null) parts.push(t('finetuneLoss', { loss: p.loss.toFixed(3) }));
    if (p.val_accuracy != null) parts.push(t('validationAccuracy', { percent: p.val_accuracy }));
    return parts.join(' · ');
  }

  function jobText(job, error) {
    if (error) return t('error', { reason: error });
    if (!job) return '';
    if (ACTIVE.has(job.state)) return progressText(job);
    if (job.state === 'succeeded' && !job.model) return t('finetuneModelGone');
    if (job.state === 'succeeded') return t('finetuneDone', { number: job.model.number, seconds: Math.round(job.model.metrics.train_seconds ?? 0) });
    if (job.state === 'failed') return t('finetuneFailed', { reason: job.error });
    return t('finetuneCancelled');
  }

  function verdictText(verdict, quickAccuracy) {
    if (verdict?.helped) return t('finetuneHelped', { count: verdict.count, points: Math.round(verdict.gain * 100) });
    if (verdict) return t('finetuneDidNotHelp', { count: verdict.count });
    return quickAccuracy == null ? '' : t('finetuneNotComparable');
  }

  // props: {job, canWrite, network (studioState.finetuneNetwork), quickAccuracy, verdict
  // (studioState.finetuneVerdict), usingServerModel, loadingServerModel, error}.
  function update({ job, canWrite, network, quickAccuracy, verdict, usingServerModel, loadingServerModel, error }) {
    using = usingServerModel;
    const active = Boolean(job && ACTIVE.has(job.state));
    startButton.hidden = !canWrite;
    startButton.disabled = active;
    cancelButton.hidden = !canWrite || !active;
    el.dataset.state = job?.state ?? 'none';
    el.dataset.usingServerModel = String(using);
    const p = job?.progress ?? {};
    bar.hidden = !active;
    if (p.phase === 'training' && p.epochs && p.steps) bar.value = finetuneFraction(p);
    else bar.removeAttribute('value'); // indeterminate while loading or exporting
    status.textContent = jobText(job, error);
    const where = finetuneDevice(job);
    const parts = [network && t('finetuneNetwork', { architecture: network.architecture, kind: network.kind }), where && t(where.key, where.params)];
    // The network it trains and where: "Picture network: … · on the server's CPU: about 4 minutes left".
    networkLine.textContent = job ? parts.filter(Boolean).join(' · ') : '';
    networkLine.hidden = !networkLine.textContent;
    const model = job?.state === 'succeeded' ? job.model : null; // null too once deleted
    compare.hidden = !model;
    quickScore.textContent = percent(quickAccuracy);
    serverScore.textContent = model ? percent(model.metrics.val_accuracy) : '';
    verdictLine.textContent = model ? verdictText(verdict, quickAccuracy) : '';
    verdictLine.hidden = !verdictLine.textContent;
    el.dataset.verdict = !model || !verdictLine.textContent ? 'none' : verdict ? (verdict.helped ? 'helped' : 'did-not-help') : 'not-comparable';
    useButton.hidden = !model || !canWrite;
    useButton.disabled = Boolean(loadingServerModel);
    useButton.textContent = t(using ? 'finetuneUseQuick' : 'finetuneUse');
  }

  return { update };
}
