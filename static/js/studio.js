// The studio's controller: it mounts the components, does the I/O (API, camera, embedding,
// training) and runs every change of state through studioState.js's pure actions:
//   dispatch('classDeleted', {classId}) -> state = actions.classDeleted(state, detail) -> render.
// Components get their data through update(props) and send events up; drawing is batched to
// one render per frame, so a burst of pictures costs one redraw, not one per picture.
import { ApiError, createApi } from './api.js';
import { chooseBackend } from './backend.js';
import { loadBackbone, timeBackbone } from './backbone.js';
import { canvasToJpeg, grabSquare } from './camera.js';
import { CameraPanel } from './components/CameraPanel.js';
import { ClassCard } from './components/ClassCard.js';
import { FinetunePanel } from './components/FinetunePanel.js';
import { LearnPanel } from './components/LearnPanel.js';
import { ModelPanel } from './components/ModelPanel.js';
import { PreviewPanel } from './components/PreviewPanel.js';
import { SampleGrid } from './components/SampleGrid.js';
import { TrainPanel } from './components/TrainPanel.js';
import { checkTrainable, heldOutDigest } from './dataset.js';
import { downscaleForUpload } from './downscale.js';
import { emit, h } from './dom.js';
import { filesFromDrop, filesFromFolderPicker } from './drop.js';
import { computeOnPage, createEmbedder } from './embedder.js';
import { startWorkerPool, workerCount } from './offThread.js';
import { editLink, projectCredential, rememberProject } from './projects.js';
import { loadServerModel } from './serverModel.js';
import { t } from './strings.js';
import {
  actions,
  canSwitchBackbone,
  classById,
  classNamed,
  draggedIds,
  droppedUrls,
  expiredPairings,
  finetuneNetwork,
  finetuneVerdict,
  headReady,
  initialState,
  metricsForVersion,
  movePosition,
  nextClassName,
  pairingOf,
  picturesReady,
  previewModel,
  samplesOf,
  selectedSamples,
  statusParts,
  trainingSamples,
  undoPlan,
  unsavedHead,
  validationAccuracy,
  versionLabels,
  versionToPreview,
} from './studioState.js';
import { argmaxRows, deserializeHead, predict, predictBatch, serializeHead, trainProjectHead } from './trainer.js';
import { createUploader } from './uploader.js';

const FRAMES_PER_SECOND = 10;
const CAPTURE_SIZE = 224;
const JOB_POLL_MS = 1500;
const PHONE_POLL_MS = 2000; // how often a class paired with a phone is asked for new pictures
const ACTIVE_JOB = new Set(['queued', 'running']);

