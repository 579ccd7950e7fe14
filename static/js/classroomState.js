// The teacher's dashboard's state and its rules, pure like the studio's (studioState.js): an
// action takes the state and a detail and returns a new state; classroom.js dispatches them.
// `token`: the teacher token the page acts with (a new teacher link replaces it);
// `classroom`: the server's answer (students with counts, assignments); `detail`: what the
// middle panel shows, {kind: 'project', project, samples, shares}, {kind: 'reissued',
// nickname, url} or {kind: 'teacherLink', url}; `error`: the last failure's message, until the
// next one; `remembered`: whether this browser keeps the classroom (rememberedClassrooms.js).
export function initialClassroomState({ token = null, remembered = false } = {}) {
  return { token, classroom: null, detail: null, error: null, deleted: false, remembered };
}

export const classroomActions = {
  classroomLoaded(state, { classroom }) {
    return { ...state, classroom };
  },

  failed(state, { error }) {
    return { ...state, error };
  },

  // A student's project opened for moderation: its pictures and share links.
  projectOpened(state, { project, samples, shares }) {
    return { ...state, detail: { kind: 'project', project, samples, shares } };
  },

  studentReissued(state, { nickname, url }) {
    return { ...state, detail: { kind: 'reissued', nickname, url } };
  },

  // A new teacher link: the page acts with it from now on, and shows it this once.
  teacherLinkReissued(state, { token, url }) {
    return { ...state, token, detail: { kind: 'teacherLink', url } };
  },

  rememberedChanged(state, { remembered }) {
    return { ...state, remembered };
  },

  // A removed student's project may be the one open: the panel empties.
  studentRemoved(state) {
    return { ...state, detail: null };
  },

  classroomDeleted(state) {
    return { ...state, deleted: true, detail: null };
  },
};

// The teacher's link into a student's project: the real studio, read-only (the teacher's token
// opens it for reading and moderation; server/policy.py decides).
export function teacherStudioLink(project, token) {
  return `/p/${encodeURIComponent(project.id)}#teacher=${encodeURIComponent(token)}`;
}

// An assignment's classes as typed: comma-separated names, blanks dropped.
export function assignmentClasses(text) {
  return text
    .split(',')
    .map((name) => name.trim())
    .filter(Boolean);
}
