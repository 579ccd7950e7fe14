// What each part of the studio shows, computed from the state alone (no DOM): the view hands
// these to the components' update(props). `models` gives the loaded backbone (or null) and
// `samples` the project's pictures as training sees them.
import { canSwitchBackbone, finetuneNetwork, finetuneVerdict, headReady, pendingUploads, picturesReady, previewModel, statusParts, validationAccuracy } from '../studioState.js';

export function trainPanelProps(state, samples) {
  const backbone = { choices: state.backboneChoices, chosen: state.switchingTo ?? state.project.backboneId, enabled: canSwitchBackbone(state) };
  return { classes: state.classes, samples, training: state.training, trained: state.trained, error: state.ui.trainError, backbone };
}

export function modelPanelProps(state, backbone) {
  const { saving, saveMessage, exportMessage } = state.ui;
  return { versions: state.versions, shares: state.shares, canWrite: state.canWrite, canSave: headReady(state) && Boolean(backbone), saving, saveMessage, exportMessage };
}

export function finetunePanelProps(state) {
  const ready = headReady(state);
  const quickAccuracy = ready ? validationAccuracy(state.trained.metrics) : null;
  return {
    job: state.job,
    canWrite: state.canWrite,
    network: finetuneNetwork(state),
    quickAccuracy,
    verdict: ready ? finetuneVerdict({ quickAccuracy, quickHeldOut: state.ui.quickHeldOut, serverMetrics: state.job?.model?.metrics }) : null,
    usingServerModel: Boolean(state.serverModel),
    loadingServerModel: state.ui.loadingServerModel,
    error: state.ui.finetuneError,
  };
}

export function previewProps(state, backbone) {
  const model = previewModel(state);
  return { labels: model?.labels ?? [], ready: Boolean(model) && (model.kind === 'server' || Boolean(backbone)) };
}

// The lesson sees what training sees, plus each picture's signed address, the trained head and
// the server's fine-tuned version (for the learning curve's comparison).
export function learnProps(state, samples, backbone) {
  // A picture still waiting for the server trains under its local key, and shows its local copy.
  const urls = new Map([...state.samples.values()].map((s) => [s.id ?? s.key, s.imageUrl ?? s.url]));
  return {
    classes: state.classes,
    samples: samples.map((s) => ({ ...s, url: urls.get(s.id) })),
    trained: headReady(state) ? state.trained : null,
    backbone,
    canWrite: state.canWrite,
    inClassroom: Boolean(state.project?.inClassroom),
    serverVersion: state.versions.find((v) => v.tier === 'server') ?? null,
    notebookMessage: state.ui.notebookMessage,
    quizReport: state.ui.quizReport,
  };
}

// The choices of the "move selected to" menu: [value, label key or class name, translated?].
export function moveOptions(state) {
  return [['', 'moveSelectedTo', true], ...state.classes.map((c) => [c.id, c.name, false]), ['none', 'unlabelled', true]];
}

// For tests and curious teachers, on the page's <body>: what is still in flight, and what had
// to be computed here.
export function pageMarks(state) {
  return {
    pendingUploads: String(pendingUploads(state)),
    embeddingsReady: String(picturesReady(state)),
    embeddingsDone: String(state.embedding.done),
    embeddingsComputed: String(state.embedding.computed ?? 0),
  };
}

export { statusParts };
