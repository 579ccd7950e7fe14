// Every piece of text the pages show goes through t(key, values): the messages are the catalogues
// in static/i18n/ (ICU MessageFormat, one file per language; static/i18n/README.md), the page's
// language is chosen as it loads (i18n/runtime.js). Components put the text in the page with
// textContent, never innerHTML.
import { startLocale, useClassroomLanguage } from './i18n/runtime.js';
import { createTranslator } from './i18n/translator.js';

// Strings not yet moved into static/i18n/en.json: new page text is added at the end, under a
// comment naming its branch, and moved into the catalogue later. They show in English in every
// language meanwhile (`node static/i18n/check.mjs` lists them).
const EN = {
};

// For static/i18n/check.mjs, which lists the strings still to move.
export { EN as WAITING_STRINGS };

// How many quiz questions the catalogue holds (quiz.1 … quiz.N); the right answer is option0.
export const QUIZ_QUESTIONS = 10;

const started = await startLocale();

/** The locale the page shows ('en', 'es', 'ar', 'en-XA'…), as <html lang> says. */
export const locale = started.locale;

export const t = createTranslator(locale, [...started.catalogues, EN]);

/** A classroom page learned its classroom's language (null: the browsers' own): kept on this
 * device for the next pages, and this page reloads in it unless `reload` is false or a choice
 * made on this device comes first. */
export function followClassroomLanguage(language, { reload = true } = {}) {
  useClassroomLanguage(language ?? null, reload ? locale : null);
}

/** A day, written the way the page's language writes it ("5 January 2027", "2027年1月5日"). */
export function formatDate(date) {
  return new Intl.DateTimeFormat(locale, { dateStyle: 'long' }).format(new Date(date));
}

/** A number in the page's language's digits and separators. */
export function formatNumber(value, options = {}) {
  return new Intl.NumberFormat(locale, options).format(value);
}

/** A day and time, short, in the page's language ("05/01/2027, 14:05"). */
export function formatDateTime(date) {
  return new Intl.DateTimeFormat(locale, { dateStyle: 'short', timeStyle: 'short' }).format(new Date(date));
}

/** A time of day in the page's language ("14:05", "2:05 PM"). */
export function formatTime(date) {
  return new Intl.DateTimeFormat(locale, { timeStyle: 'short' }).format(new Date(date));
}

if (globalThis.document) (await import('./i18n/menu.js')).mountLanguageMenu(t, locale);
