// One class: its name (renamed in place), sample count, thumbnails and capture buttons.
// Holding the record button, or holding Space while the card has focus, records frames.
// Read-only (a teacher's view), the card shows the name and pictures only.
import { emit, h } from '../dom.js';
import { t } from '../strings.js';
import { PhonePairing } from './PhonePairing.js';
import { SampleGrid } from './SampleGrid.js';

// qrImage: the page's QR codes, for the phone pairing (PhonePairing.js).
export function ClassCard(el, cls, { qrImage }) {
  el.classList.add('class-card');
  el.tabIndex = 0;
  el.dataset.classId = cls.id;
  const name = h('input', { class: 'class-name', value: cls.name, maxlength: '80', spellcheck: false });
  const count = h('span', { class: 'sample-count' });
  const record = h('button', { type: 'button', class: 'record' }, t('holdToRecord'));
  const snap = h('button', { type: 'button' }, t('snapOne'));
  const files = h('input', { type: 'file', accept: 'image/*', multiple: true, hidden: true });
  const upload = h('button', { type: 'button' }, t('uploadImages'));
  const up = h('button', { type: 'button', class: 'quiet' }, '↑');
  const down = h('button', { type: 'button', class: 'quiet' }, '↓');
  const remove = h('button', { type: 'button', class: 'quiet danger' }, '✕');
  const gridEl = h('div');
  const grid = SampleGrid(gridEl, { onToggle: (key) => emit(el, 'toggle-sample', { key }) });

  const captureButtons = h('div', { class: 'capture-buttons' }, record, snap, upload, files);
  el.append(h('div', { class: 'class-card-head' }, name, count, h('span', { class: 'spacer' }), up, down, remove), captureButtons, gridEl);
  // In the head row, so the card keeps its height until a phone is paired.
  const phone = PhonePairing(el.querySelector('.class-card-head'), el, { qrImage });

  const classId = () => el.dataset.classId;
  let recording = false;
  const startRecording = () => {
    if (!recording) {
      recording = true;
      emit(el, 'record-start', { classId: classId() });
    }
  };
  const stopRecording = () => {
    if (recording) {
      recording = false;
      emit(el, 'record-stop', { classId: classId() });
    }
  };

  name.addEventListener('change', () => emit(el, 'rename-class', { classId: classId(), name: name.value.trim() }));
  name.addEventListener('keydown', (event) => event.key === 'Enter' && name.blur());
  record.addEventListener('pointerdown', (event) => {
    record.setPointerCapture?.(event.pointerId);
    startRecording();
  });
  for (const type of ['pointerup', 'pointercancel', 'lostpointercapture']) record.addEventListener(type, stopRecording);
  record.addEventListener('click', (event) => event.preventDefault());
  el.addEventListener('keydown', (event) => {
    const onRecordKey = event.target === el || event.target === record;
    if (onRecordKey && (event.key === ' ' || (event.target === record && event.key === 'Enter'))) {
      event.preventDefault();
      if (!event.repeat) startRecording();
    }
  });
  el.addEventListener('keyup', (event) => {
    if (event.key === ' ' || event.key === 'Enter') stopRecording();
  });
  el.addEventListener('blur', stopRecording, true);
  snap.addEventListener('click', () => emit(el, 'snap', { classId: classId() }));
  upload.addEventListener('click', () => files.click());
  files.addEventListener('change', () => {
    emit(el, 'upload-files', { classId: classId(), files: [...files.files] });
    files.value = '';
  });
  up.addEventListener('click', () => emit(el, 'move-class', { classId: classId(), by: -1 }));
  down.addEventListener('click', () => emit(el, 'move-class', { classId: classId(), by: 1 }));
  remove.addEventListener('click', () => emit(el, 'delete-class', { classId: classId() }));
  el.addEventListener('dragover', (event) => {
    event.preventDefault();
    el.classList.add('drop-target');
  });
  el.addEventListener('dragleave', () => el.classList.remove('drop-target'));
  el.addEventListener('drop', (event) => {
    event.preventDefault();
    event.stopPropagation();
    el.classList.remove('drop-target');
    const key = event.dataTransfer.getData('application/x-snapclass-sample');
    if (key) emit(el, 'drop-samples', { classId: classId(), key });
    else emit(el, 'drop-files', { classId: classId(), items: event.dataTransfer.items });
  });

  function update({ cls: next, samples, isRecording, canWrite, isFirst, isLast, pairing }) {
    if (document.activeElement !== name) name.value = next.name;
    name.setAttribute('aria-label', t('renameClass', { name: next.name }));
    record.setAttribute('aria-label', `${t('holdToRecord')}: ${next.name}`);
    snap.setAttribute('aria-label', `${t('snapOne')}: ${next.name}`);
    upload.setAttribute('aria-label', `${t('uploadImages')}: ${next.name}`);
    up.setAttribute('aria-label', t('moveUp', { name: next.name }));
    down.setAttribute('aria-label', t('moveDown', { name: next.name }));
    remove.setAttribute('aria-label', t('deleteClass', { name: next.name }));
    count.textContent = t('sampleCount', { count: samples.length });
    record.textContent = isRecording ? t('recording') : t('holdToRecord');
    record.classList.toggle('active', isRecording);
    name.readOnly = !canWrite;
    captureButtons.hidden = up.hidden = down.hidden = remove.hidden = !canWrite;
    el.tabIndex = canWrite ? 0 : -1;
    up.disabled = isFirst;
    down.disabled = isLast;
    phone.update({ pairing, canWrite });
    grid.update(samples);
  }

  return { update };
}
