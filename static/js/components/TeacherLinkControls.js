// The teacher's ways back to the classroom: this page's link, remembering the classroom in this
// browser (opt-in, with a warning, and a button to forget it), and a new teacher link that ends
// the old one. Sends 'remember-classroom', 'forget-classroom' and 'new-teacher-link' up through
// `send`; draw(state) shows whether this browser remembers it (classroomState.js's `remembered`).
import { h } from '../dom.js';
import { t } from '../strings.js';

export function TeacherLinkControls(send) {
  const memory = h('div', { class: 'remember-classroom' });
  const el = h(
    'section',
    { class: 'teacher-link', 'aria-labelledby': 'teacher-link-title' },
    h('h2', { id: 'teacher-link-title' }, t('teacherLinkTitle')),
    h('p', { class: 'hint' }, t('teacherLinkHint')),
    memory,
    h('p', {}, h('button', { type: 'button', onclick: () => send('new-teacher-link') }, t('newTeacherLink'))),
    h('p', { class: 'hint' }, t('newTeacherLinkHint')),
  );
  let shown = null;

  function draw({ remembered }) {
    if (remembered === shown) return; // redrawn only on a change: focus stays where it is
    shown = remembered;
    memory.replaceChildren(
      ...(remembered
        ? [h('p', { role: 'status' }, t('classroomRemembered'), ' ', h('button', { type: 'button', onclick: () => send('forget-classroom') }, t('forgetClassroom')))]
        : [
            h('p', {}, h('button', { type: 'button', onclick: () => send('remember-classroom') }, t('rememberClassroom'))),
            h('p', { class: 'hint warning' }, t('rememberClassroomWarning')),
          ]),
    );
  }

  return { el, draw };
}
