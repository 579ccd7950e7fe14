// The export formats of one model version: a download per format and its usage snippet.
// Snippets hold class names, so they go in as text (textContent), like everything else.
import { h } from '../dom.js';
import { t } from '../strings.js';

// A format's name in the page's language (the server's English where the catalogue has none).
const title = (entry) => (t.has(`exportFormat.${entry.format}`) ? t(`exportFormat.${entry.format}`) : entry.title);

// download(item): fetch it with the owner token (studio); without it, a plain link (share page).
export function ExportList(el, { download = null } = {}) {
  el.classList.add('export-list');
  const list = h('ul', { class: 'export-formats' });
  el.append(list);

  function item(entry) {
    const action = download
      ? h('button', { type: 'button', class: 'download', onclick: () => download(entry), 'aria-label': t('downloadFormat', { title: title(entry) }) }, t('download'))
      : h('a', { class: 'download', href: entry.url, download: entry.filename, 'aria-label': t('downloadFormat', { title: title(entry) }) }, t('download'));
    return h(
      'li',
      { class: 'export-format', dataset: { format: entry.format } },
      h('div', { class: 'row' }, h('span', { class: 'export-title' }, title(entry)), h('span', { class: 'spacer' }), action),
      h('details', { class: 'snippet' }, h('summary', {}, t('usage')), h('pre', {}, h('code', {}, entry.snippet))),
    );
  }

  function update({ exports }) {
    list.replaceChildren(...exports.map(item));
  }

  return { update };
}
