// The model side of the studio's state: the image model, training in the page, the trained
// head, saved versions, fine-tuning jobs, and what the page says about each (`ui`: errors and
// messages as strings.js keys). Pure actions, `(state, detail) -> new state` (studioState.js
// assembles them; tests/studioModels.test.mjs, tests/studioUi.test.mjs).
import { backboneChoices } from './studioReaders.js';

const withUi = (state, changes) => ({ ...state, ui: { ...state.ui, ...changes } });
const message = (key, params = {}) => ({ key, params });

// The notices that only say what training is doing go when it ends, whichever way it ends.
const TRAINING_NOTICES = new Set(['trainingAllPictures']);

function endTraining(state) {
  const notice = state.notice && TRAINING_NOTICES.has(state.notice.key) ? null : state.notice;
  return { ...state, training: null, notice };
}

export const modelActions = {
  modelLoaded(state, { backend }) {
    return { ...state, backend, modelReady: true };
  },

  // Settings are read once, when training starts; the trained head records those.
  trainingStarted(state, { settings }) {
    return withUi({ ...state, training: { settings, history: [] } }, { trainError: null });
  },

  trainingEpoch(state, { logs }) {
    if (!state.training) return state;
    return { ...state, training: { ...state.training, history: [...state.training.history, logs] } };
  },

  // `validation` is {labels, predicted, ids} of the held-out pictures, for the confusion matrix.
  trained(state, { head, labels, metrics, validation = null }) {
    if (!state.training) return state;
    const { settings, history } = state.training;
    const trained = { head, labels, metrics, settings, history, validation };
    return withUi({ ...endTraining(state), trained, serverModel: null }, { quickHeldOut: null, saveMessage: null });
  },

  // Stopped by the student (no error) or failed: the previous head stays.
  trainingEnded(state, { error = null } = {}) {
    return withUi(endTraining(state), { trainError: error });
  },

  // The digest of the pictures the quick head was scored on (dataset.js heldOutDigest), computed
  // after training: kept only while that head is still the trained one.
  heldOutDigested(state, { head, digest }) {
    return state.trained?.head === head ? withUi(state, { quickHeldOut: digest }) : state;
  },

  // A saved browser-tier version loaded back (a reopened project): it previews until retrained.
  savedModelLoaded(state, { version, head }) {
    if (state.trained) return state;
    const labels = version.labels.map((l) => ({ id: l.class_id, name: l.name }));
    return { ...state, trained: { head, labels, metrics: version.metrics, settings: version.settings, history: [], validation: null, versionId: version.id } };
  },

  // The head this device kept for the project (deviceProjects.js), in a studio opened while the
  // server cannot be reached: it previews as before the reload, until trained again.
  trainedRestored(state, { trained }) {
    return state.trained ? state : { ...state, trained };
  },

  backbonesListed(state, { backbones }) {
    return { ...state, backboneChoices: backboneChoices(backbones) };
  },

  backboneSwitchStarted(state, { backboneId }) {
    return { ...state, switchingTo: backboneId };
  },

  backboneSwitchFailed(state) {
    return { ...state, switchingTo: null };
  },

  versionsLoaded(state, { versions, shares = state.shares }) {
    return { ...state, versions, shares };
  },

  // Saving the trained head as a version: one save at a time.
  saveStarted(state) {
    return state.ui.saving ? state : withUi(state, { saving: true, saveMessage: message('savingModel') });
  },

  versionSaved(state, { version }) {
    const trained = state.trained && { ...state.trained, versionId: version.id };
    const versions = [version, ...state.versions.filter((v) => v.id !== version.id)];
    return withUi({ ...state, trained, savedVersionId: version.id, versions }, { saving: false, saveMessage: message('modelSaved', { number: version.number }) });
  },

  saveFailed(state, { error }) {
    return withUi(state, { saving: false, saveMessage: message('error', { reason: error }) });
  },

  // Downloads that say how they go: an export ('export', by its file name) and the Python
  // notebook ('notebook'). Others (the project's zip) only speak up when they fail, in a notice.
  downloadStarted(state, { kind, name }) {
    if (kind === 'export') return withUi(state, { exportMessage: message('preparingExport', { name }) });
    if (kind === 'notebook') return withUi(state, { notebookMessage: message('pythonPreparing') });
    return state;
  },

  downloadFinished(state, { kind, name }) {
    if (kind === 'export') return withUi(state, { exportMessage: message('exportReady', { name }) });
    if (kind === 'notebook') return withUi(state, { notebookMessage: null });
    return state;
  },

  downloadFailed(state, { kind, error }) {
    const failed = message('error', { reason: error });
    if (kind === 'export') return withUi(state, { exportMessage: failed });
    if (kind === 'notebook') return withUi(state, { notebookMessage: failed });
    return { ...state, notice: { ...failed, action: null } };
  },

  // A classroom student's finished quiz, its score sent for the teacher.
  quizReportStarted(state) {
    return withUi(state, { quizReport: message('quizSaving') });
  },

  quizReported(state) {
    return withUi(state, { quizReport: message('quizSaved') });
  },

  quizReportFailed(state, { error }) {
    return withUi(state, { quizReport: message('quizNotSaved', { reason: error }) });
  },

  // Fine-tuning asked of the server (started or cancelled): the last error goes.
  finetuneRequested(state) {
    return withUi(state, { finetuneError: null });
  },

  jobUpdated(state, { job }) {
    return { ...state, job };
  },

  finetuneFailed(state, { error }) {
    return withUi(state, { finetuneError: error, loadingServerModel: false });
  },

  // The fine-tuned model is being loaded for the preview.
  serverModelLoading(state) {
    return withUi(state, { loadingServerModel: true });
  },

  // The preview uses the fine-tuned model of the finished job (model), or the quick one (null).
  serverModelChosen(state, { model }) {
    return withUi({ ...state, serverModel: model ? { model } : null }, { loadingServerModel: false });
  },
};
