// A short quiz on how the model works: each question's options in a shuffled order, and each
// answer explained. Nothing is stored.
import { seededRandom, shuffleInPlace } from '../dataset.js';
import { h } from '../dom.js';
import { QUIZ_QUESTIONS, t } from '../strings.js';

const OPTIONS = 3;

export function Quiz(el) {
  const score = h('p', { class: 'quiz-score', role: 'status' });
  const firstTries = new Map(); // question -> right the first time?
  const questions = Array.from({ length: QUIZ_QUESTIONS }, (_, i) => question(i + 1));
  el.append(h('p', { class: 'caption' }, t('quizIntro')), h('ol', { class: 'quiz' }, questions), score);

  function question(n) {
    const order = shuffleInPlace([...Array(OPTIONS).keys()], seededRandom(n));
    const why = h('p', { class: 'quiz-why', hidden: true, role: 'status' });
    const choices = order.map((option) =>
      h('button', { type: 'button', class: 'quiz-option', dataset: { right: String(option === 0) }, onclick: (event) => answer(n, option, event.currentTarget, why) }, t(`quiz.${n}.option${option}`)));
    return h('li', { class: 'quiz-question' }, h('p', {}, t(`quiz.${n}.question`)), h('div', { class: 'row' }, choices), why);
  }

  function answer(n, option, button, why) {
    const right = option === 0;
    if (!firstTries.has(n)) firstTries.set(n, right);
    button.setAttribute('aria-pressed', 'true');
    button.classList.add(right ? 'right' : 'wrong');
    why.textContent = `${t(right ? 'quizCorrect' : 'quizWrong')} ${t(`quiz.${n}.why`)}`;
    why.hidden = false;
    if (firstTries.size === QUIZ_QUESTIONS) {
      score.textContent = t('quizDone', { right: [...firstTries.values()].filter(Boolean).length, total: QUIZ_QUESTIONS });
    }
  }

  return { update() {} };
}
