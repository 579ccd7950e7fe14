// Saving: the trained head as a model version, the saved versions and their share links, a
// reopened project's saved head, downloads (exports, the project's zip, the Python notebook)
// and a classroom student's quiz score.
import { headReady, metricsForVersion, versionLabels, versionToPreview } from '../studioState.js';
import { deserializeHead, serializeHead } from '../head.js';

// saveFile(blob, filename): saveBlob.js; confirm(text) asks before deleting a version.
export function createSaving({ store, api, models, saveFile, confirm }) {
  async function refreshVersions() {
    const versions = await store.attempt(() => api.listModels());
    const shares = store.state.canWrite ? await store.attempt(() => api.listShares()) : null;
    if (versions) store.dispatch('versionsLoaded', { versions: versions.models, shares: shares?.shares ?? store.state.shares });
  }

  // A reopened project previews its saved model until a head is trained here.
  async function loadSavedHead() {
    const version = versionToPreview(store.state);
    if (!version) return;
    try {
      store.dispatch('savedModelLoaded', { version, head: deserializeHead(await api.modelHead(version.id)) });
    } catch (error) {
      // The server's refusal (a version gone meanwhile) leaves the preview empty, unsaid.
      if (!(error.status > 0)) store.dispatch('noticeShown', { key: 'error', params: { reason: error.message } });
    }
  }

  // Resolves to the saved version, or null.
  async function saveModel() {
    const { state } = store;
    const { trained } = state;
    if (!trained || !headReady(state) || state.ui.saving || !models.backbone) return null;
    store.dispatch('saveStarted');
    let saved = null;
    try {
      saved = await api.saveModel({
        head: serializeHead(trained.head),
        labels: versionLabels(state),
        backbone_id: models.backbone.metadata.id,
        settings: trained.settings ?? {},
        metrics: metricsForVersion(trained.metrics),
      });
      store.dispatch('versionSaved', { version: saved });
    } catch (error) {
      store.dispatch('saveFailed', { error: error.message });
    }
    await refreshVersions();
    return saved;
  }

  // kind: 'export', 'notebook' or 'project' (studioModels' downloadStarted).
  async function download(url, filename, kind) {
    store.dispatch('downloadStarted', { kind, name: filename });
    try {
      saveFile(await api.downloadBlob(url), filename);
      store.dispatch('downloadFinished', { kind, name: filename });
    } catch (error) {
      store.dispatch('downloadFailed', { kind, error: error.message });
    }
  }

  const afterwards = (call) => store.attempt(call).then(refreshVersions);

  async function reportQuiz(score) {
    store.dispatch('quizReportStarted');
    try {
      await api.finishQuiz(score);
      store.dispatch('quizReported');
    } catch (error) {
      store.dispatch('quizReportFailed', { error: error.message });
    }
  }

  return {
    refreshVersions,
    loadSavedHead,
    saveModel,
    reportQuiz,
    downloadExport: (entry) => download(entry.url, entry.filename, 'export'),
    downloadProject: (format = 'zip') => download(api.archiveUrl(format), `project.${format}`, 'project'),
    downloadNotebook: () => download(api.notebookUrl(), 'train-it-yourself.zip', 'notebook'),
    publish: (id) => afterwards(() => api.publishModel(id)),
    remove: (id, number) => (confirm(number) ? afterwards(() => api.deleteModel(id)) : Promise.resolve()),
    share: (modelId, follow, days) => afterwards(() => api.createShare(modelId, { follow_published: follow, expires_in_days: days })),
    revokeShare: (token) => afterwards(() => api.revokeShare(token)),
  };
}
