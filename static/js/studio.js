// The studio's controller: it makes the store, the view and the modules of studio/, and wires
// the view's events to their actions; it holds no rule and no state of its own.
//   capture and upload: studio/capture.js      model loading: studio/modelLoading.js
//   training: studio/training.js               saving and downloads: studio/saving.js
//   classes and labelling: studio/classes.js   fine-tuning: studio/finetune.js
//   phones: studio/phones.js                   prediction: studio/preview.js
//   opening the project: studio/projectLoading.js
//   drawing: studio/view.js (+ props.js), batched by studio/renderScheduler.js
// Every change of state is store.dispatch(action, detail), an action of studioState.js.
// TF.js first (tfImports.js): the modules below use the global `tf` it sets.
import { tf, tfScripts, wasmPath, webgpuUrl } from './tfImports.js';
import { createApi } from './api.js';
import { chooseBackend } from './backend.js';
import { loadBackbone, timeBackbone } from './backbone.js';
import { canvasToJpeg, grabSquare } from './camera.js';
import { downscaleForUpload } from './downscale.js';
import { filesFromDrop } from './drop.js';
import { computeOnPage, createEmbedder } from './embedder.js';
import { startWorkerPool, workerCount } from './offThread.js';
import { qrImage } from './classroomApi.js';
import { editLink, projectCredential, rememberProject } from './projects.js';
import { saveBlob } from './saveBlob.js';
import { loadServerModel } from './serverModel.js';
import { t } from './strings.js';
import { createCapture } from './studio/capture.js';
import { createClasses } from './studio/classes.js';
import { createDeviceCopy } from './studio/deviceCopy.js';
import { createFinetune } from './studio/finetune.js';
import { createModelLoading } from './studio/modelLoading.js';
import { createPhones } from './studio/phones.js';
import { createPreview } from './studio/preview.js';
import { createProjectLoading } from './studio/projectLoading.js';
import { createRenderScheduler } from './studio/renderScheduler.js';
import { createSaving } from './studio/saving.js';
import { createStore } from './studio/store.js';
import { createTraining } from './studio/training.js';
import { createUseInScratch } from './studio/useInScratch.js';
import { StudioView } from './studio/view.js';
import { draggedIds, initialState } from './studioState.js';
import { createUploader } from './uploader.js';
import { forgetPictures, keepPicture, pictureSaved, picturesWaiting } from './devicePictures.js';
import { keepProjectCopy, keepTrainedHead, projectCopy } from './deviceProjects.js';
import { keepForOffline } from './serviceWorker.js';
import { pictureDigest } from './digest.js';
import { vendorUrl } from './vendor.js';

const CAPTURE_SIZE = 224;

