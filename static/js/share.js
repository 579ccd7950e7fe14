// The share page /s/<token>: anyone with the link runs the shared model on their webcam (front or
// back camera) or on a picture. For them it reads only the link's model.json and the backbone,
// never an owner token or a training picture. Only in the browser of the model's owner (the one
// that remembers the project's owner token) does it add "How it works" (shareLesson.js, loaded
// then and only then), which reads the project with that token.
import { chooseBackend } from './backend.js';
import { loadBackbone } from './backbone.js';
import { grabSquare } from './camera.js';
import { CameraPanel } from './components/CameraPanel.js';
import { ExportList } from './components/ExportList.js';
import { PreviewPanel } from './components/PreviewPanel.js';
import { TeachableLink } from './components/TeachableLink.js';
import { h } from './dom.js';
import { rememberedProjects } from './projects.js';
import { keepForOffline, refreshOfflineCopy } from './serviceWorker.js';
import { loadServerModel } from './serverModel.js';
import { t } from './strings.js';
import { deserializeHead, predict } from './head.js';
import { blocksEditorUrl, shareTeachableMachineLink } from './tmModel.js';

function showMessage(el, titleKey, textKey) {
  document.title = `${t(titleKey)} · ${t('appName')}`;
  el.replaceChildren(h('div', { class: 'share-message' }, h('h1', {}, t(titleKey)), h('p', {}, t(textKey))));
}

async function SharePage(el, state) {
  if (state === 'pending') {
    showMessage(el, 'sharePendingTitle', 'sharePendingText');
    return;
  }
  if (state !== 'live') {
    // A link withdrawn or expired since this browser kept it: its model's copy goes too.
    refreshOfflineCopy([`${location.pathname}/model.json`]);
    showMessage(el, state === 'withdrawn' ? 'shareWithdrawnTitle' : 'shareMissingTitle', state === 'withdrawn' ? 'shareWithdrawnText' : 'shareMissingText');
    return;
  }
  // TF.js's backend starts while the link's model.json arrives (both preloaded by the page's
  // <head>). The model.json is served no-cache with an ETag, so the browser checks it each time.
  const { tf, wasmPath, webgpuUrl } = await import('./tfImports.js');
  const backendReady = chooseBackend(tf, { wasmPath, webgpuUrl });
  backendReady.catch(() => {}); // reported below, once there is a status line to say it in
  const response = await fetch(`${location.pathname}/model.json`);
  if (response.status === 410) return showMessage(el, 'shareWithdrawnTitle', 'shareWithdrawnText');
  if (!response.ok) return showMessage(el, 'shareMissingTitle', 'shareNothingPublished');
  const shared = await response.json();
  // Opened once, the link works offline: its page and the files its <head> preloads (the model).
  keepForOffline([...document.querySelectorAll('link[rel=preload][as=fetch]')].map((link) => link.getAttribute('href')));
  document.title = `${shared.name} · ${t('appName')}`;

  const status = h('p', { class: 'status-line', role: 'status' }, t('loadingModel'));
  const cameraEl = h('section');
  const previewEl = h('section');
  const exportsEl = h('section', { class: 'share-exports' });
  el.append(
    h(
      'header',
      { class: 'share-head' },
      h('h1', { class: 'shared-name' }, shared.name),
      h('p', { class: 'hint' }, t('sharedVersion', { number: shared.model.number })),
      h('p', {}, t('sharedClasses')),
      h('ul', { class: 'shared-classes' }, ...shared.labels.map((name) => h('li', {}, name))),
      h('p', { class: 'hint' }, t('sharedIntro')),
      // The block editor with this model's Teachable Machine link loaded (static/js/blocksEditor.js).
      h('p', {}, h('a', { class: 'use-in-scratch', href: blocksEditorUrl(shareTeachableMachineLink(location.href)) }, t('useInScratch'))),
      status,
    ),
    h('div', { class: 'share-body' }, cameraEl, previewEl),
    exportsEl,
  );
  TeachableLink(el.insertBefore(h('section'), exportsEl), { url: shared.teachable_machine.url, p5Snippet: shared.teachable_machine.p5_snippet });
  exportsEl.append(h('h2', {}, t('sharedDownloads')), h('p', { class: 'hint' }, t('exportHint')));
  ExportList(exportsEl).update({ exports: shared.exports });

  const frameCanvas = document.createElement('canvas');
  const camera = CameraPanel(cameraEl, { switchable: true });
  let run = null; // picture -> probabilities, once the model is loaded
  let size = 224; // camera frames are grabbed at the backbone's input size
  const preview = PreviewPanel(previewEl, {
    camera,
    classify: async (source, { mirrored }) => {
      if (!run) return null;
      const input = source instanceof HTMLVideoElement ? grabSquare(source, size, { mirrored, canvas: frameCanvas }) : source;
      return run(input);
    },
  });
  el.addEventListener('camera-change', (e) => (e.detail.on ? preview.startLoop() : preview.stopLoop()));

  let backbone = null; // for a quick model: the backbone its head runs on
  try {
    const { backend } = await backendReady;
    if (shared.graph_model_url) {
      const model = await loadServerModel(shared.graph_model_url);
      run = (input) => model.predict(input);
    } else {
      backbone = await loadBackbone(shared.backbone.url);
      size = backbone.metadata.input_size;
      await backbone.warmUp(1); // the page embeds one picture at a time
      const head = deserializeHead(shared.head);
      run = async (input) => Array.from(predict(head, await backbone.embed(input)));
    }
    status.textContent = t('backendLabel', { backend });
    document.body.dataset.backend = backend;
    preview.update({ labels: shared.labels, ready: true });
    // Its own failures are its own: the model above works whatever happens to it.
    if (backbone) offerLessonToOwner(el, exportsEl, shared, backbone).catch((error) => console.warn(`How it works: ${error.message}`));
  } catch (error) {
    status.textContent = t('modelFailed', { reason: error.message });
  }
}

// A quick model (a head on the backbone) shown in its owner's browser gets "How it works".
async function offerLessonToOwner(el, before, shared, backbone) {
  if (!rememberedProjects().some((p) => p.ownerToken)) return;
  const { ShareLesson, ownersApi } = await import('./shareLesson.js');
  const api = await ownersApi(location.pathname.split('/')[2]);
  if (!api) return;
  const section = h('section');
  el.insertBefore(section, before);
  ShareLesson(section, { api, shared, backbone });
}

const root = document.querySelector('[data-mount="share"]');
SharePage(root, root.dataset.state);
