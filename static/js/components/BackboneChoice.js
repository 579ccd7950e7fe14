// The image model a project prepares its pictures with: one line saying which and why, then
// "Faster" or "More accurate", each with its model's name and download size. Choosing one asks
// the studio to switch ('choose-backbone' with the backbone's id); the studio decides when a
// switch may happen.
import { emit, h } from '../dom.js';
import { t } from '../strings.js';
import { backboneInUse } from '../networkLines.js';

export function BackboneChoice(el) {
  el.classList.add('backbone-choice');
  const options = h('div', { class: 'backbone-options' });
  const inUse = h('p', { class: 'backbone-in-use' });
  el.append(h('legend', {}, t('backboneChoice')), inUse, options, h('p', { class: 'hint' }, t('backboneChoiceHint')));
  let shown = '';
  const radios = new Map(); // backbone id -> its radio button

  function draw(choices) {
    radios.clear();
    options.replaceChildren(
      ...choices.map((choice) => {
        const radio = h('input', { type: 'radio', name: 'backbone', value: choice.id, dataset: { kind: choice.kind } });
        radio.addEventListener('change', () => emit(el, 'choose-backbone', { backboneId: choice.id }));
        radios.set(choice.id, radio);
        return h('label', { class: 'choice' }, radio, ` ${t(`backbone.${choice.kind}`)} `, h('span', { class: 'hint' }, t('backboneDetails', { name: choice.architecture, megabytes: choice.megabytes.toFixed(1) })));
      }),
    );
  }

  // props: {choices (studioState.js's backboneChoices), chosen: the project's backbone id,
  // enabled: a switch may happen now}. Fewer than two choices: nothing to choose, not shown.
  function update({ choices, chosen, enabled }) {
    el.hidden = choices.length < 2;
    const line = backboneInUse(choices, chosen);
    inUse.textContent = line ? t(line.key, line.params) : '';
    const key = JSON.stringify(choices);
    if (key !== shown) {
      shown = key;
      draw(choices);
    }
    for (const [id, radio] of radios) {
      radio.checked = id === chosen;
      radio.disabled = !enabled;
    }
  }

  return { update };
}
