// Fine-tuning on the server: start, follow (a poller while the job is queued or running),
// cancel, and use its model for the preview. A head trained here and still up to date goes
// with the request, so the job can start from it.
import { headReady } from '../studioState.js';
import { serializeHead } from '../head.js';
import { createPoller } from '../poller.js';

export const JOB_POLL_MS = 1500;
const ACTIVE_JOB = new Set(['queued', 'running']);

// loadModel(url, {headers}) -> a predictor (serverModel.js loadServerModel); onSucceeded():
// the job saved a model version, which the list of saved models should show.
export function createFinetune({ store, api, loadModel, onSucceeded, pollerOptions }) {
  let loaded = null; // {id, predictor}: the chosen fine-tuned model, loaded
  const active = () => Boolean(store.state.job && ACTIVE_JOB.has(store.state.job.state));

  const poller = createPoller(
    async () => {
      const job = await api.getJob(store.state.job.id);
      store.dispatch('jobUpdated', { job });
      if (job.state === 'succeeded') onSucceeded();
      return active();
    },
    JOB_POLL_MS,
    pollerOptions,
  );

  function follow() {
    if (active()) poller.start();
    else poller.stop();
  }

  async function request(call) {
    store.dispatch('finetuneRequested');
    try {
      store.dispatch('jobUpdated', { job: await call() });
      follow();
    } catch (error) {
      store.dispatch('finetuneFailed', { error: error.message });
    }
  }

  function start() {
    const { state } = store;
    const quick = headReady(state) ? state.trained : null;
    const body = quick ? { head: serializeHead(quick.head), head_labels: quick.labels.map((l) => l.id) } : {};
    return request(() => api.startFinetune(body));
  }

  const cancel = () => request(() => api.cancelJob(store.state.job.id));

  // The project's newest job, when the studio opens.
  async function resume() {
    const jobs = await store.attempt(() => api.listJobs());
    if (jobs?.jobs[0]) store.dispatch('jobUpdated', { job: jobs.jobs[0] });
    follow();
  }

  async function useServerModel(use) {
    const model = store.state.job?.model;
    if (!use || !model) {
      store.dispatch('serverModelChosen', { model: null });
      return;
    }
    store.dispatch('serverModelLoading');
    try {
      if (loaded?.id !== model.id) {
        loaded?.predictor.dispose();
        loaded = { id: model.id, predictor: await loadModel(model.model_url, { headers: api.authHeaders() }) };
      }
      store.dispatch('serverModelChosen', { model });
    } catch (error) {
      store.dispatch('finetuneFailed', { error: error.message });
    }
  }

  return {
    start,
    cancel,
    resume,
    useServerModel,
    stop: poller.stop,
    get predictor() {
      return loaded?.predictor ?? null;
    },
  };
}
