// A short quiz on how the model works: each question's options in a shuffled order, and each
// answer explained. The first question, when the project has three classes of pictures, is about
// the student's own project: which two classes look most alike to the network. Nothing is stored,
// except in a classroom: there the finished quiz's score goes up ('quiz-finished' with {right,
// total}) for the studio to send to the server for the teacher; props.quizReport says how that went.
import { seededRandom, shuffleInPlace } from '../dataset.js';
import { emit, h } from '../dom.js';
import { mostConfusedPair } from '../pictureMap.js';
import { QUIZ_QUESTIONS, t } from '../strings.js';

const OPTIONS = 3;

export function Quiz(el) {
  const score = h('p', { class: 'quiz-score', role: 'status' });
  const intro = h('p', { class: 'caption' }, t('quizIntro'));
  const saved = h('p', { class: 'hint quiz-saved', role: 'status' });
  const firstTries = new Map(); // question -> right the first time?
  const yours = h('li', { class: 'quiz-question quiz-yours', hidden: true });
  const general = Array.from({ length: QUIZ_QUESTIONS }, (_, i) => {
    const n = i + 1;
    const options = [0, 1, 2].map((option) => t(`quiz.${n}.option${option}`));
    return question(n, t(`quiz.${n}.question`), options, t(`quiz.${n}.why`), h('li', { class: 'quiz-question' }));
  });
  el.append(intro, h('ol', { class: 'quiz' }, yours, general), score, saved);
  let yoursKey = null;
  let keptForTeacher = false; // a classroom project the student may write: the score is stored
  let finished = false;

  // Fills item with a question whose right answer is options[0]; returns item.
  function question(id, text, options, why, item) {
    const order = shuffleInPlace([...Array(OPTIONS).keys()], seededRandom(typeof id === 'number' ? id : 0));
    const answer = h('p', { class: 'quiz-why', hidden: true, role: 'status' });
    const choices = order.map((option) =>
      h('button', { type: 'button', class: 'quiz-option', dataset: { right: String(option === 0) }, onclick: (event) => choose(id, option === 0, event.currentTarget, answer, why) }, options[option]));
    item.replaceChildren(h('p', {}, text), h('div', { class: 'row' }, choices), answer);
    return item;
  }

  function choose(id, right, button, answer, why) {
    if (!firstTries.has(id)) firstTries.set(id, right);
    button.setAttribute('aria-pressed', 'true');
    button.classList.add(right ? 'right' : 'wrong');
    answer.textContent = `${t(right ? 'quizCorrect' : 'quizWrong')} ${why}`;
    answer.hidden = false;
    const total = QUIZ_QUESTIONS + (yours.hidden ? 0 : 1);
    if (firstTries.size === total && !finished) {
      finished = true;
      const rightFirst = [...firstTries.values()].filter(Boolean).length;
      score.textContent = t('quizDone', { right: rightFirst, total });
      if (keptForTeacher) emit(el, 'quiz-finished', { right: rightFirst, total });
    }
  }

  function askAboutYours({ lesson, classes }) {
    const labelled = lesson.labels.map((label, r) => (label >= 0 ? r : -1)).filter((r) => r >= 0);
    const { dim } = lesson;
    const rows = new Float32Array(labelled.length * dim);
    labelled.forEach((r, i) => {
      rows.set(lesson.rows.subarray(r * dim, (r + 1) * dim), i * dim);
    });
    const labels = labelled.map((r) => lesson.labels[r]);
    const present = classes.map((_, c) => c).filter((c) => labels.includes(c));
    const found = present.length >= 3 ? mostConfusedPair(rows, labels, classes.length, dim) : null;
    const key = found && `${found.pair}:${found.mixed}:${present.map((c) => classes[c].name)}`;
    if (key === yoursKey) return;
    yoursKey = key;
    firstTries.delete('yours');
    yours.hidden = !found;
    if (!found) return;
    const name = (c) => classes[c].name;
    const pairs = [];
    for (let i = 0; i < present.length; i += 1) {
      for (let j = i + 1; j < present.length; j += 1) pairs.push([present[i], present[j]]);
    }
    const others = shuffleInPlace(pairs.filter(([a, b]) => `${a},${b}` !== `${found.pair}`), seededRandom(1)).slice(0, 2);
    const options = [found.pair, ...others].map(([a, b]) => t('quizYours.option', { a: name(a), b: name(b) }));
    const [a, b] = found.pair.map(name);
    const why = found.mixed ? t('quizYours.whyMixed', { a, b, count: found.mixed }) : t('quizYours.whyClose', { a, b });
    question('yours', t('quizYours.question'), options, why, yours);
  }

  return {
    update(props) {
      keptForTeacher = Boolean(props.inClassroom && props.canWrite);
      saved.textContent = props.quizReport ? t(props.quizReport.key, props.quizReport.params) : '';
      intro.textContent = t(keptForTeacher ? 'quizIntroClassroom' : 'quizIntro');
      if (!finished) askAboutYours(props); // the questions stay as answered once the quiz is done
    },
  };
}
