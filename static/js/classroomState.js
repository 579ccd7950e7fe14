// The teacher's dashboard's state and its rules, pure like the studio's (studioState.js): an
// action takes the state and a detail and returns a new state; classroom.js dispatches them.
// `token`: the teacher token the page acts with (a new teacher link replaces it);
// `classroom`: the server's answer (settings, assignments); `overview`: the class at a glance
// (GET .../overview: the classroom too, and every student's row with its etag); `pictures`: the moderation view's page,
// {page, perPage, total, pictures}, or null while it is closed; `detail`: what the middle panel
// shows, {kind: 'reissued', nickname, url} or {kind: 'teacherLink', url}; `error`: the last
// failure's message, until the next one; `remembered`: whether this browser keeps the classroom
// (rememberedClassrooms.js).
export function initialClassroomState({ token = null, remembered = false } = {}) {
  return { token, classroom: null, overview: null, pictures: null, detail: null, error: null, deleted: false, remembered };
}

export const classroomActions = {
  failed(state, { error }) {
    return { ...state, error };
  },

  // The classroom with the class at a glance, when it changed (an unchanged one is answered
  // 304 and not dispatched): its settings and assignments are the classroom's too.
  overviewLoaded(state, { overview }) {
    return { ...state, classroom: overview, overview };
  },

  // A page of the moderation view: every picture of the class, newest first.
  picturesLoaded(state, { page, perPage, total, pictures }) {
    return { ...state, pictures: { page, perPage, total, pictures } };
  },

  picturesClosed(state) {
    return { ...state, pictures: null };
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

  // A removed student's new link may be the one shown: the panel empties.
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

// The printable cards' page: the teacher card and the students' (cards.js); the teacher token
// stays in the fragment.
export function cardsLink(classroomId, token) {
  return `/classroom/${encodeURIComponent(classroomId)}/cards#teacher=${encodeURIComponent(token)}`;
}

// An assignment's classes as typed: comma-separated names, blanks dropped.
export function assignmentClasses(text) {
  return text
    .split(',')
    .map((name) => name.trim())
    .filter(Boolean);
}

// Which rows of the class at a glance to draw again: `shown` maps a student id to the etag of
// the row on the page; a row is drawn when it is new or its etag changed, kept otherwise (its
// thumbnails stay loaded), and removed when its student is gone.
export function rowChanges(shown, students) {
  const ids = new Set(students.map((student) => student.id));
  return {
    draw: students.filter((student) => shown.get(student.id) !== student.etag).map((student) => student.id),
    remove: [...shown.keys()].filter((id) => !ids.has(id)),
  };
}

// A model's validation accuracy as the dashboard shows it: a whole percentage, or null.
export function percent(accuracy) {
  return typeof accuracy === 'number' ? Math.round(accuracy * 100) : null;
}
