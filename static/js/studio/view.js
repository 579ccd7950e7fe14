// The studio's page: its layout (drawn once, mounting the components) and draw(state), which
// hands every part its props (props.js). Like the components, the page's own controls (title,
// tray, selection toolbar, notice) send verb-named events up and never call the API.
import { CameraPanel } from '../components/CameraPanel.js';
import { ClassCard } from '../components/ClassCard.js';
import { FinetunePanel } from '../components/FinetunePanel.js';
import { LearnPanel } from '../components/LearnPanel.js';
import { ModelPanel } from '../components/ModelPanel.js';
import { PreviewPanel } from '../components/PreviewPanel.js';
import { SampleGrid } from '../components/SampleGrid.js';
import { TrainPanel } from '../components/TrainPanel.js';
import { emit, h } from '../dom.js';
import { filesFromFolderPicker } from '../drop.js';
import { classById, pairingOf, samplesOf, selectedSamples } from '../studioState.js';
import { t } from '../strings.js';
import { finetunePanelProps, learnProps, modelPanelProps, moveOptions, pageMarks, previewProps, statusParts, trainPanelProps } from './props.js';

// readOnly: a teacher's view; classify: the preview's prediction (preview.js); loadPicture(url):
// a picture of the project as a Blob (the lesson's); qrImage(url, alt): a QR code's <img> (the
// phone pairing's); umapUrl: umap-js's browser bundle.
export function StudioView(el, { readOnly, classify, loadPicture, qrImage, umapUrl }) {
  const heading = h('h1', { class: 'visually-hidden' });
  const title = h('input', { class: 'project-title', 'aria-label': t('newProjectLabel'), maxlength: '120' });
  const status = h('p', { class: 'status-line', role: 'status' });
  const readOnlyNote = h('p', { class: 'read-only-note', hidden: !readOnly }, t('teacherView'));
  const notice = h('div', { class: 'notice', role: 'alert' });
  const linkBox = h('input', { class: 'edit-link', readonly: true, 'aria-label': t('editLink') });
  const copyLink = h('button', { type: 'button' }, t('copy'));
  const cameraEl = h('section');
  const cardsEl = h('div', { class: 'class-cards' });
  const addClass = h('button', { type: 'button', class: 'add-class', onclick: () => emit(el, 'add-class') }, `+ ${t('addClass')}`);
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
  const clearSelection = h('button', { type: 'button', class: 'quiet', onclick: () => emit(el, 'show-samples', { ids: [] }) }, t('clearSelection'));
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

  const camera = CameraPanel(cameraEl);
  const trayGrid = SampleGrid(trayGridEl, { onToggle: (key) => emit(el, 'toggle-sample', { key }) });
  const cards = new Map(); // class id -> {el, component}
  const trainPanel = TrainPanel(trainEl);
  const modelPanel = ModelPanel(modelEl);
  const finetunePanel = FinetunePanel(finetuneEl);
  const preview = PreviewPanel(previewEl, { classify, camera });
  const learn = LearnPanel(learnEl, { loadPicture, umapUrl });
  let current = null; // the state drawn last

  // The page's own controls, as events like the components'.
  tray.addEventListener('dragover', (e) => e.preventDefault());
  tray.addEventListener('drop', (e) => {
    e.preventDefault();
    const key = e.dataTransfer.getData('application/x-snapclass-sample');
    if (key) emit(el, 'drop-samples', { key, classId: null });
    else emit(el, 'drop-files', { items: e.dataTransfer.items, classId: null });
  });
  trayFiles.addEventListener('change', () => {
    emit(el, 'upload-files', { files: [...trayFiles.files], classId: null });
    trayFiles.value = '';
  });
  folderFiles.addEventListener('change', () => {
    emit(el, 'upload-folders', { folders: filesFromFolderPicker([...folderFiles.files]) });
    folderFiles.value = '';
  });
  moveTo.addEventListener('change', () => {
    if (moveTo.value === '') return;
    const ids = selectedSamples(current).map((s) => s.id);
    const target = current.classes.find((c) => String(c.id) === moveTo.value);
    emit(el, 'move-samples', { ids, classId: target ? target.id : null });
    moveTo.value = '';
  });
  deleteSelected.addEventListener('click', () => emit(el, 'delete-samples', { ids: selectedSamples(current).map((s) => s.id) }));
  title.addEventListener('change', () => emit(el, 'rename-project', { title: title.value.trim() }));
  copyLink.addEventListener('click', async () => {
    await navigator.clipboard?.writeText(linkBox.value).catch(() => linkBox.select());
    copyLink.textContent = t('copied');
  });

  let shownNotice = null;
  function drawNotice(state) {
    if (state.notice === shownNotice) return;
    shownNotice = state.notice;
    if (!shownNotice) {
      notice.replaceChildren();
      return;
    }
    const { key, params, action } = shownNotice;
    notice.replaceChildren(h('span', {}, t(key, params)));
    if (action) notice.append(h('button', { type: 'button', onclick: () => emit(notice, 'notice-action', { event: action.event }) }, t(action.label)));
  }

  function drawCards(state) {
    for (const [id, card] of cards) {
      if (!classById(state, id)) {
        card.el.remove();
        cards.delete(id);
      }
    }
    state.classes.forEach((cls, index) => {
      if (!cards.has(cls.id)) {
        const cardEl = h('article');
        cards.set(cls.id, { el: cardEl, component: ClassCard(cardEl, cls, { qrImage }) });
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

  function drawSelection(state) {
    const selected = selectedSamples(state);
    toolbar.hidden = selected.length === 0 || !state.canModerate;
    selectedCount.textContent = t('selectedCount', { count: selected.length });
    const options = moveOptions(state).map(([value, label, translated]) => [String(value), translated ? t(label) : label]);
    if (moveTo.options.length !== options.length || options.some(([value, label], i) => moveTo.options[i].value !== value || moveTo.options[i].text !== label)) {
      moveTo.replaceChildren(...options.map(([value, label]) => h('option', { value }, label)));
    }
  }

  // The page's marks change with every action, not at the next drawing: whoever waits for
  // "nothing pending" never reads an old value.
  function mark(state) {
    Object.assign(document.body.dataset, pageMarks(state));
  }

  // samples: the project's pictures as training sees them; backbone: the loaded one, or null.
  function draw(state, { samples, backbone }) {
    current = state;
    drawNotice(state);
    mark(state);
    if (!state.project) return;
    const { canWrite } = state;
    heading.textContent = state.project.title;
    if (document.activeElement !== title) title.value = state.project.title;
    title.readOnly = !canWrite;
    addClass.hidden = trayTools.hidden = moveTo.hidden = trainEl.hidden = !canWrite;
    finetuneEl.hidden = !canWrite && !state.job;
    drawCards(state);
    const unlabelled = samplesOf(state, null);
    trayGrid.update(unlabelled);
    tray.hidden = !canWrite && unlabelled.length === 0;
    drawSelection(state);
    status.textContent = statusParts(state).map((part) => t(part.key, part.params)).join(' · ');
    trainPanel.update(trainPanelProps(state, samples));
    modelPanel.update(modelPanelProps(state, backbone));
    finetunePanel.update(finetunePanelProps(state));
    preview.update(previewProps(state, backbone));
    learn.update(learnProps(state, samples, backbone));
  }

  return {
    draw,
    mark,
    camera,
    preview,
    // A project that cannot be opened shows only why: no empty panels, no buttons that do nothing.
    close() {
      for (const child of el.children) child.hidden = child !== notice;
    },
    showLoading: () => {
      status.textContent = t('loadingModel');
    },
    showEditLink(link) {
      linkBox.value = link;
    },
    focusClass: (classId) => cards.get(classId)?.el.querySelector('.class-name').focus(),
    markSaved: (versionId) => {
      modelEl.dataset.savedModel = versionId;
      modelPanel.select(versionId);
    },
    scrollToSelection: () => el.querySelector('.thumb[aria-pressed="true"]')?.scrollIntoView({ block: 'nearest' }),
  };
}
