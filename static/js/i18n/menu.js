// The language menu of every page's header: each language by its own name, and "use my class's
// language", which forgets this device's choice (what a shared lab computer needs).
import { h } from '../dom.js';
import { autonym, PSEUDO_LOCALE, SUPPORTED_LOCALES } from './locales.js';
import { chooseOnThisDevice, currentChoice } from './runtime.js';

export function mountLanguageMenu(t, locale, doc = document) {
  const header = doc.querySelector('.site-header');
  const brand = header?.querySelector('.brand');
  if (brand) brand.textContent = t('appName');
  doc.title = t(doc.documentElement.dataset.title || 'appName');
  if (!header) return;
  const device = currentChoice().device;
  const locales = SUPPORTED_LOCALES.filter((l) => l !== PSEUDO_LOCALE || l === locale);
  const select = h(
    'select',
    { id: 'language-menu', onchange: () => chooseOnThisDevice(select.value || null) },
    h('option', { value: '' }, t('language.useClass')),
    ...locales.map((l) => h('option', { value: l, lang: l, translate: 'no' }, autonym(l))),
  );
  select.value = device && locales.includes(device) ? device : '';
  header.append(h('label', { class: 'language-menu' }, h('span', {}, t('language.label')), select));
}
