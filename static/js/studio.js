// The studio: mounts the components and owns the project's state. Data comes down through
// update(); actions come up as events named by verbs.
import { ApiError, createApi } from './api.js';
import { chooseBackend } from './backend.js';
import { loadBackbone } from './backbone.js';
import { canvasToJpeg, grabSquare } from './camera.js';
import { CameraPanel } from './components/CameraPanel.js';
import { ClassCard } from './components/ClassCard.js';
import { FinetunePanel } from './components/FinetunePanel.js';
import { LearnPanel } from './components/LearnPanel.js';
import { ModelPanel } from './components/ModelPanel.js';
import { PreviewPanel } from './components/PreviewPanel.js';
import { SampleGrid } from './components/SampleGrid.js';
import { TrainPanel } from './components/TrainPanel.js';
import { h } from './dom.js';
import { createEmbedder } from './embedder.js';
import { editLink, ownerTokenFor, rememberProject } from './projects.js';
import { t } from './strings.js';
import { createUploader } from './uploader.js';
import { filesFromDrop, filesFromFolderPicker } from './drop.js';

const FRAMES_PER_SECOND = 10;
const CAPTURE_SIZE = 224;

async function Studio(el, projectId) {
  const tf = window.tf;
  const ownerToken = ownerTokenFor(projectId);
  const api = createApi(projectId, ownerToken);
  const state = {
    project: null,
    classes: [],
    samples: new Map(), // key -> {key, id, classId, sha256, url, status, selected, error}
    recordingClassId: null,
    canWrite: Boolean(ownerToken),
    backend: null,
    embedding: { done: 0, total: 0, computed: 0 },
    uploads: { pending: 0, failing: false },
  };
  let nextLocalKey = 0;
  let embedder = null;
  let backbone = null;

  // Skeleton, drawn once.
  const title = h('input', { class: 'project-title', 'aria-label': t('newProjectLabel'), maxlength: '120' });
  const status = h('p', { class: 'status-line', role: 'status' });
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
  const tray = h(
    'section',
    { class: 'unlabelled-tray' },
    h('h2', {}, t('unlabelled')),
    h('p', { class: 'hint' }, t('unlabelledHint')),
    h('div', { class: 'row' }, trayUpload, folderUpload, trayFiles, folderFiles),
    h('p', { class: 'hint' }, t('dropHint')),
    trayGridEl,
  );
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
    h('div', { class: 'studio-head' }, title, status, h('details', { class: 'share-edit' }, h('summary', {}, t('editLink')), h('div', { class: 'row' }, linkBox, copyLink))),
    notice,
    h(
      'div',
      { class: 'studio-body' },
      h('div', { class: 'column classes-column' }, cameraEl, toolbar, cardsEl, addClass, tray),
      h('div', { class: 'column train-column' }, trainEl, modelEl, finetuneEl),
      h('div', { class: 'column preview-column' }, previewEl, learnEl),
    ),
  );

  const camera = CameraPanel(cameraEl);
  const trayGrid = SampleGrid(trayGridEl, { onToggle: toggleSample });
  const cards = new Map(); // class id -> {el, component}
  const frameCanvas = document.createElement('canvas');
  const trainer = TrainPanel(trainEl, {
    getTrainingData: () => ({ classes: state.classes, samples: trainingSamples() }),
    showSamples: (ids) => selectOnly(ids),
    onTrained: () => {
      learn.update(learnState());
      preview.update(previewState());
      models.update();
      finetune.update();
    },
  });
  const models = ModelPanel(modelEl, {
    api,
    canWrite: state.canWrite,
    getTrained: () => (trainer.ready() && backbone ? { ...trainer.trained(), names: trainer.labels(), backboneId: backbone.metadata.id } : null),
  });
  const preview = PreviewPanel(previewEl, { classify, camera });
  const learn = LearnPanel(learnEl, { api });
  // The lesson sees what training sees, plus each picture's address and the trained head.
  const learnState = () => ({
    classes: state.classes,
    samples: trainingSamples().map((s) => ({ ...s, url: `/api/samples/${s.id}/image` })),
    trained: trainer.ready() ? trainer.trained() : null,
    backbone,
    canWrite: state.canWrite,
  });
  const finetune = FinetunePanel(finetuneEl, {
    api,
    canWrite: state.canWrite,
    getQuick: () => (trainer.ready() ? trainer.trained() : null),
    onChange: () => preview.update(previewState()),
  });
  const uploader = createUploader(api, {
    onChange: (uploads) => {
      state.uploads = uploads;
      drawStatus();
    },
    onRejected: (error) => showNotice(error.message),
  });

  async function loadProject() {
    state.project = await api.getProject();
    state.classes = state.project.classes;
    for (let page = 1; ; page++) {
      const listing = await api.listSamples(page);
      for (const sample of listing.samples) addServerSample(sample);
      if (page * listing.per_page >= listing.total) break;
    }
  }

  async function startModel() {
    status.textContent = t('loadingModel');
    try {
      const chosen = await chooseBackend(tf);
      state.backend = chosen.backend;
      const { backbones, default: defaultId } = await api.backbones();
      const entry = backbones.find((b) => b.id === defaultId) ?? backbones[0];
      if (!entry) throw new Error('the server has no image model; run `make install`');
      backbone = await loadBackbone(entry.model_url);
      await backbone.warmUp();
      embedder = createEmbedder({
        backbone,
        api,
        canWrite: state.canWrite,
        onProgress: (progress) => {
          state.embedding = progress;
          drawStatus();
          trainer.update(trainingState());
        },
      });
      embedder.prefetch();
      for (const sample of state.samples.values()) if (sample.id) embedSample(sample);
      document.body.dataset.backend = state.backend;
      drawStatus();
    } catch (error) {
      showNotice(t('modelFailed', { reason: error.message }));
    }
  }

  function addServerSample(sample, key = sample.id) {
    const existing = state.samples.get(key);
    state.samples.set(key, {
      ...existing,
      key,
      id: sample.id,
      classId: sample.class_id,
      sha256: sample.sha256,
      url: existing?.url ?? sample.image_url,
      status: 'saved',
    });
    return state.samples.get(key);
  }

  function embedSample(sample, image) {
    embedder
      ?.request({ id: sample.id, sha256: sample.sha256, image_url: `/api/samples/${sample.id}/image` }, image)
      .then(() => {
        trainer.update(trainingState());
        learn.update(learnState());
      })
      .catch((error) => showNotice(t('error', { reason: error.message })));
  }

  // Capture and upload.
  async function addLocalSample(blob, classId, source) {
    const key = `local-${++nextLocalKey}`;
    state.samples.set(key, { key, id: null, classId, url: URL.createObjectURL(blob), status: 'pending' });
    update();
    try {
      const saved = await uploader.add(blob, classId, source);
      const duplicate = [...state.samples.values()].find((s) => s.id === saved.id && s.key !== key);
      if (duplicate) {
        URL.revokeObjectURL(state.samples.get(key).url);
        state.samples.delete(key);
      } else {
        embedSample(addServerSample(saved, key), blob);
      }
    } catch (error) {
      Object.assign(state.samples.get(key), { status: 'rejected', error: error.message });
    }
    update();
  }

  async function snap(classId) {
    if (!(await camera.ensure())) return;
    const frame = grabSquare(camera.video, CAPTURE_SIZE, { mirrored: true, canvas: frameCanvas });
    await addLocalSample(await canvasToJpeg(frame), classId, 'webcam');
  }

  let recordTimer = null;
  async function startRecording(classId) {
    if (!state.canWrite || !(await camera.ensure())) return;
    stopRecording();
    state.recordingClassId = classId;
    recordTimer = setInterval(() => snap(classId), 1000 / FRAMES_PER_SECOND);
    update();
  }

  function stopRecording() {
    clearInterval(recordTimer);
    recordTimer = null;
    state.recordingClassId = null;
    update();
  }

  function uploadFiles(files, classId) {
    for (const file of files) addLocalSample(file, classId, 'upload');
  }

  async function uploadDrop(items, classId) {
    const { loose, folders } = await filesFromDrop(items);
    uploadFiles(loose, classId);
    await uploadFolders(folders);
  }

  // One class per folder name, in name order: an existing class of that name gets the pictures.
  async function uploadFolders(folders) {
    const byName = [...folders].sort(([a], [b]) => a.localeCompare(b));
    for (const [name, files] of byName) {
      const cls = state.classes.find((c) => c.name === name) ?? (await run(() => api.addClass(name)));
      if (!cls) continue;
      if (!state.classes.includes(cls)) state.classes.push(cls);
      uploadFiles(files, cls.id);
    }
  }

  // Classes.
  async function run(action) {
    try {
      return await action();
    } catch (error) {
      showNotice(t('error', { reason: error.message }));
      return null;
    }
  }

  async function addNewClass() {
    const names = new Set(state.classes.map((c) => c.name));
    let n = state.classes.length + 1;
    while (names.has(t('defaultClassName', { n }))) n++;
    const cls = await run(() => api.addClass(t('defaultClassName', { n })));
    if (cls) state.classes.push(cls);
    update();
    cards.get(cls?.id)?.el.querySelector('.class-name').focus();
  }

  async function renameClass(classId, name) {
    const updated = name && (await run(() => api.updateClass(classId, { name })));
    if (updated) Object.assign(classById(classId), updated);
    update();
  }

  async function moveClass(classId, by) {
    const cls = classById(classId);
    const updated = await run(() => api.updateClass(classId, { position: cls.position + by }));
    if (updated) state.classes = (await run(() => api.getProject()))?.classes ?? state.classes;
    update();
  }

  async function deleteClass(classId) {
    const cls = classById(classId);
    const sampleIds = samplesOf(classId).map((s) => s.id).filter(Boolean);
    try {
      await api.deleteClass(classId);
    } catch (error) {
      showNotice(t('error', { reason: error.message }));
      return;
    }
    state.classes = state.classes.filter((c) => c.id !== classId);
    for (const sample of state.samples.values()) if (sample.classId === classId) sample.classId = null;
    update();
    showNotice(t('classDeleted', { name: cls.name }), {
      label: t('undo'),
      action: async () => {
        const restored = await run(() => api.addClass(cls.name));
        if (!restored) return;
        state.classes.push(restored);
        if (restored.position !== cls.position) await run(() => api.updateClass(restored.id, { position: cls.position }));
        if (sampleIds.length) await relabel(sampleIds, restored.id);
        state.classes = (await run(() => api.getProject()))?.classes ?? state.classes;
        update();
      },
    });
  }

  // Selection and labelling.
  function toggleSample(key) {
    const sample = state.samples.get(key);
    if (sample.status === 'rejected') {
      URL.revokeObjectURL(sample.url);
      state.samples.delete(key);
    } else if (sample.id) {
      sample.selected = !sample.selected;
    }
    update();
  }

  function selectOnly(ids) {
    const wanted = new Set(ids);
    for (const sample of state.samples.values()) sample.selected = wanted.has(sample.id);
    update();
    el.querySelector('.thumb[aria-pressed="true"]')?.scrollIntoView({ block: 'nearest' });
  }

  function selectedSamples() {
    return [...state.samples.values()].filter((s) => s.selected);
  }

  async function relabel(ids, classId) {
    const result = await run(() => api.relabelSamples(ids, classId));
    for (const saved of result?.samples ?? []) {
      const sample = [...state.samples.values()].find((s) => s.id === saved.id);
      if (sample) Object.assign(sample, { classId: saved.class_id, selected: false });
    }
    update();
  }

  async function deleteSamples(samples) {
    for (const sample of samples) {
      if (await run(() => api.deleteSample(sample.id).then(() => true))) state.samples.delete(sample.key);
    }
    update();
  }

  // Prediction, shared by the live preview and "try an image".
  async function classify(source, { mirrored }) {
    const server = finetune.predictor();
    if (!server && (!backbone || !trainer.ready())) return null;
    const input = source instanceof HTMLVideoElement ? grabSquare(source, CAPTURE_SIZE, { mirrored, canvas: frameCanvas }) : source;
    return server ? server.predict(input) : trainer.predict(await backbone.embed(input));
  }

  // The preview shows the server's fine-tuned model when the teacher chose it, else the quick one.
  function previewState() {
    const server = finetune.predictor();
    if (server) return { labels: server.labels.map((l) => classById(l.class_id)?.name ?? l.name), ready: true };
    return { labels: trainer.labels(), ready: trainer.ready() };
  }

  // Events from components.
  el.addEventListener('record-start', (e) => startRecording(e.detail.classId));
  el.addEventListener('record-stop', stopRecording);
  el.addEventListener('snap', (e) => snap(e.detail.classId));
  el.addEventListener('upload-files', (e) => uploadFiles(e.detail.files, e.detail.classId));
  el.addEventListener('drop-files', (e) => uploadDrop(e.detail.items, e.detail.classId));
  el.addEventListener('drop-samples', (e) => {
    const dragged = state.samples.get(e.detail.key);
    const ids = dragged?.selected ? selectedSamples().map((s) => s.id) : [dragged?.id].filter(Boolean);
    relabel(ids, e.detail.classId);
  });
  el.addEventListener('rename-class', (e) => renameClass(e.detail.classId, e.detail.name));
  el.addEventListener('move-class', (e) => moveClass(e.detail.classId, e.detail.by));
  el.addEventListener('delete-class', (e) => deleteClass(e.detail.classId));
  el.addEventListener('toggle-sample', (e) => toggleSample(e.detail.key));
  el.addEventListener('move-samples', (e) => relabel(e.detail.ids, e.detail.classId));
  el.addEventListener('delete-samples', (e) => deleteSamples([...state.samples.values()].filter((s) => e.detail.ids.includes(s.id))));
  el.addEventListener('camera-change', (e) => (e.detail.on ? preview.startLoop() : preview.stopLoop()));
  tray.addEventListener('dragover', (e) => e.preventDefault());
  tray.addEventListener('drop', (e) => {
    e.preventDefault();
    const key = e.dataTransfer.getData('application/x-snapclass-sample');
    if (key) relabel([state.samples.get(key)?.id].filter(Boolean), null);
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
    relabel(selectedSamples().map((s) => s.id), moveTo.value === 'none' ? null : Number(moveTo.value));
    moveTo.value = '';
  });
  deleteSelected.addEventListener('click', () => deleteSamples(selectedSamples()));
  clearSelection.addEventListener('click', () => selectOnly([]));
  title.addEventListener('change', async () => {
    const project = await run(() => api.renameProject(title.value.trim() || t('defaultProjectTitle')));
    if (project) state.project.title = project.title;
    if (ownerToken) rememberProject({ id: projectId, title: state.project.title, ownerToken });
    update();
  });
  copyLink.addEventListener('click', async () => {
    await navigator.clipboard?.writeText(linkBox.value).catch(() => linkBox.select());
    copyLink.textContent = t('copied');
  });

  // Drawing.
  function classById(id) {
    return state.classes.find((c) => c.id === id);
  }

  function samplesOf(classId) {
    return [...state.samples.values()].filter((s) => s.classId === classId);
  }

  function trainingSamples() {
    return [...state.samples.values()]
      .filter((s) => s.status === 'saved')
      .map((s) => {
        const pair = embedder?.get(s.sha256);
        const dim = backbone?.metadata.embedding_size;
        return {
          id: s.id,
          classId: s.classId,
          embedding: pair ? pair.subarray(0, dim) : null,
          mirrored: pair && pair.length >= 2 * dim ? pair.subarray(dim, 2 * dim) : undefined,
        };
      });
  }

  function trainingState() {
    return { classes: state.classes, samples: trainingSamples(), embedding: state.embedding, modelReady: Boolean(backbone) };
  }

  function drawStatus() {
    const parts = [];
    if (state.backend) parts.push(t('backendLabel', { backend: state.backend }));
    if (state.uploads.pending) parts.push(t(state.uploads.failing ? 'failedUploads' : 'pendingUploads', { count: state.uploads.pending }));
    else parts.push(t('allSaved'));
    const { done, total } = state.embedding;
    if (total && done < total) parts.push(t('embeddingProgress', { done, total }));
    status.textContent = parts.join(' · ');
    // For tests and curious teachers: what is still in flight, and what had to be computed here.
    Object.assign(document.body.dataset, {
      pendingUploads: String(state.uploads.pending),
      embeddingsReady: String(Boolean(embedder) && done === total),
      embeddingsComputed: String(state.embedding.computed ?? 0),
    });
  }

  function showNotice(text, action) {
    notice.replaceChildren(h('span', {}, text));
    if (action) notice.append(h('button', { type: 'button', onclick: () => { notice.replaceChildren(); action.action(); } }, action.label));
  }

  function update() {
    state.classes.sort((a, b) => a.position - b.position);
    if (document.activeElement !== title) title.value = state.project.title;
    title.disabled = !state.canWrite;
    addClass.disabled = !state.canWrite;
    for (const [id, card] of cards) {
      if (!classById(id)) {
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
        samples: samplesOf(cls.id),
        isRecording: state.recordingClassId === cls.id,
        canWrite: state.canWrite,
        isFirst: index === 0,
        isLast: index === state.classes.length - 1,
      });
    });
    const unlabelled = samplesOf(null);
    trayGrid.update(unlabelled);
    trayUpload.disabled = !state.canWrite;
    folderUpload.disabled = !state.canWrite;
    const selected = selectedSamples();
    toolbar.hidden = selected.length === 0 || !state.canWrite;
    selectedCount.textContent = t('selectedCount', { count: selected.length });
    moveTo.replaceChildren(
      h('option', { value: '' }, t('moveSelectedTo')),
      ...state.classes.map((c) => h('option', { value: String(c.id) }, c.name)),
      h('option', { value: 'none' }, t('unlabelled')),
    );
    drawStatus();
    trainer.update(trainingState());
    preview.update(previewState());
    models.update();
    finetune.update();
    learn.update(learnState());
  }

  // Loading, once every listener is in place.
  async function load() {
    try {
      await loadProject();
    } catch (error) {
      showNotice(error instanceof ApiError && error.status === 404 ? t('projectNotFound') : t('error', { reason: error.message }));
      return;
    }
    if (ownerToken) {
      rememberProject({ id: projectId, title: state.project.title, ownerToken });
      linkBox.value = editLink(projectId, ownerToken);
    } else {
      showNotice(t('readOnly'));
    }
    update();
    await startModel();
  }
  await load();
}

const root = document.querySelector('[data-mount="studio"]');
Studio(root, root.dataset.projectId);
