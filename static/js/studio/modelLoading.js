// Model loading: the project's image model (backbone) on this page, for the preview, and in Web
// Workers, for preparing pictures (offThread.js; where none can run TF.js, on the page), and the
// embedder (embedder.js) that gives every picture its embedding, from the server's copy when
// stored and computed otherwise. Choosing another image model for the project is here too.
//
// Stored embeddings need no model: the embedder starts at once and takes them page by page;
// only pictures without one wait for the backbone, whose loading (CPU-heavy: TF.js, the backbone
// on the page and in the workers) starts once every picture is listed and drawn.
//
// `deps` holds what touches the browser: chooseBackend, loadBackbone, timeBackbone,
// startWorkerPool, createEmbedder, computeOnPage (the modules of the same names), tf, the TF.js
// script addresses ({tf, wasm, wasmPath}), mark(name, value) (the page's data-* for tests and
// curious teachers), warn, confirm() (asks before a switch loses a head) and reload().
import { canSwitchBackbone, unsavedHead } from '../studioState.js';

export function createModelLoading({ store, api, lanes, deps, onEmbedded }) {
  let embedder = null;
  let backbone = null;
  let worker = null;
  let embeddingSize = null; // the backbone's, known before the backbone itself has loaded

  async function start(listing) {
    try {
      const { backbones, default: defaultId } = await api.backbones();
      store.dispatch('backbonesListed', { backbones });
      const entry = backbones.find((b) => b.id === store.state.project.backboneId) ?? backbones.find((b) => b.id === defaultId) ?? backbones[0];
      if (!entry) throw new Error('the server has no image model; run `make install`');
      deps.mark('backbone', entry.id);
      embeddingSize = entry.metadata.embedding_size;
      const computing = listing.then(() => startComputing(entry));
      const failed = new DOMException('the image model did not load', 'AbortError'); // said once, below
      embedder = deps.createEmbedder({
        backboneId: entry.id,
        dim: embeddingSize,
        compute: (sample, image) => computing.then((compute) => compute(sample, image), () => Promise.reject(failed)),
        lanes,
        api,
        canWrite: store.state.canWrite,
        onProgress: (progress) => store.dispatch('embeddingProgress', progress),
        onRejected: (error) => store.dispatch('noticeShown', { key: 'error', params: { reason: error.message } }),
        onReady: onEmbedded,
      });
      embedder.prefetch();
      for (const sample of store.state.samples.values()) if (sample.id) prepare(sample);
      await computing;
    } catch (error) {
      store.dispatch('noticeShown', { key: 'modelFailed', params: { reason: error.message } });
    }
  }

  async function startComputing(entry) {
    // The fastest backend for this backbone on this device, measured once and remembered.
    const { backend } = await deps.chooseBackend(deps.tf, { backboneId: entry.id, measure: () => deps.timeBackbone(entry.model_url) });
    const [pageBackbone, started] = await Promise.all([deps.loadBackbone(entry.model_url), startOffThread(entry.model_url, backend)]);
    backbone = pageBackbone;
    worker = started;
    await backbone.warmUp();
    deps.mark('backend', backend);
    store.dispatch('modelLoaded', { backend });
    return worker?.compute ?? deps.computeOnPage(backbone);
  }

  async function startOffThread(backboneUrl, backend) {
    try {
      const started = await deps.startWorkerPool({
        count: lanes,
        tfScripts: [deps.scripts.tf, deps.scripts.wasm],
        wasmPath: deps.scripts.wasmPath,
        backboneUrl: new URL(backboneUrl, deps.scripts.base).href,
        backend,
        headers: api.authHeaders(),
        onSize: (size) => deps.mark('embeddingWorkers', String(size)),
      });
      deps.mark('embeddingBackend', `worker:${started.backend}`);
      return started;
    } catch (error) {
      deps.mark('embeddingBackend', 'page');
      deps.warn(`Preparing pictures and training on the page: ${error.message}`);
      return null;
    }
  }

  // A saved picture's embedding: `image` is its local copy when the page still has it.
  function prepare(sample, image) {
    embedder
      ?.request({ id: sample.id, sha256: sample.sha256, image_url: sample.imageUrl }, image)
      .catch((error) => error.name === 'AbortError' || store.dispatch('noticeShown', { key: 'error', params: { reason: error.message } }));
  }

  // A new image model for the project: saved, then the page starts again on it. Reloading is
  // the one way that leaves nothing of the old model behind: its embeddings, the workers that
  // computed them, and any head trained on them (which would predict nonsense on the new one).
  // Returns false when nothing changed (the radio buttons go back as they were).
  async function chooseBackbone(backboneId) {
    const { state } = store;
    if (backboneId === state.project.backboneId || !canSwitchBackbone(state)) return false;
    // The switch reloads the page: a head not saved as a version would be lost unasked.
    if (unsavedHead(state) && !deps.confirm()) return false;
    store.dispatch('backboneSwitchStarted', { backboneId });
    store.dispatch('noticeShown', { key: 'switchingBackbone' });
    const project = await store.attempt(() => api.chooseBackbone(backboneId));
    if (project?.backbone_id === backboneId) deps.reload();
    else store.dispatch('backboneSwitchFailed');
    return true;
  }

  return {
    start,
    prepare,
    chooseBackbone,
    forget: (ids) => embedder?.forget(ids),
    vectorsOf: (sha256) => embedder?.get(sha256),
    get started() {
      return embedder !== null;
    },
    get backbone() {
      return backbone;
    },
    get worker() {
      return worker;
    },
    get embeddingSize() {
      return embeddingSize;
    },
  };
}
