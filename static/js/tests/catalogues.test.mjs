// Every catalogue of static/i18n/ against English (same keys, same placeholders, valid ICU, every
// CLDR plural category of its language), and plurals as the class card and the teacher's
// dashboard show them, in English and Arabic, for 0, 1, 2, 5 and 11 pictures.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkCatalogue, messageProblems, readCatalogues } from '../../i18n/check.mjs';
import { chooseLocale, direction, matchLocale } from '../i18n/locales.js';
import { pseudoCatalogue, pseudoMessage } from '../i18n/pseudo.js';
import { createTranslator } from '../i18n/translator.js';

const catalogues = readCatalogues();
const english = catalogues.en;
const COUNTS = [0, 1, 2, 5, 11];
// Arabic's six forms, as a translator writes them; CLDR picks zero, one, two, few, many, other.
const ARABIC_PICTURES = '{count, plural, zero {لا صور} one {صورة واحدة} two {صورتان} few {# صور} many {# صورة} other {# من الصور}}';

describe('catalogues', () => {
  for (const [locale, catalogue] of Object.entries(catalogues)) {
    it(`${locale}.json has English's keys, placeholders and its language's plural forms, in valid ICU`, () => {
      const { missing, extra, problems } = checkCatalogue(locale, catalogue, english);
      assert.deepEqual({ missing, extra, problems }, { missing: [], extra: [], problems: {} });
    });
  }

  it('finds what a translation gets wrong', () => {
    assert.deepEqual(messageProblems('es', '{count, plural, one {# foto} other {# fotos', english.sampleCount).length, 1);
    assert.match(messageProblems('es', 'Clase {nombre}', english.defaultClassName).join(), /lacks the placeholders n.*English does not: nombre/);
    assert.match(messageProblems('ar', '{count, plural, one {صورة} other {# صور}}', english.sampleCount).join(), /lacks few, many, two, zero/);
    assert.deepEqual(messageProblems('ar', ARABIC_PICTURES, english.sampleCount), []);
    const { missing, extra } = checkCatalogue('fr', { ...english, 'not.a.key': 'x', sampleCount: undefined }, english);
    assert.deepEqual([missing, extra], [[], ['not.a.key']]);
    assert.deepEqual(checkCatalogue('fr', { appName: 'Snapclass' }, english).missing.length, Object.keys(english).length - 1);
  });
});

describe('plurals on the class card and the dashboard', () => {
  it('in English', () => {
    const t = createTranslator('en', [english]);
    assert.deepEqual(COUNTS.map((count) => t('sampleCount', { count })), ['0 pictures', '1 picture', '2 pictures', '5 pictures', '11 pictures']);
    assert.deepEqual(
      COUNTS.map((n) => t('projectCounts', { pictures: n, models: n, shares: n })),
      COUNTS.map((n) => (n === 1 ? '1 picture, 1 saved model, 1 share link' : `${n} pictures, ${n} saved models, ${n} share links`)),
    );
    assert.equal(t('pendingShares', { count: 1 }), '1 share link waits for your approval');
    assert.equal(t('boardCount', { count: 1 }), '1 student joined');
  });

  it('in Arabic: zero, one, two, few and many, with the digits Intl gives Arabic', () => {
    const digits = (n) => new Intl.NumberFormat('ar').format(n);
    const own = catalogues.ar ?? {};
    const t = createTranslator('ar', [{ ...own, sampleCount: ARABIC_PICTURES }, english]);
    assert.deepEqual(COUNTS.map((count) => t('sampleCount', { count })), ['لا صور', 'صورة واحدة', 'صورتان', `${digits(5)} صور`, `${digits(11)} صورة`]);
  });

  for (const locale of Object.keys(catalogues).filter((l) => l !== 'en')) {
    it(`${locale}.json counts pictures in its own words`, () => {
      const own = createTranslator(locale, [catalogues[locale], english]);
      const en = createTranslator('en', [english]);
      for (const count of COUNTS) {
        const text = own('sampleCount', { count });
        assert.ok(text && !text.includes('{') && text !== en('sampleCount', { count }), `${count}: ${text}`);
      }
    });
  }
});

describe('the translator', () => {
  it('falls back to English, then to the waiting strings, never to a blank', () => {
    const t = createTranslator('fr', [{ appName: 'Snapclasse', broken: '{oops' }, { broken: 'Fine', sampleCount: english.sampleCount }, { later: 'Later {x}' }]);
    assert.equal(t('appName'), 'Snapclasse');
    assert.equal(t('broken'), 'Fine');
    assert.equal(t('sampleCount', { count: 2 }), '2 pictures');
    assert.equal(t('later', { x: 1 }), 'Later 1');
    assert.equal(t('nowhere'), 'nowhere');
  });

  it('formats percentages and numbers in the locale', () => {
    const t = createTranslator('en', [english]);
    assert.equal(t('validationAccuracy', { percent: 0.934 }), 'Validation accuracy: 93%');
    assert.equal(t('curveFinetune', { quick: 0.8, server: 0.85, points: 5 }).includes('(+5 points)'), true);
    const de = createTranslator('de', [{ validationAccuracy: 'Genauigkeit: {percent, number, ::percent}' }]);
    assert.equal(de('validationAccuracy', { percent: 0.934 }), `Genauigkeit: ${new Intl.NumberFormat('de', { style: 'percent' }).format(0.934)}`);
  });
});

describe('choosing the language', () => {
  const available = ['en', 'es', 'pt-BR', 'zh-CN', 'ar', 'en-XA'];
  it('matches a browser language to a catalogue', () => {
    assert.equal(matchLocale('es-MX', available), 'es');
    assert.equal(matchLocale('pt', available), 'pt-BR');
    assert.equal(matchLocale('zh-Hans-CN', available), 'zh-CN');
    assert.equal(matchLocale('zh-TW', available), null);
    assert.equal(matchLocale('en-GB', available), 'en');
    assert.equal(matchLocale('fr', available), null);
    assert.equal(matchLocale('not a tag', available), null);
  });
  it('puts this device’s choice first, then the classroom’s, then the browser’s', () => {
    assert.equal(chooseLocale({ device: 'ar', classroom: 'es', browser: ['en'], available }), 'ar');
    assert.equal(chooseLocale({ device: null, classroom: 'es', browser: ['en'], available }), 'es');
    assert.equal(chooseLocale({ device: null, classroom: null, browser: ['fr', 'pt-PT'], available }), 'pt-BR');
    assert.equal(chooseLocale({ device: 'fr', classroom: 'de', browser: ['fr'], available }), 'en');
    assert.equal(direction('ar'), 'rtl');
    assert.equal(direction('en-XA'), 'ltr');
  });
});

describe('the pseudo-locale', () => {
  it('accents and brackets every message, about 30 % longer, keeping its placeholders and plurals', () => {
    const pseudo = pseudoCatalogue(english);
    assert.deepEqual(Object.keys(pseudo), Object.keys(english));
    for (const [key, message] of Object.entries(pseudo)) assert.deepEqual(messageProblems('en', message, english[key]), [], key);
    const t = createTranslator('en-XA', [pseudo]);
    const text = t('sampleCount', { count: 2 });
    assert.match(text, /^\[2 þîçţûŕéš·+\]$/);
    assert.equal(pseudoMessage('Hello {name}'), '[Ĥéļļö {name}··]');
    const long = t('homeIntro');
    assert.ok(long.length >= english.homeIntro.length * 1.25, long);
    assert.doesNotMatch(long, /[A-Za-z]/);
  });
});
