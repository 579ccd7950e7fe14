// The moderation view: every picture of the class, newest first, a page at a time, each with
// its student and class and a button that deletes it. Opening the panel sends 'open-pictures'
// ({page}), closing it 'close-pictures', a delete 'delete-picture'; draw(pictures) shows the
// state's page (classroomState.js `pictures`, null while closed).
import { h } from '../dom.js';
import { t } from '../strings.js';

export function ModerationPanel(send) {
  const body = h('div', { class: 'moderation-body' });
  const details = h('details', { class: 'moderation' }, h('summary', {}, h('h2', {}, t('moderationTitle'))), h('p', { class: 'hint' }, t('moderationHint')), body);
  details.addEventListener('toggle', () => send(details.open ? 'open-pictures' : 'close-pictures', { page: 1 }));
  let shown = null;

  function figure(picture) {
    const label = t('deletePictureOf', { nickname: picture.nickname });
    return h(
      'li',
      { class: 'moderated-picture', dataset: { sampleId: picture.id } },
      h('img', { src: picture.image_url, alt: '', width: '120', height: '120', loading: 'lazy', decoding: 'async' }),
      h('p', { class: 'caption' }, picture.class_name ? t('pictureBy', { nickname: picture.nickname, name: picture.class_name }) : picture.nickname),
      h('button', { type: 'button', class: 'quiet', 'aria-label': label, onclick: () => send('delete-picture', { projectId: picture.project_id, sampleId: picture.id, nickname: picture.nickname }) }, t('deleteShort')),
    );
  }

  function draw(pictures) {
    if (pictures === shown) return;
    shown = pictures;
    if (!pictures) {
      body.replaceChildren();
      return;
    }
    const { page, perPage, total } = pictures;
    const pages = Math.max(1, Math.ceil(total / perPage));
    const go = (to) => send('open-pictures', { page: to });
    body.replaceChildren(
      total ? h('ul', { class: 'picture-grid' }, ...pictures.pictures.map(figure)) : h('p', { class: 'empty' }, t('noPicturesYet')),
      h(
        'nav',
        { class: 'row pager', 'aria-label': t('moderationPages') },
        h('button', { type: 'button', disabled: page <= 1, onclick: () => go(page - 1) }, t('newerPictures')),
        h('span', { role: 'status' }, t('pageOf', { page, pages, total })),
        h('button', { type: 'button', disabled: page >= pages, onclick: () => go(page + 1) }, t('olderPictures')),
      ),
    );
  }

  return { el: details, draw };
}
