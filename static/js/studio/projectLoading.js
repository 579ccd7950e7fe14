// Opening a project: the project and the first page of its pictures, then the other pages, each
// drawn as it comes; the pictures already known to the embedder get their embedding (stored ones
// come from the server). Which failure to open says what (studioState notices).
import { ApiError } from '../api.js';
import { followClassroomLanguage } from '../strings.js';
import { GONE_STATUSES } from '../uploadRules.js';

const CANNOT_OPEN = { 404: 'projectNotFound', 401: 'needOwnerLink', 403: 'wrongOwnerLink' };

// prepare(sample): a listed picture's embedding, once the embedder runs (started()).
// gone(): the server says the project is gone for this page (uploadRules.js): the pictures
// waiting on the device for it are deleted, never sent.
// deviceCopy(): the copy of the project this device kept (deviceProjects.js), opened when the
// server cannot be reached: its classes and last trained head, with no picture of the server's
// (those waiting on the device come with capture.resume).
export function createProjectLoading({ store, api, prepare, started, gone, deviceCopy = async () => undefined }) {
  function listed({ samples, total, next_cursor: next }) {
    store.dispatch('samplesListed', { samples, total, more: Boolean(next) });
    const { state } = store;
    if (started()) for (const { id } of samples) if (state.samples.has(id)) prepare(state.samples.get(id));
    return next;
  }

  // Resolves to the cursor of the next page (null: all listed), or to false when the project
  // cannot be opened (said in a notice).
  async function open() {
    try {
      const project = await api.getProject();
      if (project.classroom) followClassroomLanguage(project.classroom.language);
      store.dispatch('projectLoaded', { project });
      return listed(await api.listSamples()) ?? null;
    } catch (error) {
      const status = error instanceof ApiError && error.status;
      if (status === 0 && (await openCopy())) return null;
      if (GONE_STATUSES.has(status)) gone();
      const key = CANNOT_OPEN[status];
      store.dispatch('noticeShown', key ? { key } : { key: 'error', params: { reason: error.message } });
      return false;
    }
  }

  let offline = false; // opened from the device's copy

  // Resolves to whether the device had a copy to open.
  async function openCopy() {
    const copy = await deviceCopy().catch(() => undefined);
    if (!copy?.project) return false;
    offline = true;
    store.dispatch('projectLoaded', { project: copy.project });
    store.dispatch('samplesListed', { samples: [] });
    if (copy.trained) store.dispatch('trainedRestored', { trained: copy.trained });
    store.dispatch('noticeShown', { key: 'openedOffline' });
    return true;
  }

  async function listRest(cursor) {
    try {
      for (let after = cursor; after; ) after = listed(await api.listSamples(after));
    } catch (error) {
      store.dispatch('noticeShown', { key: 'error', params: { reason: error.message } });
    }
  }

  return {
    open,
    listRest,
    get offline() {
      return offline;
    },
  };
}
