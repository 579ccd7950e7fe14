// The pseudo-locale en-XA, made from the English catalogue: every letter accented, every message
// in brackets and about 30 % longer, placeholders and ICU syntax kept. Text without these marks
// in a page shown in en-XA did not come from the catalogue.
import { parse, TYPE } from '@formatjs/icu-messageformat-parser';
import { printAST } from '@formatjs/icu-messageformat-parser/printer.js';

const PLAIN = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';
const ACCENTED = 'àƀçđéƒĝĥîĵķļɱñöþǫŕšţûṽŵẋýžÀƁÇĐÉƑĜĤÎĴĶĻṀÑÖÞǪŔŠŢÛṼŴẊÝŽ';
const ACCENT = new Map([...PLAIN].map((c, i) => [c, ACCENTED[i]]));
const PADDING = '·';

export const accent = (text) => [...text].map((c) => ACCENT.get(c) ?? c).join('');

function accentElements(elements) {
  let letters = 0;
  for (const element of elements) {
    if (element.type === TYPE.literal) {
      letters += element.value.length;
      element.value = accent(element.value);
    } else if (element.type === TYPE.plural || element.type === TYPE.select) {
      // The longest branch counts towards the padding.
      letters += Math.max(...Object.values(element.options).map((option) => accentElements(option.value)));
    }
  }
  return letters;
}

/** One English message in the pseudo-locale. */
export function pseudoMessage(message) {
  const ast = parse(message, { ignoreTag: true });
  const letters = accentElements(ast);
  const pad = PADDING.repeat(Math.ceil(letters * 0.3));
  return printAST([{ type: TYPE.literal, value: '[' }, ...ast, { type: TYPE.literal, value: `${pad}]` }]);
}

/** The whole catalogue in the pseudo-locale. */
export function pseudoCatalogue(catalogue) {
  return Object.fromEntries(Object.entries(catalogue).map(([key, message]) => [key, pseudoMessage(message)]));
}
