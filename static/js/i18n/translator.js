// t(key, values) for one locale: its catalogue's message, else English's (a key added later
// without a translation shows English, never a blank), formatted by intl-messageformat, which
// interprets ICU MessageFormat (plural, select, numbers) without compiling code at run time.
import { IntlMessageFormat } from 'intl-messageformat';

/** `catalogues`: the locale's messages first, then the fallbacks in order (English, then the
 * strings still waiting in strings.js to move into the catalogue). */
export function createTranslator(locale, catalogues) {
  const formatters = new Map();
  function formattersOf(key) {
    if (!formatters.has(key)) {
      const found = [];
      catalogues.forEach((catalogue, i) => {
        const message = catalogue[key];
        if (typeof message !== 'string') return;
        try {
          found.push(new IntlMessageFormat(message, i === 0 ? locale : 'en', undefined, { ignoreTag: true }));
        } catch {
          // Not valid ICU: the next catalogue's message stands in (the catalogue test reports it).
        }
      });
      formatters.set(key, found);
    }
    return formatters.get(key);
  }
  function t(key, values = {}) {
    for (const formatter of formattersOf(key)) {
      try {
        return String(formatter.format(values));
      } catch {
        // A value the message does not expect: the next catalogue says it.
      }
    }
    return key;
  }
  /** Whether some catalogue has a message for `key`. */
  t.has = (key) => formattersOf(key).length > 0;
  return t;
}
