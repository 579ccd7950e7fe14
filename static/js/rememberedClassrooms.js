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

export function isRemembered(id) {
  return rememberedClassrooms().some((c) => c.id === id);
}

// The teacher's dashboard, opened with the token in the fragment (never sent to the server).
export function teacherLink(id, teacherToken) {
  return `${location.origin}/classroom/${encodeURIComponent(id)}#teacher=${encodeURIComponent(teacherToken)}`;
}
