// What the teacher's and the students' class-project sections share: the calls (through the
// page's `request` and token), the studio links, following the server live, and what of a class
// project's view (GET /api/class-projects/<id>) a section draws. The rules of who sees what are
// the server's.
import { ApiError } from './api.js';
import { createPoller } from './poller.js';
import { t } from './strings.js';

export const REFRESH_MS = 5000;
// The answers that end a section: the classroom, or the link the page holds, is no more.
const OVER = new Set([401, 404, 410]);

export const isOver = (error) => error instanceof ApiError && OVER.has(error.status);

const base = (id) => `/api/class-projects/${encodeURIComponent(id)}`;

// tokenOf() -> the page's token now (the teacher's changes when a new teacher link is made).
export function createClassProjectCalls(request, tokenOf) {
  const call = (method, url, options = {}) => request(method, url, { token: tokenOf(), ...options });
  return {
    assignments: (classroomId) => call('GET', `/api/classrooms/${encodeURIComponent(classroomId)}/assignments`),
    list: (classroomId) => call('GET', `/api/classrooms/${encodeURIComponent(classroomId)}/class-projects`),
    start: (classroomId, assignmentId) => call('POST', `/api/classrooms/${encodeURIComponent(classroomId)}/class-projects`, { json: { assignment_id: assignmentId } }),
    read: (id) => call('GET', base(id)),
    letAllThrough: (id, value) => call('PATCH', base(id), { json: { let_all_through: value } }),
    letThrough: (id, sampleId) => call('POST', `${base(id)}/samples/${encodeURIComponent(sampleId)}/approve`),
    deletePicture: (id, sampleId) => call('DELETE', `/api/projects/${encodeURIComponent(id)}/samples/${encodeURIComponent(sampleId)}`),
    removeStudent: (id, studentId) => call('DELETE', `${base(id)}/students/${encodeURIComponent(studentId)}/pictures`),
    add: (id, classId, files) => {
      const form = new FormData();
      for (const file of files) form.append('file', file, file.name || 'image');
      form.append('class_id', classId);
      return call('POST', `${base(id)}/samples`, { body: form });
    },
    copy: (id) => call('POST', `${base(id)}/copy`),
  };
}

// The studio opens a class project with the teacher token as `#class=`: it trains and saves the
// class's versions, and the studio never remembers that token (projects.js).
export function classStudioLink(projectId, teacherToken) {
  return `/p/${encodeURIComponent(projectId)}#class=${encodeURIComponent(teacherToken)}`;
}

// The pictures of one class, in the order the server gave them (the teacher's waiting first).
export function picturesOf(view, classId) {
  return view.pictures.filter((p) => p.class_id === classId);
}

// What a redraw depends on: a refresh that changes none of it draws nothing again, so a live
// section does not reload its thumbnails every few seconds (their signed URLs change each time).
export function viewKey(view) {
  return JSON.stringify([
    view.let_all_through,
    view.classes.map((c) => [c.id, c.sample_count]),
    view.pictures.map((p) => [p.id, p.approved, p.class_id]),
    (view.contributors ?? []).map((c) => [c.id, c.picture_count]),
  ]);
}

// Class names by id, for labelling a picture.
export function classNames(view) {
  return Object.fromEntries(view.classes.map((c) => [c.id, c.name]));
}

// The assignments that have no class project yet.
export function startable(assignments, classProjects) {
  const started = new Set(classProjects.map((p) => p.assignment_id));
  return assignments.filter((a) => !started.has(a.id));
}

// Ask the server now, then again every `intervalMs` until an answer says it is over.
export function followLive(refresh, { intervalMs = REFRESH_MS, poller = createPoller } = {}) {
  const live = poller(async () => {
    try {
      return await refresh();
    } catch (error) {
      return !isOver(error);
    }
  }, intervalMs);
  refresh().catch(() => {});
  live.start();
  return live;
}

// One element per class project in `list`, drawn again (render(view) -> its children) only when
// its viewKey changed; `drawn` maps a class project's id to { el, key }.
export function drawOnChange(list, drawn, view, render, makeElement) {
  let slot = drawn.get(view.id);
  if (!slot) {
    slot = { el: makeElement(view), key: null };
    drawn.set(view.id, slot);
    list.append(slot.el);
  }
  const key = viewKey(view);
  if (slot.key === key) return false;
  slot.key = key;
  slot.el.replaceChildren(...render(view));
  return true;
}

// attempt(action) -> its result, or null with the failure shown in `message`.
export function attemptShowing(message) {
  return async (action) => {
    message.textContent = '';
    try {
      return await action();
    } catch (error) {
      message.textContent = t('error', { reason: error.message });
      return null;
    }
  };
}
