// The share page's "Use your model" box: the link's Teachable Machine folder (/s/<token>/tm/),
// which Teachable Machine's own tools load unchanged, with a copy button, and "Use in p5.js",
// a whole sketch (from the server, server/snippets.py) that draws the camera and its class.
import { h } from '../dom.js';
import { t } from '../strings.js';

function copyButton(text, field) {
  const button = h('button', { type: 'button', class: 'copy' }, t('copy'));
  button.addEventListener('click', async () => {
    await navigator.clipboard?.writeText(text).catch(() => field.select?.());
    button.textContent = t('copied');
  });
  return button;
}

export function TeachableLink(el, { url, p5Snippet }) {
  el.classList.add('teachable-link');
  const field = h('input', { class: 'tm-url', readonly: true, value: url, 'aria-label': t('tmLinkTitle') });
  const sketch = h('code', {}, p5Snippet);
  el.append(
    h('h2', {}, t('useYourModelTitle')),
    h('h3', {}, t('tmLinkTitle')),
    h('div', { class: 'row' }, field, copyButton(url, field)),
    h('p', { class: 'hint' }, t('tmLinkWhere')),
    h(
      'details',
      { class: 'snippet p5-sketch' },
      h('summary', {}, t('useInP5')),
      h('p', { class: 'hint' }, t('useInP5Hint')),
      h('div', { class: 'row' }, copyButton(p5Snippet, sketch)),
      h('pre', {}, sketch),
    ),
  );
}
