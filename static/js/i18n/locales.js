// The languages Snapclass speaks and which one a page shows. The list is locales.json, which the
// server reads too (server/languages.py) to answer Accept-Language for the page's shell.
import LOCALES from './locales.json' with { type: 'json' };

export const DEFAULT_LOCALE = LOCALES.default;
export const PSEUDO_LOCALE = LOCALES.pseudo;
export const SUPPORTED_LOCALES = LOCALES.locales;

export function direction(locale) {
  return LOCALES.rtl.includes(locale.split('-')[0]) ? 'rtl' : 'ltr';
}

function canonical(tag) {
  try {
    return Intl.getCanonicalLocales(tag)[0];
  } catch {
    return null;
  }
}

/** The locale of `available` that best serves a language tag: itself, else the same language
 * in another region ('es-MX' → 'es', 'pt' → 'pt-BR', 'zh-Hans' → 'zh-CN' but not
 * Traditional Chinese); null when none. */
export function matchLocale(tag, available) {
  const wanted = typeof tag === 'string' ? canonical(tag) : null;
  if (!wanted) return null;
  const exact = available.find((l) => l.toLowerCase() === wanted.toLowerCase());
  if (exact) return exact;
  const language = wanted.split('-')[0].toLowerCase();
  if (language === 'zh' && new Intl.Locale(wanted).maximize().script === 'Hant') return null;
  return available.find((l) => l === language) ?? available.find((l) => l !== PSEUDO_LOCALE && l.split('-')[0] === language) ?? null;
}

/** Which locale a page shows, in this order: the choice made on this device, the classroom's
 * language, then the browser's languages; English when none of them is available. */
export function chooseLocale({ device = null, classroom = null, browser = [], available = [DEFAULT_LOCALE] }) {
  for (const tag of [device, classroom, ...browser]) {
    const locale = matchLocale(tag, available);
    if (locale) return locale;
  }
  return DEFAULT_LOCALE;
}

/** A language's name in that language ("español", "العربية"), as the language menu lists it. */
export function autonym(locale) {
  try {
    return new Intl.DisplayNames([locale], { type: 'language' }).of(locale) ?? locale;
  } catch {
    return locale;
  }
}
