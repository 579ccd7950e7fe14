// Saved models: save the trained head as a version, publish one, share it by link (following the
// published version or pinned to one, with an expiry), revoke links, download exports with their
// usage snippets, and download the whole project as a zip. The studio does the work: this panel
// sends events up ('save-model', 'publish-model', 'delete-model', 'use-in-scratch',
// 'create-share', 'revoke-share', 'download-export', 'download-project') and draws what update()
// gives it.
// Rows are kept by id and changed in place, so a button keeps keyboard focus through redraws.
import { emit, h } from '../dom.js';
import { validationAccuracy } from '../studioState.js';
import { formatDate, t } from '../strings.js';
import { ExportList } from './ExportList.js';

const EXPIRY_DAYS = [null, 1, 7, 30];

export function ModelPanel(el) {
  el.classList.add('model-panel');
  const saveButton = h('button', { type: 'button', class: 'primary save-model' }, t('saveModel'));
  const saveStatus = h('p', { class: 'hint save-status', role: 'status' });
  const list = h('ol', { class: 'model-versions' });
  const noVersions = h('li', { class: 'hint' }, t('noModelsYet'));
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
  const noLinks = h('li', { class: 'hint' }, t('noShareLinks'));
  const exportHeading = h('h3');
  const exportStatus = h('p', { class: 'hint export-status', role: 'status' });
  const exportsEl = h('div');
  const exportList = ExportList(exportsEl, { download: (entry) => emit(el, 'download-export', { entry }) });
  const exportBox = h('section', { class: 'exports' }, exportHeading, h('p', { class: 'hint' }, t('exportHint')), exportStatus, exportsEl);
  const archiveButton = h('button', { type: 'button', class: 'download-project', onclick: () => emit(el, 'download-project', { format: 'zip' }) }, t('downloadProject'));
  const teachableButton = h('button', { type: 'button', class: 'download-tm', onclick: () => emit(el, 'download-project', { format: 'tm' }) }, t('downloadTeachableProject'));
  const ownerOnly = h(
    'div',
    { class: 'owner-only' },
    shareBox,
    h('h3', {}, t('shareLinksTitle')),
    links,
    exportBox,
    h('h3', {}, t('projectFilesTitle')),
    h('p', { class: 'hint' }, t('projectFilesHint')),
    h('div', { class: 'row' }, archiveButton, teachableButton),
  );
  el.append(h('h2', {}, t('modelsTitle')), saveButton, saveStatus, list, ownerOnly);

  const versionRows = new Map(); // version id -> row
  const linkRows = new Map(); // share token -> row
  let props = { versions: [], shares: [], canWrite: false };
  let selectedId = null;
  let exportsShown = null;

  saveButton.addEventListener('click', () => emit(el, 'save-model'));
  createShare.addEventListener('click', () => {
    emit(el, 'create-share', { modelId: selectedId, follow: follow.checked, days: expiry.value ? Number(expiry.value) : undefined });
  });

  function versionRow(version) {
    const select = h('button', { type: 'button', class: 'quiet version-name', onclick: () => { selectedId = version.id; draw(); } });
    const accuracy = h('span', { class: 'hint' });
    const badge = h('span', { class: 'badge' }, t('publishedBadge'));
    const publish = h('button', { type: 'button', class: 'publish', title: t('publishHint'), onclick: () => emit(el, 'publish-model', { id: version.id }) }, t('publish'));
    const scratch = h('button', { type: 'button', class: 'use-in-scratch', onclick: () => emit(el, 'use-in-scratch', { id: version.id }) }, t('scratch.use'));
    const remove = h('button', { type: 'button', class: 'quiet danger', onclick: () => emit(el, 'delete-model', { id: version.id, number: version.number }) }, '✕');
    const item = h('li', { class: 'model-version', dataset: { modelId: version.id } }, select, accuracy, badge, h('span', { class: 'spacer' }), scratch, publish, remove);
    return {
      item,
      update(v) {
        Object.assign(item.dataset, { number: String(v.number), published: String(v.published) });
        select.textContent = t('versionLabel', { number: v.number });
        select.setAttribute('aria-pressed', String(v.id === selectedId));
        const value = validationAccuracy(v.metrics);
        accuracy.hidden = value == null;
        accuracy.textContent = value == null ? '' : t('versionAccuracy', { percent: value });
        badge.hidden = !v.published;
        publish.hidden = !props.canWrite || v.published;
        scratch.hidden = !props.canWrite;
        scratch.title = t('scratch.useHint', { number: v.number });
        remove.hidden = !props.canWrite;
        remove.setAttribute('aria-label', t('deleteVersion', { number: v.number }));
      },
    };
  }

  function linkRow(link) {
    const url = new URL(link.url, location.origin).href;
    const field = h('input', { class: 'share-url', readonly: true, value: url, 'aria-label': t('shareLinkLabel') });
    const copy = h('button', { type: 'button', class: 'copy' }, t('copy'));
    copy.addEventListener('click', async () => {
      await navigator.clipboard?.writeText(url).catch(() => field.select());
      copy.textContent = t('copied');
    });
    const revoke = h('button', { type: 'button', class: 'danger revoke', 'aria-label': t('revokeLink'), onclick: () => emit(el, 'revoke-share', { token: link.token }) }, t('revoke'));
    const about = h('p', { class: 'hint' });
    const item = h('li', { class: 'share-link', dataset: { token: link.token } }, h('div', { class: 'row' }, field, copy, revoke), about);
    return {
      item,
      update(l) {
        item.dataset.state = l.state;
        copy.hidden = revoke.hidden = l.state !== 'active';
        const what = l.follows_published
          ? l.shows ? t('shareFollows', { number: l.shows.number }) : t('shareFollowsNone')
          : t('sharePinned', { number: l.model?.number });
        const until = l.expires && l.state === 'active' ? t('shareExpires', { date: formatDate(l.expires) }) : null;
        about.textContent = `${what} · ${[t(`shareState.${l.state}`), until].filter(Boolean).join(' ')}`;
      },
    };
  }

  // Keeps one row per item, in order, reusing the rows it already has.
  function reconcile(container, rows, items, keyOf, make, empty) {
    const keys = new Set(items.map(keyOf));
    for (const [key, row] of rows) {
      if (!keys.has(key)) {
        row.item.remove();
        rows.delete(key);
      }
    }
    items.forEach((item, index) => {
      const key = keyOf(item);
      if (!rows.has(key)) rows.set(key, make(item));
      const row = rows.get(key);
      row.update(item);
      if (container.children[index] !== row.item) container.insertBefore(row.item, container.children[index] ?? null);
    });
    if (items.length) empty.remove();
    else if (!empty.isConnected) container.append(empty);
  }

  function draw() {
    const { versions, shares, canWrite, canSave, saving, saveMessage, exportMessage } = props;
    if (!versions.some((v) => v.id === selectedId)) selectedId = versions[0]?.id ?? null;
    saveButton.hidden = !canWrite;
    saveButton.disabled = !canSave || saving;
    saveStatus.textContent = saveMessage ? t(saveMessage.key, saveMessage.params) : canWrite && !canSave ? t('saveNeedsTraining') : '';
    exportStatus.textContent = exportMessage ? t(exportMessage.key, exportMessage.params) : '';
    reconcile(list, versionRows, versions, (v) => v.id, versionRow, noVersions);
    const selected = versions.find((v) => v.id === selectedId);
    ownerOnly.hidden = !canWrite;
    shareBox.hidden = exportBox.hidden = !selected;
    if (selected) {
      shareHeading.textContent = t('shareTitle', { number: selected.number });
      exportHeading.textContent = t('exportTitle', { number: selected.number });
      // Redrawn only for another version, so open snippets stay open while the studio updates.
      if (exportsShown !== selected.id) exportList.update({ exports: selected.exports });
      exportsShown = selected.id;
    }
    reconcile(links, linkRows, shares, (l) => l.token, linkRow, noLinks);
  }

  // props: {versions, shares, canWrite, canSave, saving, saveMessage, exportMessage}; the
  // messages are strings.js {key, params}.
  function update(next) {
    props = next;
    draw();
  }

  return { update, select: (id) => { selectedId = id; draw(); } };
}
