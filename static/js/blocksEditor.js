// The block editor's page (/blocks/): mounts the editor bundle (window.GUI, from npm's
// @scratch/scratch-gui-standalone), registers Snapclass's blocks (scratchExtension.js) with its
// VM, and loads the Teachable Machine model named by the page's fragment (#model=<link>) or by
// a project opened from the computer (its stage comment, see scratchExtension.js). With
// #project=<id> (from the studio) it offers that project's pictures as costumes
// (blocksCostumes.js). The editor speaks Snapclass's language where it has it, and a new
// project is named after the model (blocksLanguage.js).
import { chooseBackend } from './backend.js';
import { cacheDefaultProject } from './blocksDefaultProject.js';
import { editorLocale, retitled } from './blocksLanguage.js';
import { h } from './dom.js';
import { EXTENSION_ID, MODEL_COMMENT_ID, SnapclassBlocks, modelComment, modelLinkIn } from './scratchExtension.js';
import { t } from './strings.js';
import { tf, wasmPath, webgpuUrl } from './tfImports.js';
import { loadTeachableMachine } from './tmModel.js';

const GUI = window.GUI;
const root = document.querySelector('[data-mount="blocks"]');
const { editorFiles, editorPackage, editorVersion } = root.dataset;

const status = h('span', { class: 'blocks-status', role: 'status' }, t('blocks.noModelHint'));
const pictures = h('span', { class: 'blocks-library' });
root.append(
  h(
    'header',
    { class: 'blocks-bar' },
    h('a', { class: 'brand', href: '/' }, t('appName')),
    h('span', {}, t('blocks.about')),
    status,
    pictures,
    h('span', { class: 'blocks-offline' }, t('blocks.offline')),
    h(
      'span',
      { class: 'blocks-source' },
      h('a', { href: `https://www.npmjs.com/package/${editorPackage}/v/${editorVersion}`, rel: 'noreferrer' }, t('blocks.source', { package: editorPackage, version: editorVersion })),
      ' · ',
      h('a', { href: '/blocks/editor-licence/LICENSE' }, t('blocks.licence')),
      ' · ',
      h('a', { href: '/static/js/scratchExtension.js' }, t('blocks.extensionSource')),
    ),
  ),
);
const editorEl = h('div', { class: 'blocks-editor' });
root.append(editorEl);
document.title = `${t('blocks.title')} · ${t('appName')}`;

const backendReady = chooseBackend(tf, { wasmPath, webgpuUrl });
const extension = { blocks: null, vm: null, link: null, store: null, pictures: undefined };
window.snapclassBlocks = extension; // for the browser tests and benchmarks

async function useModel(link) {
  if (!link || link === extension.link) return;
  extension.link = link;
  status.textContent = t('blocks.modelLoading');
  try {
    await backendReady;
    const model = await loadTeachableMachine(link);
    if (extension.link !== link) return; // another model was asked for meanwhile
    extension.blocks.setModel(model);
    keepTitle();
    status.textContent = t('blocks.modelLoaded', { name: model.name || model.folder, classes: model.labels.join(', ') });
    rememberInProject(link);
    await extension.vm.extensionManager.refreshBlocks();
  } catch (error) {
    status.textContent = t('blocks.modelFailed', { link, reason: error.message });
  }
}

// The link travels in the project as a comment on the stage, saved with the .sb3.
function rememberInProject(link) {
  const stage = extension.vm.runtime.getTargetForStage();
  if (!stage || modelLinkIn(stage.comments) === link) return;
  delete stage.comments[MODEL_COMMENT_ID];
  stage.createComment(MODEL_COMMENT_ID, null, modelComment(link), 20, 20, 320, 80, false);
  if (extension.vm.editingTarget === stage) extension.vm.emitWorkspaceUpdate();
}

function fromFragment(name) {
  return new URLSearchParams(location.hash.slice(1)).get(name);
}

// A project nobody named yet (the editor's default title, or before a model loads) takes the
// model's name; set once more whenever the editor puts its default back (File > New).
function keepTitle() {
  const { scratchGui, locales } = extension.store.getState();
  const editorDefaults = ['Scratch Project', locales.messages?.['gui.gui.defaultProjectTitle']].filter(Boolean);
  const title = retitled(scratchGui.projectTitle, { modelName: extension.blocks?.model?.name, untitled: t('blocks.untitled'), editorDefaults });
  if (title) extension.store.dispatch({ type: 'projectTitle/SET_PROJECT_TITLE', title });
}

// The project's pictures as costumes (loaded only when the editor was opened for a project);
// resolves to how many are offered, for the tests.
async function offerPictures(projectId, vm) {
  if (!projectId) return 0;
  try {
    const { CostumeLibrary } = await import('./blocksCostumes.js');
    return await CostumeLibrary(pictures, { projectId, vm });
  } catch (error) {
    pictures.textContent = t('blocks.picturesFailed', { reason: error.message });
    return 0;
  }
}

function supportedLocales() {
  return Object.keys(new GUI.EditorState({ locale: 'en', localesOnly: true }).store.getState().locales.messagesByLocale);
}

function startBlocks(vm) {
  const blocks = new SnapclassBlocks(vm.runtime);
  const service = vm.extensionManager._registerInternalExtension(blocks);
  vm.extensionManager._loadedExtensions.set(EXTENSION_ID, service);
  Object.assign(extension, { blocks, vm });
  // A project opened from the computer brings its own model; a new one keeps the page's.
  vm.runtime.on('PROJECT_LOADED', () => {
    const stored = modelLinkIn(vm.runtime.getTargetForStage()?.comments);
    if (stored) useModel(stored);
    else if (extension.link) rememberInProject(extension.link);
  });
  useModel(fromFragment('model'));
  extension.pictures = offerPictures(fromFragment('project'), vm);
}

window.addEventListener('hashchange', () => useModel(fromFragment('model')));

const storage = new GUI.ScratchStorage();
cacheDefaultProject(storage, t('blocks.spriteName'));
GUI.setAppElement(editorEl);
// The page's language (chosen as on every page: static/js/i18n) mapped to the editor's nearest.
const state = new GUI.EditorState({ locale: editorLocale(document.documentElement.lang || 'en', supportedLocales()) }, () => ({
  storage: {
    scratchStorage: storage,
    // Nothing is saved to a server: projects go to and come from the computer (File menu).
    saveProject: () => Promise.reject(new Error('projects are saved to the computer')),
    getLibraryAssetUrl: (assetId, dataFormat) => `${editorFiles}missing-library/${assetId}.${dataFormat}`,
  },
}));
extension.store = state.store;
state.store.subscribe(keepTitle);
GUI.createStandaloneRoot(state, editorEl).render({
  basePath: editorFiles,
  projectId: '0', // the starting project, cached above
  canEditTitle: true,
  canSave: false,
  onVmInit: startBlocks,
});