async function Studio(el, projectId) {
  // A teacher's token (from the classroom dashboard) reads the project and deletes pictures only.
  const { token, role } = projectCredential(projectId);
  const readOnly = role === 'teacher';
  const api = createApi(projectId, token);
  const arrived = []; // sha256s whose embeddings came since the last drawing
  const kept = (promise) => promise.catch((error) => console.warn(`Not kept on this device: ${error.message}`));
  const followCopy = createDeviceCopy({
    keepProject: (project) => kept(keepProjectCopy(projectId, project)),
    keepTrained: (trained) => kept(keepTrainedHead(projectId, trained)),
  });
  const store = createStore(initialState({ canWrite: Boolean(token) && !readOnly, canModerate: Boolean(token) }), {
    onChange: () => {
      followCopy(store.state);
      view.mark(store.state);
      renderer.schedule();
    },
  });
  const { dispatch } = store;
  const frameCanvas = document.createElement('canvas');
  const grab = (video, mirrored, canvas = frameCanvas) => grabSquare(video, CAPTURE_SIZE, { mirrored, canvas });

  const models = createModelLoading({
    store,
    api,
    lanes: workerCount(navigator.hardwareConcurrency),
    onEmbedded: (sha256) => {
      arrived.push(sha256);
      renderer.schedule();
    },
    deps: {
      tf,
      chooseBackend: (lib, options) => chooseBackend(lib, { ...options, wasmPath, webgpuUrl }),
      loadBackbone,
      timeBackbone,
      startWorkerPool,
      createEmbedder,
      computeOnPage,
      scripts: { base: location.href, tf: tfScripts[0], wasm: tfScripts[1], wasmPath },
      mark: (name, value) => {
        document.body.dataset[name] = value;
      },
      warn: (text) => console.warn(text),
      confirm: () => confirm(t('confirmSwitchBackbone')),
      reload: () => location.reload(),
    },
  });
  const finetune = createFinetune({ store, api, loadModel: loadServerModel, onSucceeded: () => saving.refreshVersions() });
  const view = StudioView(el, {
    readOnly,
    classify: createPreview({ store, models, finetune, grab, isVideo: (source) => source instanceof HTMLVideoElement }),
    loadPicture: (url) => api.downloadBlob(url),
    qrImage,
    umapUrl: vendorUrl('umap-js'),
  });
  const renderer = createRenderScheduler(() => {
    if (arrived.length) store.apply('embeddingsArrived', { sha256s: arrived.splice(0) });
    view.draw(store.state, { samples: training.samples(), backbone: models.backbone });
  });
  // The project is gone for this page: the pictures waiting on the device for it are deleted.
  const projectGone = () => {
    forgetPictures(projectId).catch(() => {});
    dispatch('noticeShown', { key: 'projectGone' });
  };
  const uploader = createUploader(api, {
    onChange: (uploads) => dispatch('uploadsChanged', uploads),
    onRejected: (error) => dispatch('noticeShown', { key: 'uploadRefused', params: { reason: error.message } }),
    onGone: projectGone,
  });
  const classes = createClasses({
    store,
    api,
    nameFor: (n) => t('defaultClassName', { n }),
    forgetUploads: (classId) => uploader.forgetClass(classId),
    stopRecording: () => capture.stopRecording(),
    forget: models.forget,
  });
  const capture = createCapture({
    store,
    uploader,
    device: { keep: (picture) => keepPicture({ ...picture, projectId }), saved: pictureSaved },
    camera: { ensure: () => view.camera.ensure(), grab: () => grab(view.camera.video, true, document.createElement('canvas')) },
    encode: canvasToJpeg,
    shrink: downscaleForUpload,
    readDrop: filesFromDrop,
    classFor: classes.classFor,
    prepare: models.prepare,
    digest: pictureDigest,
  });
  const training = createTraining({ store, models });
  const saving = createSaving({ store, api, models, saveFile: saveBlob, confirm: (number) => confirm(t('confirmDeleteVersion', { number })) });
  const phones = createPhones({ store, api, prepare: models.prepare });

  function selectOnly(ids) {
    dispatch('selectionSet', { ids });
    renderer.render();
    view.scrollToSelection();
  }

  // Events from the view and its components.
  const on = (name, handler) => el.addEventListener(name, (e) => handler(e.detail ?? {}));
  on('record-start', ({ classId }) => capture.startRecording(classId));
  on('record-stop', () => capture.stopRecording());
  on('snap', ({ classId }) => capture.snap(classId));
  on('upload-files', ({ files, classId }) => capture.uploadFiles(files, classId));
  on('upload-folders', ({ folders }) => capture.uploadFolders(folders));
  on('drop-files', ({ items, classId }) => capture.uploadDrop(items, classId));
  on('pair-phone', ({ classId }) => phones.pair(classId));
  on('unpair-phone', ({ classId }) => phones.unpair(classId));
  on('add-class', async () => {
    const cls = await classes.add();
    if (!cls) return;
    renderer.render();
    view.focusClass(cls.id);
  });
  on('rename-class', async ({ classId, name }) => (await classes.rename(classId, name)) || renderer.schedule());
  on('move-class', ({ classId, by }) => classes.move(classId, by));
  on('delete-class', ({ classId }) => classes.remove(classId));
  on('undo-delete', () => classes.undoDelete());
  on('drop-samples', ({ key, classId }) => classes.relabel(draggedIds(store.state, key), classId));
  on('move-samples', ({ ids, classId }) => classes.relabel(ids, classId));
  on('delete-samples', ({ ids }) => classes.deleteSamples(ids));
  on('toggle-sample', ({ key }) => dispatch('sampleToggled', { key }));
  on('show-samples', ({ ids }) => selectOnly(ids));
  on('camera-change', ({ on: cameraOn }) => (cameraOn ? view.preview.startLoop() : view.preview.stopLoop()));
  on('train', ({ settings }) => training.train(settings));
  on('stop-training', () => training.stop());
  on('choose-backbone', async ({ backboneId }) => (await models.chooseBackbone(backboneId)) || renderer.schedule());
  on('save-model', async () => {
    const saved = await saving.saveModel();
    if (saved) view.markSaved(saved.id);
  });
  on('publish-model', ({ id }) => saving.publish(id));
  on('delete-model', ({ id, number }) => saving.remove(id, number));
  const useInScratch = createUseInScratch({ store, saving, open: (url) => Boolean(window.open(url, '_blank')), origin: location.origin });
  on('use-in-scratch', ({ id }) => useInScratch(id));
  on('create-share', ({ modelId, follow, days }) => saving.share(modelId, follow, days));
  on('revoke-share', ({ token: shareToken }) => saving.revokeShare(shareToken));
  on('download-export', ({ entry }) => saving.downloadExport(entry));
  on('download-project', ({ format }) => saving.downloadProject(format));
  on('download-notebook', () => saving.downloadNotebook());
  on('quiz-finished', (score) => saving.reportQuiz(score));
  on('start-finetune', () => finetune.start());
  on('cancel-finetune', () => finetune.cancel());
  on('use-server-model', ({ use }) => finetune.useServerModel(use));
  on('notice-action', ({ event }) => {
    dispatch('noticeDismissed');
    el.dispatchEvent(new CustomEvent(event));
  });
  on('rename-project', async ({ title }) => {
    const project = await store.attempt(() => api.renameProject(title || t('defaultProjectTitle')));
    if (project) dispatch('projectRenamed', { title: project.title });
    else renderer.schedule(); // puts the old title back
    remember();
  });

  // This browser's list of its projects keeps owner and student links, never a teacher's.
  const keepsLinks = role === 'owner' || role === 'student';
  function remember() {
    if (token && keepsLinks) rememberProject({ id: projectId, title: store.state.project.title, ownerToken: token });
  }

  // Loading, once every listener is in place. Pictures are private: without the owner link
  // there is nothing to ask the server for.
  if (!token) {
    dispatch('noticeShown', { key: 'needOwnerLink' });
    view.close();
    return;
  }
  const loading = createProjectLoading({
    store,
    api,
    prepare: models.prepare,
    started: () => models.started,
    gone: () => forgetPictures(projectId).catch(() => {}),
    deviceCopy: () => projectCopy(projectId),
  });
  const moreSamples = await loading.open();
  if (moreSamples === false) {
    view.close();
    return;
  }
  // Pictures an earlier studio of this project left waiting on the device (reload, tab closed).
  if (!readOnly) capture.resume(await picturesWaiting(projectId).catch(() => []));
  remember();
  // Where a service worker runs, this page and the list of image models load offline from now on.
  keepForOffline(['/api/backbones']);
  if (keepsLinks) view.showEditLink(editLink(projectId, token));
  renderer.render();
  view.showLoading();
  // Opened from the device's copy, the page has no versions or jobs to ask the server for.
  if (!loading.offline) {
    saving.refreshVersions().then(saving.loadSavedHead);
    finetune.resume();
  }
  const listing = loading.listRest(moreSamples);
  await Promise.all([listing, models.start(listing)]);
}

const root = document.querySelector('[data-mount="studio"]');
Studio(root, root.dataset.projectId);
