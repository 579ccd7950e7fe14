// The page's language, chosen once as the page loads (locales.js chooseLocale), its catalogue
// fetched, and <html lang dir> set to match. Under Node (the tests) pages are English.
import { chooseLocale, DEFAULT_LOCALE, direction, PSEUDO_LOCALE } from './locales.js';
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

/** The catalogues the server found (<html data-catalogues>, server/languages.py); the
 * pseudo-locale is made from English. */
export function availableLocales(doc = globalThis.document) {
  const listed = doc?.documentElement.dataset.catalogues?.split(' ').filter(Boolean) ?? [];
  return [...new Set([DEFAULT_LOCALE, ...listed, PSEUDO_LOCALE])];
}

export function currentChoice() {
  return { device: stored(DEVICE_CHOICE), classroom: stored(CLASSROOM_LANGUAGE) };
}

/** Choose the page's locale and load its messages: [locale's, English]. */
export async function startLocale() {
  const doc = globalThis.document;
  const english = await loadCatalogue(DEFAULT_LOCALE);
  if (!doc) return { locale: DEFAULT_LOCALE, catalogues: [english] };
  const locale = chooseLocale({ ...currentChoice(), browser: navigator.languages, available: availableLocales(doc) });
  let own = english;
  if (locale === PSEUDO_LOCALE) own = pseudoCatalogue(english);
  else if (locale !== DEFAULT_LOCALE) own = await loadCatalogue(locale).catch(() => english);
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
  const locale = chooseLocale({ ...currentChoice(), browser: navigator.languages, available: availableLocales(doc) });
  if (locale !== shown) globalThis.location.reload();
}
