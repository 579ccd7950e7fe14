// Checks every catalogue of this folder against English and lists what each lacks:
//   node static/i18n/check.mjs
// For each locale: keys missing (shown in English meanwhile), keys English does not have, and
// messages that are not valid ICU, name other placeholders than English, or lack one of the
// plural categories CLDR defines for the language (Arabic: zero, one, two, few, many, other).
// Exits with 1 when anything is listed. static/js/tests/catalogues.test.mjs runs the same checks.
import { readdirSync, readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parse, TYPE } from '@formatjs/icu-messageformat-parser';

const FOLDER = fileURLToPath(new URL('.', import.meta.url));

export function readCatalogues(folder = FOLDER) {
  return Object.fromEntries(
    readdirSync(folder)
      .filter((name) => name.endsWith('.json'))
      .sort()
      .map((name) => [basename(name, '.json'), JSON.parse(readFileSync(`${folder}/${name}`, 'utf8'))]),
  );
}

/** The placeholder names of a parsed message, and its plural elements, at any depth. */
function walk(elements, found = { names: new Set(), plurals: [] }) {
  for (const element of elements) {
    if ('value' in element && typeof element.value === 'string' && element.type !== TYPE.literal) found.names.add(element.value);
    if (element.type === TYPE.plural) found.plurals.push(element);
    if (element.options) for (const option of Object.values(element.options)) walk(option.value, found);
  }
  return found;
}

/** What is wrong with one message of `locale`, given the English one: a list of sentences. */
export function messageProblems(locale, message, english) {
  if (typeof message !== 'string') return ['is not a string'];
  let own;
  try {
    own = walk(parse(message, { ignoreTag: true }));
  } catch (error) {
    return [`is not valid ICU MessageFormat (${error.message})`];
  }
  const problems = [];
  if (english !== undefined) {
    const expected = walk(parse(english, { ignoreTag: true })).names;
    const missing = [...expected].filter((n) => !own.names.has(n));
    const unknown = [...own.names].filter((n) => !expected.has(n));
    if (missing.length) problems.push(`lacks the placeholders ${missing.join(', ')}`);
    if (unknown.length) problems.push(`has placeholders English does not: ${unknown.join(', ')}`);
  }
  for (const plural of own.plurals) {
    const type = plural.pluralType === 'ordinal' ? 'ordinal' : 'cardinal';
    const categories = new Intl.PluralRules(locale, { type }).resolvedOptions().pluralCategories;
    const lacking = categories.filter((c) => !(c in plural.options));
    if (lacking.length) problems.push(`{${plural.value}, plural} lacks ${lacking.join(', ')}`);
  }
  return problems;
}

/** A catalogue against English: {missing, extra, problems: {key: [sentences]}}. */
export function checkCatalogue(locale, catalogue, english) {
  const problems = {};
  for (const [key, message] of Object.entries(catalogue)) {
    const found = messageProblems(locale, message, english[key]);
    if (found.length) problems[key] = found;
  }
  return {
    missing: Object.keys(english).filter((key) => !(key in catalogue)),
    extra: Object.keys(catalogue).filter((key) => !(key in english)),
    problems,
  };
}

async function main() {
  const catalogues = readCatalogues();
  const english = catalogues.en;
  const { WAITING_STRINGS } = await import('../js/strings.js');
  const waiting = Object.keys(WAITING_STRINGS).filter((key) => !(key in english));
  const { default: locales } = await import('../js/i18n/locales.json', { with: { type: 'json' } });
  const absent = locales.locales.filter((l) => l !== locales.pseudo && !(l in catalogues));
  if (waiting.length) console.log(`strings.js: ${waiting.length} strings to move into en.json:\n${waiting.map((k) => `  ${k}`).join('\n')}`);
  if (absent.length) console.log(`no catalogue yet (shown in English): ${absent.join(', ')}`);
  let failed = waiting.length > 0 || absent.length > 0;
  for (const [locale, catalogue] of Object.entries(catalogues)) {
    const { missing, extra, problems } = checkCatalogue(locale, catalogue, english);
    const lines = [
      ...missing.map((key) => `  missing: ${key}`),
      ...extra.map((key) => `  not in en.json: ${key}`),
      ...Object.entries(problems).flatMap(([key, found]) => found.map((p) => `  ${key} ${p}`)),
    ];
    console.log(`${locale}: ${Object.keys(catalogue).length} of ${Object.keys(english).length} keys${lines.length ? '' : ', all fine'}`);
    if (lines.length) console.log(lines.join('\n'));
    failed ||= lines.length > 0;
  }
  process.exitCode = failed ? 1 : 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) main();