async function Studio(el, projectId) {
  // A teacher's token (from the classroom dashboard) reads the project and deletes pictures only.
  const { token, role } = projectCredential(projectId);
  const readOnly = role === 'teacher';
  const api = createApi(projectId, token);
  let state = initialState({ canWrite: Boolean(token) && !readOnly, canModerate: Boolean(token) });
  // What is not the project's state: live objects and messages of the moment.
  let embedder = null;
  let backbone = null;
  let embeddingSize = null; // the backbone's, known before the backbone itself has loaded
  let worker = null; // embeds and trains off the page's thread, where it could start
  const embeddingWorkers = workerCount(navigator.hardwareConcurrency);
  let serverPredictor = null; // the chosen fine-tuned model, loaded
  let trainingAbort = null;
  const localImages = new Map(); // sample key -> Blob, until the picture is prepared
  const arrived = []; // sha256s whose embeddings came since the last render
  const ui = { quickHeldOut: null, trainError: null, saving: false, saveMessage: null, exportMessage: null, finetuneError: null, loadingServerModel: false };
  let nextLocalKey = 0;

  function dispatch(name, detail) {
    apply(name, detail);
    scheduleRender();
  }

  // The one place state changes; the pictures it lets go of are freed.
  function apply(name, detail) {
    const before = state;
    state = actions[name](state, detail);
    for (const url of droppedUrls(before, state)) URL.revokeObjectURL(url);
  }

  // Skeleton, drawn once.
  const heading = h('h1', { class: 'visually-hidden' });
  const title = h('input', { class: 'project-title', 'aria-label': t('newProjectLabel'), maxlength: '120' });
  const status = h('p', { class: 'status-line', role: 'status' });
  const readOnlyNote = h('p', { class: 'read-only-note', hidden: !readOnly }, t('teacherView'));
  const notice = h('div', { class: 'notice', role: 'alert' });
  const linkBox = h('input', { class: 'edit-link', readonly: true, 'aria-label': t('editLink') });
  const copyLink = h('button', { type: 'button' }, t('copy'));
  const cameraEl = h('section');
  const cardsEl = h('div', { class: 'class-cards' });
  const addClass = h('button', { type: 'button', class: 'add-class' }, `+ ${t('addClass')}`);
  const trayGridEl = h('div');
  const trayFiles = h('input', { type: 'file', accept: 'image/*', multiple: true, hidden: true });
  const folderFiles = h('input', { type: 'file', webkitdirectory: true, multiple: true, hidden: true });
  const trayUpload = h('button', { type: 'button', onclick: () => trayFiles.click() }, t('uploadUnlabelled'));
  const folderUpload = h('button', { type: 'button', onclick: () => folderFiles.click() }, t('uploadFolders'));
  const trayTools = h(
    'div',
    {},
    h('p', { class: 'hint' }, t('unlabelledHint')),
    h('div', { class: 'row' }, trayUpload, folderUpload, trayFiles, folderFiles),
    h('p', { class: 'hint' }, t('dropHint')),
  );
  const tray = h('section', { class: 'unlabelled-tray' }, h('h2', {}, t('unlabelled')), trayTools, trayGridEl);
  const moveTo = h('select', { 'aria-label': t('moveSelectedTo') });
  const deleteSelected = h('button', { type: 'button', class: 'danger' }, t('deleteSelected'));
  const clearSelection = h('button', { type: 'button', class: 'quiet' }, t('clearSelection'));
  const selectedCount = h('span');
  const toolbar = h('div', { class: 'selection-toolbar', hidden: true }, selectedCount, moveTo, deleteSelected, clearSelection);
  const trainEl = h('section');
  const modelEl = h('section');
  const finetuneEl = h('section');
  const previewEl = h('section');
  const learnEl = h('section');
  el.append(
    heading,
    h('div', { class: 'studio-head' }, title, status, readOnly ? readOnlyNote : h('details', { class: 'share-edit' }, h('summary', {}, t('editLink')), h('div', { class: 'row' }, linkBox, copyLink))),
    notice,
    h(
      'div',
      { class: 'studio-body' },
      h('div', { class: 'column classes-column' }, cameraEl, toolbar, cardsEl, addClass, tray),
      h('div', { class: 'column train-column' }, trainEl, modelEl, finetuneEl),
      h('div', { class: 'column preview-column' }, previewEl, learnEl),
    ),
  );

  // A project that cannot be opened shows only why: no empty panels, no buttons that do nothing.
  function closeStudio() {
    for (const child of el.children) child.hidden = child !== notice;
  }

  const camera = CameraPanel(cameraEl);
  const trayGrid = SampleGrid(trayGridEl, { onToggle: (key) => dispatch('sampleToggled', { key }) });
  const cards = new Map(); // class id -> {el, component}
  const frameCanvas = document.createElement('canvas');
  const trainPanel = TrainPanel(trainEl);
  const modelPanel = ModelPanel(modelEl);
  const finetunePanel = FinetunePanel(finetuneEl);
  const preview = PreviewPanel(previewEl, { classify, camera });
  const learn = LearnPanel(learnEl, { api, umapUrl: el.dataset.umapSrc || null });
  const uploader = createUploader(api, {
    onChange: (uploads) => dispatch('uploadsChanged', uploads),
    onRejected: (error) => showNotice('uploadRefused', { reason: error.message }),
  });

  async function run(action) {
    try {
      return await action();
    } catch (error) {
      showNotice('error', { reason: error.message });
      return null;
    }
  }

  // Loading: the project and the first page of its pictures; listRest brings the others, each
  // page drawn as it comes (and ready for training as its stored embeddings arrive).
  async function loadProject() {
    dispatch('projectLoaded', { project: await api.getProject() });
    return listed(await api.listSamples());
  }

  async function listRest(cursor) {
    try {
      for (let after = cursor; after; ) after = listed(await api.listSamples(after));
    } catch (error) {
      showNotice('error', { reason: error.message });
    }
  }

  function listed({ samples, total, next_cursor: next }) {
    dispatch('samplesListed', { samples, total, more: Boolean(next) });
    for (const { id } of samples) if (embedder && state.samples.has(id)) embedSample(state.samples.get(id));
    return next;
  }

  // Stored embeddings need no model: the embedder starts at once and takes them page by page;
  // only pictures without one wait for the backbone, whose loading (CPU-heavy: TF.js, the
  // backbone on the page and in the worker) starts once every picture is listed and drawn.
  async function startModel(listing) {
    status.textContent = t('loadingModel');
    try {
      const { backbones, default: defaultId } = await api.backbones();
      dispatch('backbonesListed', { backbones });
      const entry = backbones.find((b) => b.id === state.project.backboneId) ?? backbones.find((b) => b.id === defaultId) ?? backbones[0];
      if (!entry) throw new Error('the server has no image model; run `make install`');
      document.body.dataset.backbone = entry.id;
      embeddingSize = entry.metadata.embedding_size;
      const computing = listing.then(() => startComputing(entry));
      const failed = new DOMException('the image model did not load', 'AbortError'); // said once, below
      embedder = createEmbedder({
        backboneId: entry.id,
        dim: embeddingSize,
        compute: (sample, image) => computing.then((compute) => compute(sample, image), () => Promise.reject(failed)),
        lanes: embeddingWorkers,
        api,
        canWrite: state.canWrite,
        onProgress: (progress) => dispatch('embeddingProgress', progress),
        onRejected: (error) => showNotice('error', { reason: error.message }),
        onReady: (sha256) => {
          arrived.push(sha256);
          scheduleRender();
        },
      });
      embedder.prefetch();
      for (const sample of state.samples.values()) if (sample.id) embedSample(sample);
      await computing;
    } catch (error) {
      showNotice('modelFailed', { reason: error.message });
    }
  }

  // The backbone on this page (for the preview) and in the worker (for preparing pictures).
  async function startComputing(entry) {
    // The fastest backend for this backbone on this device, measured once and remembered.
    const { backend } = await chooseBackend(window.tf, {
      backboneId: entry.id,
      measure: () => timeBackbone(entry.model_url),
    });
    const [pageBackbone, started] = await Promise.all([loadBackbone(entry.model_url), startOffThread(entry.model_url, backend)]);
    backbone = pageBackbone;
    worker = started;
    await backbone.warmUp();
    document.body.dataset.backend = backend;
    dispatch('modelLoaded', { backend });
    return worker?.compute ?? computeOnPage(backbone);
  }

  // Pictures are prepared and heads trained in Web Workers; where none can run TF.js, here.
  async function startOffThread(backboneUrl, backend) {
    const wasm = document.getElementById('tfjs-wasm');
    try {
      const started = await startWorkerPool({
        count: embeddingWorkers,
        tfScripts: [document.getElementById('tfjs').src, wasm.src],
        wasmPath: new URL(wasm.dataset.wasmPath, location.href).href,
        backboneUrl: new URL(backboneUrl, location.href).href,
        backend,
        headers: api.authHeaders(),
        onSize: (size) => {
          document.body.dataset.embeddingWorkers = String(size);
        },
      });
      document.body.dataset.embeddingBackend = `worker:${started.backend}`;
      return started;
    } catch (error) {
      document.body.dataset.embeddingBackend = 'page';
      console.warn(`Preparing pictures and training on the page: ${error.message}`);
      return null;
    }
  }

  function embedSample(sample) {
    const image = localImages.get(sample.key);
    embedder
      ?.request({ id: sample.id, sha256: sample.sha256, image_url: sample.imageUrl }, image)
      .catch((error) => error.name === 'AbortError' || showNotice('error', { reason: error.message }))
      .finally(() => localImages.delete(sample.key));
  }

  // Capture and upload: a picture shows at once, uploads in the background, then is prepared.
  async function addLocalSample(blob, classId, source) {
    const key = `local-${++nextLocalKey}`;
    localImages.set(key, blob);
    dispatch('sampleCaptured', { key, classId, url: URL.createObjectURL(blob) });
    try {
      const saved = await uploader.add(blob, classId, source);
      dispatch('uploadAccepted', { key, sample: saved });
      const sample = state.samples.get(key);
      if (sample) embedSample(sample);
      else localImages.delete(key);
    } catch (error) {
      localImages.delete(key);
      dispatch('uploadRefused', { key, error: error.message });
    }
  }

  // One frame: grabbed on this tick, encoded and queued without waiting for anything else. It
  // counts as a pending upload from this tick on, so a frame still being encoded when the
  // student lets go of "Hold to record" is not missed by whoever waits for "nothing pending".
  async function snap(classId) {
    if (!state.canWrite) return;
    countPreparing(1);
    try {
      if (!(await camera.ensure())) return;
      const frame = grabSquare(camera.video, CAPTURE_SIZE, { mirrored: true, canvas: document.createElement('canvas') });
      addLocalSample(await canvasToJpeg(frame), classId, 'webcam');
    } finally {
      countPreparing(-1);
    }
  }

  let recordTimer = null;
  async function startRecording(classId) {
    if (!state.canWrite || !(await camera.ensure())) return;
    stopRecording();
    dispatch('recordingStarted', { classId });
    snap(classId);
    recordTimer = setInterval(() => snap(classId), 1000 / FRAMES_PER_SECOND);
  }

  function stopRecording() {
    clearInterval(recordTimer);
    recordTimer = null;
    if (state.recordingClassId !== null) dispatch('recordingStopped');
  }

  // Pictures being made (files shrunk, frames encoded) before they join the upload queue count
  // as pending uploads too, so nobody (a test, a student closing the tab) takes "nothing
  // pending" too early.
  let preparing = 0;
  function countPreparing(change) {
    preparing += change;
    document.body.dataset.pendingUploads = String(state.uploads.pending + preparing);
    scheduleRender();
  }

  async function uploadFiles(files, classId) {
    if (!state.canWrite) return;
    countPreparing(files.length);
    for (const file of files) {
      const small = await downscaleForUpload(file);
      preparing -= 1;
      addLocalSample(small, classId, 'upload');
    }
  }

  async function uploadDrop(items, classId) {
    if (!state.canWrite) return;
    const { loose, folders } = await filesFromDrop(items);
    uploadFiles(loose, classId);
    await uploadFolders(folders);
  }

  // One class per folder name, in name order: an existing class of that name gets the pictures.
  async function uploadFolders(folders) {
    const byName = [...folders].sort(([a], [b]) => a.localeCompare(b));
    for (const [name, files] of byName) {
      let cls = classNamed(state, name);
      if (!cls) {
        cls = await run(() => api.addClass(name));
        if (!cls) continue;
        dispatch('classAdded', { cls });
      }
      uploadFiles(files, cls.id);
    }
  }

  // A phone paired with a class: while its link lasts, the class is asked for new pictures,
  // which appear on the card and are prepared like the page's own.
  async function pairPhone(classId) {
    const pairing = await run(() => api.startPairing(classId));
    if (!pairing) return;
    dispatch('pairingOpened', { classId, url: pairing.url, expiresAt: pairing.expires_at });
    followPhones();
  }

  async function unpairPhone(classId) {
    dispatch('pairingClosed', { classId });
    await run(() => api.endPairing(classId));
  }

  let phoneTimer = null;
  function followPhones() {
    clearTimeout(phoneTimer);
    if (!state.pairings.length) return;
    phoneTimer = setTimeout(async () => {
      for (const classId of expiredPairings(state, Date.now())) unpairPhone(classId);
      for (const { classId } of state.pairings) await listPhonePictures(classId);
      followPhones();
    }, PHONE_POLL_MS);
  }

  let deletions = 0; // a listing asked for before a deletion may still hold the deleted pictures
  async function listPhonePictures(classId) {
    try {
      for (let after = null; ; ) {
        const deletionsBefore = deletions;
        const listing = await api.listSamples(after, 500, classId);
        if (deletions !== deletionsBefore) return; // the next tick asks again
        const before = state.samples;
        dispatch('phonePicturesListed', { classId, samples: listing.samples });
        for (const sample of state.samples.values()) if (!before.has(sample.key)) embedSample(sample);
        after = listing.next_cursor;
        if (!after) break;
      }
    } catch {
      // A network hiccup: the next tick asks again.
    }
  }

  // Classes.
  async function addNewClass() {
    const cls = await run(() => api.addClass(nextClassName(state, (n) => t('defaultClassName', { n }))));
    if (!cls) return;
    dispatch('classAdded', { cls });
    render();
    cards.get(cls.id)?.el.querySelector('.class-name').focus();
  }

  async function renameClass(classId, name) {
    const updated = name && (await run(() => api.updateClass(classId, { name })));
    if (updated) dispatch('classRenamed', { classId, name: updated.name });
    else scheduleRender(); // puts the old name back in the field
  }

  async function moveClass(classId, by) {
    const position = movePosition(state, classId, by);
    if (position === null) return;
    dispatch('classMoved', { classId, by });
    const moved = await run(() => api.updateClass(classId, { position }));
    if (!moved) await reloadClasses();
  }

  async function reloadClasses() {
    const project = await run(() => api.getProject());
    if (project) dispatch('classesLoaded', { classes: project.classes });
  }

  async function deleteClass(classId) {
    const cls = classById(state, classId);
    if (!(await run(() => api.deleteClass(classId).then(() => true)))) return;
    uploader.forgetClass(classId);
    if (state.recordingClassId === classId) stopRecording();
    dispatch('classDeleted', { classId });
    showNotice('classDeleted', { name: cls.name }, { label: 'undo', event: 'undo-delete' });
  }

  async function undoDelete() {
    const plan = undoPlan(state);
    if (!plan) return;
    const cls = await run(() => api.addClass(plan.name));
    if (!cls) return;
    const placed = plan.position === cls.position ? cls : ((await run(() => api.updateClass(cls.id, { position: plan.position }))) ?? cls);
    if (plan.sampleIds.length) await run(() => api.relabelSamples(plan.sampleIds, cls.id));
    dispatch('classRestored', { cls: placed });
    await reloadClasses();
  }

  // Selection and labelling.
  function selectOnly(ids) {
    dispatch('selectionSet', { ids });
    render();
    el.querySelector('.thumb[aria-pressed="true"]')?.scrollIntoView({ block: 'nearest' });
  }

  async function relabel(ids, classId) {
    if (!ids.length || !state.canWrite) return;
    const result = await run(() => api.relabelSamples(ids, classId));
    if (result) dispatch('samplesMoved', { ids: result.samples.map((s) => s.id), classId });
  }

  async function deleteSamples(ids) {
    deletions += 1;
    const gone = [];
    embedder?.forget(ids);
    for (const id of ids) if (await run(() => api.deleteSample(id).then(() => true))) gone.push(id);
    dispatch('samplesDeleted', { ids: gone });
    deletions += 1; // before and after: a listing that overlapped the deletion is dropped
  }

  // Training in the page: the settings come with the event, read once by the panel.
  async function train(settings) {
    const samples = currentTrainingSamples();
    if (state.training || !checkTrainable(state.classes, samples).trainable) return;
    ui.trainError = null;
    trainingAbort = new AbortController();
    dispatch('trainingStarted', { settings });
    try {
      // A check run on the split draws the charts; the head shipped learns from every picture.
      const { head, labels, metrics, validation } = await trainProjectHead({
        classes: state.classes,
        samples,
        settings,
        signal: trainingAbort.signal,
        onEpoch: (logs) => dispatch('trainingEpoch', { logs }),
        onFinalRun: () => showNotice('trainingAllPictures'),
        train: worker?.train,
      });
      const rows = validation?.rows;
      const predicted = rows ? argmaxRows(predictBatch(validation.head, rows.features, rows.count), labels.length) : [];
      dispatch('trained', { head, labels, metrics, validation: { labels: rows ? [...rows.labels] : [], predicted: [...predicted], ids: rows?.ids ?? [] } });
      ui.quickHeldOut = null;
      heldOutDigest(rows?.ids ?? []).then((digest) => {
        ui.quickHeldOut = digest;
        scheduleRender();
      });
      ui.saveMessage = null;
    } catch (error) {
      if (error.name !== 'AbortError') ui.trainError = error.message;
      dispatch('trainingEnded');
    } finally {
      trainingAbort = null;
    }
  }

  function currentTrainingSamples() {
    return trainingSamples(state, (sha256) => embedder?.get(sha256), embeddingSize);
  }

  // A new image model for the project: saved, then the page starts again on it. Reloading is
  // the one way that leaves nothing of the old model behind: its embeddings, the workers that
  // computed them, and any head trained on them (which would predict nonsense on the new one).
  async function chooseBackbone(backboneId) {
    if (backboneId === state.project.backboneId || !canSwitchBackbone(state) || preparing) {
      scheduleRender(); // puts the radio buttons back as they were
      return;
    }
    // The switch reloads the page: a head not saved as a version would be lost unasked.
    if (unsavedHead(state) && !confirm(t('confirmSwitchBackbone'))) {
      scheduleRender();
      return;
    }
    dispatch('backboneSwitchStarted', { backboneId });
    showNotice('switchingBackbone');
    const project = await run(() => api.chooseBackbone(backboneId));
    if (project?.backbone_id === backboneId) location.reload();
    else dispatch('backboneSwitchFailed');
  }

  // Saved versions and share links.
  async function refreshVersions() {
    const versions = await run(() => api.listModels());
    const shares = state.canWrite ? await run(() => api.listShares()) : null;
    if (versions) dispatch('versionsLoaded', { versions: versions.models, shares: shares?.shares ?? state.shares });
  }

  // A reopened project previews its saved model until a head is trained here.
  async function loadSavedHead() {
    const version = versionToPreview(state);
    if (!version) return;
    try {
      const response = await fetch(`/api/models/${encodeURIComponent(version.id)}/files/head.json`, { headers: api.authHeaders() });
      if (!response.ok) return;
      dispatch('savedModelLoaded', { version, head: deserializeHead(await response.json()) });
    } catch (error) {
      showNotice('error', { reason: error.message });
    }
  }

  async function saveModel() {
    const { trained } = state;
    if (!trained || !headReady(state) || ui.saving || !backbone) return;
    ui.saving = true;
    ui.saveMessage = t('savingModel');
    scheduleRender();
    try {
      const saved = await api.saveModel({
        head: serializeHead(trained.head),
        labels: versionLabels(state),
        backbone_id: backbone.metadata.id,
        settings: trained.settings ?? {},
        metrics: metricsForVersion(trained.metrics),
      });
      ui.saveMessage = t('modelSaved', { number: saved.number });
      dispatch('versionSaved', { version: saved });
      modelEl.dataset.savedModel = saved.id;
      modelPanel.select(saved.id);
    } catch (error) {
      ui.saveMessage = t('error', { reason: error.message });
    }
    ui.saving = false;
    await refreshVersions();
  }

  async function download(url, filename, { export: isExport = false } = {}) {
    if (isExport) ui.exportMessage = t('preparingExport', { name: filename });
    scheduleRender();
    try {
      saveBlob(await api.downloadBlob(url), filename);
      if (isExport) ui.exportMessage = t('exportReady', { name: filename });
    } catch (error) {
      if (isExport) ui.exportMessage = t('error', { reason: error.message });
      else showNotice('error', { reason: error.message });
    }
    scheduleRender();
  }

  // Fine-tuning on the server: start, follow, cancel, and use its model for the preview.
  let jobTimer = null;
  function followJob() {
    clearTimeout(jobTimer);
    if (!state.job || !ACTIVE_JOB.has(state.job.state)) return;
    jobTimer = setTimeout(async () => {
      try {
        const job = await api.getJob(state.job.id);
        dispatch('jobUpdated', { job });
        // The job saved a model version: the list of saved models shows it at once.
        if (job.state === 'succeeded') refreshVersions();
      } catch {
        // A network hiccup: try again at the next tick.
      }
      followJob();
    }, JOB_POLL_MS);
  }

  async function jobAction(action) {
    try {
      ui.finetuneError = null;
      dispatch('jobUpdated', { job: await action() });
      followJob();
    } catch (error) {
      ui.finetuneError = error.message;
      scheduleRender();
    }
  }

  function startFinetune() {
    const quick = headReady(state) ? state.trained : null;
    const body = quick ? { head: serializeHead(quick.head), head_labels: quick.labels.map((l) => l.id) } : {};
    return jobAction(() => api.startFinetune(body));
  }

  async function useServerModel(use) {
    const model = state.job?.model;
    if (!use || !model) {
      dispatch('serverModelChosen', { model: null });
      return;
    }
    ui.loadingServerModel = true;
    scheduleRender();
    try {
      if (serverPredictor?.id !== model.id) {
        serverPredictor?.predictor.dispose();
        serverPredictor = { id: model.id, predictor: await loadServerModel(model.model_url, { headers: api.authHeaders() }) };
      }
      dispatch('serverModelChosen', { model });
    } catch (error) {
      ui.finetuneError = error.message;
    }
    ui.loadingServerModel = false;
    scheduleRender();
  }

  // Prediction, shared by the live preview and "try an image".
  async function classify(source, { mirrored }) {
    const model = previewModel(state);
    if (!model || (model.kind === 'quick' && !backbone)) return null;
    const input = source instanceof HTMLVideoElement ? grabSquare(source, CAPTURE_SIZE, { mirrored, canvas: frameCanvas }) : source;
    if (model.kind === 'server') return serverPredictor.predictor.predict(input);
    const { head } = state.trained;
    return Array.from(predict(head, await backbone.embed(input)));
  }

  // The lesson sees what training sees, plus each picture's signed address and the trained head.
  function learnState(samples) {
    const urls = new Map([...state.samples.values()].map((s) => [s.id, s.imageUrl]));
    return {
      classes: state.classes,
      samples: samples.map((s) => ({ ...s, url: urls.get(s.id) })),
      trained: headReady(state) ? state.trained : null,
      backbone,
      canWrite: state.canWrite,
      inClassroom: Boolean(state.project?.inClassroom),
    };
  }

  // Events from components.
  const on = (name, handler) => el.addEventListener(name, (e) => handler(e.detail ?? {}));
  on('record-start', ({ classId }) => startRecording(classId));
  on('record-stop', stopRecording);
  on('pair-phone', ({ classId }) => pairPhone(classId));
  on('unpair-phone', ({ classId }) => unpairPhone(classId));
  on('snap', ({ classId }) => snap(classId));
  on('upload-files', ({ files, classId }) => uploadFiles(files, classId));
  on('drop-files', ({ items, classId }) => uploadDrop(items, classId));
  on('drop-samples', ({ key, classId }) => relabel(draggedIds(state, key), classId));
  on('move-samples', ({ ids, classId }) => relabel(ids, classId));
  on('delete-samples', ({ ids }) => deleteSamples(ids));
  on('rename-class', ({ classId, name }) => renameClass(classId, name));
  on('move-class', ({ classId, by }) => moveClass(classId, by));
  on('delete-class', ({ classId }) => deleteClass(classId));
  on('toggle-sample', ({ key }) => dispatch('sampleToggled', { key }));
  on('camera-change', ({ on: cameraOn }) => (cameraOn ? preview.startLoop() : preview.stopLoop()));
  on('train', ({ settings }) => train(settings));
  on('stop-training', () => trainingAbort?.abort());
  on('choose-backbone', ({ backboneId }) => chooseBackbone(backboneId));
  on('show-samples', ({ ids }) => selectOnly(ids));
  on('save-model', saveModel);
  on('publish-model', ({ id }) => run(() => api.publishModel(id)).then(refreshVersions));
  on('delete-model', ({ id, number }) => {
    if (confirm(t('confirmDeleteVersion', { number }))) run(() => api.deleteModel(id)).then(refreshVersions);
  });
  on('create-share', ({ modelId, follow, days }) => run(() => api.createShare(modelId, { follow_published: follow, expires_in_days: days })).then(refreshVersions));
  on('revoke-share', ({ token }) => run(() => api.revokeShare(token)).then(refreshVersions));
  on('download-export', ({ entry }) => download(entry.url, entry.filename, { export: true }));
  on('download-project', () => download(api.archiveUrl(), 'project.zip'));
  on('start-finetune', startFinetune);
  on('cancel-finetune', () => jobAction(() => api.cancelJob(state.job.id)));
  on('use-server-model', ({ use }) => useServerModel(use));
  on('undo-delete', undoDelete);
  tray.addEventListener('dragover', (e) => e.preventDefault());
  tray.addEventListener('drop', (e) => {
    e.preventDefault();
    const key = e.dataTransfer.getData('application/x-snapclass-sample');
    if (key) relabel(draggedIds(state, key), null);
    else uploadDrop(e.dataTransfer.items, null);
  });
  addClass.addEventListener('click', addNewClass);
  trayFiles.addEventListener('change', () => {
    uploadFiles([...trayFiles.files], null);
    trayFiles.value = '';
  });
  folderFiles.addEventListener('change', () => {
    uploadFolders(filesFromFolderPicker([...folderFiles.files]));
    folderFiles.value = '';
  });
  moveTo.addEventListener('change', () => {
    if (moveTo.value === '') return;
    relabel(selectedSamples(state).map((s) => s.id), moveTo.value === 'none' ? null : moveTo.value);
    moveTo.value = '';
  });
  deleteSelected.addEventListener('click', () => deleteSamples(selectedSamples(state).map((s) => s.id)));
  clearSelection.addEventListener('click', () => selectOnly([]));
  title.addEventListener('change', async () => {
    const project = await run(() => api.renameProject(title.value.trim() || t('defaultProjectTitle')));
    if (project) dispatch('projectRenamed', { title: project.title });
    remember();
  });
  copyLink.addEventListener('click', async () => {
    await navigator.clipboard?.writeText(linkBox.value).catch(() => linkBox.select());
    copyLink.textContent = t('copied');
  });

  function showNotice(key, params = {}, action = null) {
    dispatch('noticeShown', { key, params, action });
  }

  let shownNotice = null;
  function drawNotice() {
    if (state.notice === shownNotice) return;
    shownNotice = state.notice;
    if (!shownNotice) {
      notice.replaceChildren();
      return;
    }
    const { key, params, action } = shownNotice;
    notice.replaceChildren(h('span', {}, t(key, params)));
    if (action) notice.append(h('button', { type: 'button', onclick: () => {
      dispatch('noticeDismissed');
      emit(notice, action.event);
    } }, t(action.label)));
  }

  // Drawing: at most once per frame, and in a hidden tab (no frames) within a quarter second.
  // A slow render (thousands of pictures arriving) spaces out the next ones, so drawing takes at
  // most about a fifth of the page's time and the rest goes to the arriving pages and to clicks.
  let renderQueued = false;
  let nextRenderAt = 0;
  function scheduleRender() {
    if (renderQueued) return;
    renderQueued = true;
    const once = () => {
      if (renderQueued) render();
    };
    const queue = () => {
      requestAnimationFrame(once);
      setTimeout(once, 250);
    };
    const wait = nextRenderAt - performance.now();
    if (wait > 0) setTimeout(queue, wait);
    else queue();
  }

  function render() {
    const began = performance.now();
    try {
      draw();
    } finally {
      nextRenderAt = performance.now() + 4 * (performance.now() - began);
    }
  }

  function draw() {
    renderQueued = false;
    if (arrived.length) apply('embeddingsArrived', { sha256s: arrived.splice(0) });
    drawNotice();
    if (!state.project) return;
    const { canWrite } = state;
    heading.textContent = state.project.title;
    if (document.activeElement !== title) title.value = state.project.title;
    title.readOnly = !canWrite;
    addClass.hidden = trayTools.hidden = moveTo.hidden = trainEl.hidden = !canWrite;
    finetuneEl.hidden = !canWrite && !state.job;
    drawCards();
    const unlabelled = samplesOf(state, null);
    trayGrid.update(unlabelled);
    tray.hidden = !canWrite && unlabelled.length === 0;
    const selected = selectedSamples(state);
    toolbar.hidden = selected.length === 0 || !state.canModerate;
    selectedCount.textContent = t('selectedCount', { count: selected.length });
    const options = [['', t('moveSelectedTo')], ...state.classes.map((c) => [c.id, c.name]), ['none', t('unlabelled')]];
    if (moveTo.options.length !== options.length || options.some(([value, label], i) => moveTo.options[i].value !== value || moveTo.options[i].text !== label)) {
      moveTo.replaceChildren(...options.map(([value, label]) => h('option', { value }, label)));
    }
    drawStatus();
    const samples = currentTrainingSamples();
    const backboneChoice = { choices: state.backboneChoices, chosen: state.switchingTo ?? state.project.backboneId, enabled: canSwitchBackbone(state) && !preparing };
    trainPanel.update({ classes: state.classes, samples, training: state.training, trained: state.trained, error: ui.trainError, backbone: backboneChoice });
    const ready = headReady(state);
    modelPanel.update({ versions: state.versions, shares: state.shares, canWrite, canSave: ready && Boolean(backbone), saving: ui.saving, saveMessage: ui.saveMessage, exportMessage: ui.exportMessage });
    finetunePanel.update({
      job: state.job,
      canWrite,
      network: finetuneNetwork(state),
      quickAccuracy: ready ? validationAccuracy(state.trained.metrics) : null,
      verdict: ready
        ? finetuneVerdict({ quickAccuracy: validationAccuracy(state.trained.metrics), quickHeldOut: ui.quickHeldOut, serverMetrics: state.job?.model?.metrics })
        : null,
      usingServerModel: Boolean(state.serverModel),
      loadingServerModel: ui.loadingServerModel,
      error: ui.finetuneError,
    });
    const model = previewModel(state);
    preview.update({ labels: model?.labels ?? [], ready: Boolean(model) && (model.kind === 'server' || Boolean(backbone)) });
    learn.update(learnState(samples));
  }

  function drawCards() {
    for (const [id, card] of cards) {
      if (!classById(state, id)) {
        card.el.remove();
        cards.delete(id);
      }
    }
    state.classes.forEach((cls, index) => {
      if (!cards.has(cls.id)) {
        const cardEl = h('article');
        cards.set(cls.id, { el: cardEl, component: ClassCard(cardEl, cls) });
      }
      const card = cards.get(cls.id);
      if (cardsEl.children[index] !== card.el) cardsEl.insertBefore(card.el, cardsEl.children[index] ?? null);
      card.component.update({
        cls,
        samples: samplesOf(state, cls.id),
        isRecording: state.recordingClassId === cls.id,
        canWrite: state.canWrite,
        isFirst: index === 0,
        isLast: index === state.classes.length - 1,
        pairing: pairingOf(state, cls.id),
      });
    });
  }

  function drawStatus() {
    status.textContent = statusParts(state).map((part) => t(part.key, part.params)).join(' · ');
    // For tests and curious teachers: what is still in flight, and what had to be computed here.
    Object.assign(document.body.dataset, {
      pendingUploads: String(state.uploads.pending + preparing),
      embeddingsReady: String(picturesReady(state)),
      embeddingsDone: String(state.embedding.done),
      embeddingsComputed: String(state.embedding.computed ?? 0),
    });
  }

  // This browser's list of its projects keeps owner and student links, never a teacher's.
  function remember() {
    if (token && !readOnly) rememberProject({ id: projectId, title: state.project.title, ownerToken: token });
  }

  // Loading, once every listener is in place. Pictures are private: without the owner link
  // there is nothing to ask the server for.
  if (!token) {
    showNotice('needOwnerLink');
    closeStudio();
    return;
  }
  let moreSamples;
  try {
    moreSamples = await loadProject();
  } catch (error) {
    const key = { 404: 'projectNotFound', 401: 'needOwnerLink', 403: 'wrongOwnerLink' }[error instanceof ApiError && error.status];
    if (key) showNotice(key);
    else showNotice('error', { reason: error.message });
    closeStudio();
    return;
  }
  remember();
  if (!readOnly) linkBox.value = editLink(projectId, token);
  render();
  refreshVersions().then(loadSavedHead);
  run(() => api.listJobs()).then((jobs) => {
    if (jobs?.jobs[0]) dispatch('jobUpdated', { job: jobs.jobs[0] });
    followJob();
  });
  const listing = listRest(moreSamples);
  await Promise.all([listing, startModel(listing)]);
}

function saveBlob(blob, filename) {
  const url = URL.createObjectURL(blob);
  const link = h('a', { href: url, download: filename, hidden: true });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

const root = document.querySelector('[data-mount="studio"]');
Studio(root, root.dataset.projectId);
