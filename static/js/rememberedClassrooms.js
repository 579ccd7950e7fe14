// Classrooms this browser was asked to remember, with their teacher tokens, kept in
// localStorage like projects.js's projects. Only on the teacher's request: on a shared computer,
// whoever comes next would be the teacher.
import { rememberedList } from './remembered.js';

const classrooms = rememberedList('snapclass.classrooms');

export const rememberedClassrooms = classrooms.all;

export function rememberClassroom({ id, name, teacherToken }) {
  classrooms.remember({ id, name, teacherToken });
}

export const forgetClassroom = classrooms.forget;

// Whether this browser remembers the classroom with this teacher token (not an ended one).
export function isRemembered(id, teacherToken) {
  return rememberedClassrooms().some((c) => c.id === id && c.teacherToken === teacherToken);
}

// The teacher's dashboard, opened with the token in the fragment (never sent to the server).
export function teacherLink(id, teacherToken) {
  return `${location.origin}/classroom/${encodeURIComponent(id)}#teacher=${encodeURIComponent(teacherToken)}`;
}
