// Saved models: save the trained head as a version, publish one, share it by link (following the
// published version or pinned to one, with an expiry), revoke links, download exports with their
// usage snippets, and download the whole project as a zip.
import { h } from '../dom.js';
import { t } from '../strings.js';
import { serializeHead } from '../trainer.js';
import { ExportList } from './ExportList.js';

const EXPIRY_DAYS = [null, 1, 7, 30];

// getTrained() -> {head, names, labels: [{id}], metrics, settings, backboneId} or null.
export function ModelPanel(el, { api, canWrite, getTrained }) {
  el.classList.add('model-panel');
  const saveButton = h('button', { type: 'button', class: 'primary save-model' }, t('saveModel'));
  const saveStatus = h('p', { class: 'hint save-status', role: 'status' });
  const list = h('ol', { class: 'model-versions' });
  const follow = h('input', { type: 'radio', name: 'share-mode', value: 'follow', id: 'share-follow', checked: true });
  const pin = h('input', { type: 'radio', name: 'share-mode', value: 'pin', id: 'share-pin' });
  const expiry = h(
    'select',
    { id: 'share-expiry' },
    ...EXPIRY_DAYS.map((days) => h('option', { value: days ? String(days) : '' }, days ? t('expiryDays', { days }) : t('expiryNever'))),
  );
  const createShare = h('button', { type: 'button', class: 'create-share' }, t('createShare'));
  const shareHeading = h('h3');
  const shareBox = h(
    'fieldset',
    { class: 'share-create' },
    h('legend', {}, shareHeading),
    h('label', { class: 'choice' }, follow, t('shareFollow')),
    h('label', { class: 'choice' }, pin, t('sharePin')),
    h('label', { for: 'share-expiry' }, t('shareExpiry'), ' ', expiry),
    createShare,
  );
  const links = h('ul', { class: 'share-links' });
  const exportHeading = h('h3');
  const exportStatus = h('p', { class: 'hint export-status', role: 'status' });
  const exportsEl = h('div');
  const exportList = ExportList(exportsEl, { download });
  const exportBox = h('section', { class: 'exports' }, exportHeading, h('p', { class: 'hint' }, t('exportHint')), exportStatus, exportsEl);
  const archiveButton = h('button', { type: 'button', class: 'download-project' }, t('downloadProject'));
  const ownerOnly = h(
    'div',
    { class: 'owner-only' },
    shareBox,
    h('h3', {}, t('shareLinksTitle')),
    links,
    exportBox,
    h('h3', {}, t('projectFilesTitle')),
    h('p', { class: 'hint' }, t('projectFilesHint')),
    archiveButton,
  );
  el.append(h('h2', {}, t('modelsTitle')), saveButton, saveStatus, list, ownerOnly);

  let versions = [];
  let shares = [];
  let selectedId = null;
  let exportsShown = null;
  let busy = false;

  async function run(action, statusEl = saveStatus) {
    try {
      return await action();
    } catch (error) {
      statusEl.textContent = t('error', { reason: error.message });
      return null;
    }
  }

  async function refresh() {
    versions = (await run(() => api.listModels()))?.models ?? versions;
    if (canWrite) shares = (await run(() => api.listShares()))?.shares ?? shares;
    if (!versions.some((v) => v.id === selectedId)) selectedId = versions[0]?.id ?? null;
    draw();
  }

  async function save() {
    const trained = getTrained();
    if (!trained || busy) return;
    busy = true;
    draw();
    saveStatus.textContent = t('savingModel');
    const saved = await run(() =>
      api.saveModel({
        head: serializeHead(trained.head),
        labels: trained.labels.map((label, i) => ({ class_id: label.id, name: trained.names[i] })),
        backbone_id: trained.backboneId,
        settings: trained.settings ?? {},
        metrics: trained.metrics ?? {},
      }),
    );
    busy = false;
    if (saved) {
      saveStatus.textContent = t('modelSaved', { number: saved.number });
      selectedId = saved.id;
      el.dataset.savedModel = saved.id;
    }
    await refresh();
  }

  async function publish(version) {
    if (await run(() => api.publishModel(version.id))) await refresh();
  }

  async function remove(version) {
    if (!confirm(t('confirmDeleteVersion', { number: version.number }))) return;
    await run(() => api.deleteModel(version.id));
    await refresh();
  }

  async function share() {
    const days = expiry.value ? Number(expiry.value) : undefined;
    const link = await run(() => api.createShare(selectedId, { follow_published: follow.checked, expires_in_days: days }));
    if (link) await refresh();
  }

  async function revoke(link) {
    await run(() => api.revokeShare(link.token));
    await refresh();
  }

  async function download(entry) {
    exportStatus.textContent = t('preparingExport', { name: entry.filename });
    const blob = await run(() => api.downloadBlob(entry.url), exportStatus);
    if (!blob) return;
    saveBlob(blob, entry.filename);
    exportStatus.textContent = t('exportReady', { name: entry.filename });
  }

  async function downloadProject() {
    const blob = await run(() => api.downloadBlob(api.archiveUrl()));
    if (blob) saveBlob(blob, 'project.zip');
  }

  function versionItem(version) {
    const accuracy = version.metrics?.valAccuracy;
    const select = h(
      'button',
      { type: 'button', class: 'quiet version-name', 'aria-pressed': String(version.id === selectedId), onclick: () => { selectedId = version.id; draw(); } },
      t('versionLabel', { number: version.number }),
    );
    return h(
      'li',
      { class: 'model-version', dataset: { modelId: version.id, number: String(version.number), published: String(version.published) } },
      select,
      accuracy == null ? null : h('span', { class: 'hint' }, t('versionAccuracy', { percent: Math.round(accuracy * 100) })),
      version.published ? h('span', { class: 'badge' }, t('publishedBadge')) : null,
      h('span', { class: 'spacer' }),
      canWrite && !version.published ? h('button', { type: 'button', class: 'publish', title: t('publishHint'), onclick: () => publish(version) }, t('publish')) : null,
      canWrite ? h('button', { type: 'button', class: 'quiet danger', 'aria-label': t('deleteVersion', { number: version.number }), onclick: () => remove(version) }, '✕') : null,
    );
  }

  function linkItem(link) {
    const url = new URL(link.url, location.origin).href;
    const field = h('input', { class: 'share-url', readonly: true, value: url, 'aria-label': t('shareLinkLabel') });
    const copy = h('button', { type: 'button', class: 'copy' }, t('copy'));
    copy.addEventListener('click', async () => {
      await navigator.clipboard?.writeText(url).catch(() => field.select());
      copy.textContent = t('copied');
    });
    const what = link.follows_published
      ? link.shows ? t('shareFollows', { number: link.shows.number }) : t('shareFollowsNone')
      : t('sharePinned', { number: link.model?.number });
    const state = [t(`shareState.${link.state}`), link.expires && link.state === 'active' ? t('shareExpires', { date: new Date(link.expires).toLocaleDateString() }) : null].filter(Boolean).join(' ');
    return h(
      'li',
      { class: 'share-link', dataset: { state: link.state, token: link.token } },
      h('div', { class: 'row' }, field, link.state === 'active' ? copy : null, link.state === 'active' ? h('button', { type: 'button', class: 'danger revoke', 'aria-label': t('revokeLink'), onclick: () => revoke(link) }, t('revoke')) : null),
      h('p', { class: 'hint' }, `${what} · ${state}`),
    );
  }

  function draw() {
    const trained = getTrained();
    saveButton.hidden = !canWrite;
    saveButton.disabled = !trained || busy;
    if (!trained && canWrite && !saveStatus.textContent) saveStatus.textContent = t('saveNeedsTraining');
    if (trained && saveStatus.textContent === t('saveNeedsTraining')) saveStatus.textContent = '';
    list.replaceChildren(...versions.map(versionItem));
    if (!versions.length) list.append(h('li', { class: 'hint' }, t('noModelsYet')));
    const selected = versions.find((v) => v.id === selectedId);
    ownerOnly.hidden = !canWrite;
    shareBox.hidden = exportBox.hidden = !selected;
    if (selected) {
      shareHeading.textContent = t('shareTitle', { number: selected.number });
      exportHeading.textContent = t('exportTitle', { number: selected.number });
      // Redrawn only for another version, so open snippets stay open while the studio updates.
      if (exportsShown !== selected) exportList.update({ exports: selected.exports });
      exportsShown = selected;
    }
    links.replaceChildren(...shares.map(linkItem));
    if (!shares.length) links.append(h('li', { class: 'hint' }, t('noShareLinks')));
  }

  saveButton.addEventListener('click', save);
  createShare.addEventListener('click', share);
  archiveButton.addEventListener('click', downloadProject);

  // The studio calls refresh() once the project is open, and update() when training ends or
  // the classes change.
  return { update: draw, refresh };
}

function saveBlob(blob, filename) {
  const url = URL.createObjectURL(blob);
  const link = h('a', { href: url, download: filename, hidden: true });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
