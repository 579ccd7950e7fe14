// The page's language, chosen once as the page loads (locales.js chooseLocale), its catalogue
// fetched, and <html lang dir> set to match. Under Node (the tests) pages are English.
import { chooseLocale, DEFAULT_LOCALE, direction, PSEUDO_LOCALE, SUPPORTED_LOCALES } from './locales.js';
import { pseudoCatalogue } from './pseudo.js';

const DEVICE_CHOICE = 'snapclass.language';
const CLASSROOM_LANGUAGE = 'snapclass.classroomLanguage';
const catalogueUrl = (locale) => new URL(`../../i18n/${locale}.json`, import.meta.url);

function stored(key) {
  try {
    return globalThis.localStorage?.getItem(key) ?? null;
  } catch {
    return null; // storage blocked: the browser's languages decide
  }
}

function store(key, value) {
  try {
    if (value) localStorage.setItem(key, value);
    else localStorage.removeItem(key);
  } catch {
    // storage blocked: the choice lasts this page only
  }
}

async function loadCatalogue(locale) {
  const module = await import(catalogueUrl(locale), { with: { type: 'json' } });
  return module.default;
}

/** The catalogue files the server has (<html data-catalogues>, server/languages.py): a
 * supported locale without one shows English until its file arrives (never a failed fetch). */
function hasCatalogue(locale, doc) {
  return (doc.documentElement.dataset.catalogues ?? '').split(' ').includes(locale);
}

export function currentChoice() {
  return { device: stored(DEVICE_CHOICE), classroom: stored(CLASSROOM_LANGUAGE) };
}

/** Choose the page's locale and load its messages: [locale's, English]. */
export async function startLocale() {
  const doc = globalThis.document;
  const english = await loadCatalogue(DEFAULT_LOCALE);
  if (!doc) return { locale: DEFAULT_LOCALE, catalogues: [english] };
  const locale = chooseLocale({ ...currentChoice(), browser: navigator.languages, available: SUPPORTED_LOCALES });
  let own = english;
  if (locale === PSEUDO_LOCALE) own = pseudoCatalogue(english);
  else if (locale !== DEFAULT_LOCALE && hasCatalogue(locale, doc)) own = await loadCatalogue(locale).catch(() => english);
  doc.documentElement.lang = locale;
  doc.documentElement.dir = direction(locale);
  return { locale, catalogues: own === english ? [english] : [own, english] };
}

/** The language menu's choice for this device; null ("use my class's language") clears it. */
export function chooseOnThisDevice(locale) {
  store(DEVICE_CHOICE, locale);
  globalThis.location?.reload();
}

/** What a classroom page learned of its classroom's language (null: the browsers' own). It is
 * kept on this device, so the next pages start in it; this page reloads if it now shows
 * another language than `shown` (null: it does not reload). */
export function useClassroomLanguage(language, shown) {
  const value = language || null;
  if (stored(CLASSROOM_LANGUAGE) === value) return;
  store(CLASSROOM_LANGUAGE, value);
  const doc = globalThis.document;
  if (!doc || !shown) return;
  const locale = chooseLocale({ ...currentChoice(), browser: navigator.languages, available: SUPPORTED_LOCALES });
  if (locale !== shown) globalThis.location.reload();
}
