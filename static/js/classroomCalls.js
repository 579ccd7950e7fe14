// The teacher's dashboard's calls: each asks the server with the teacher's token, then
// dispatches what came back (classroomState.js); a failure is dispatched as `failed`.
// request: api.js's; confirm(text) asks before what cannot be undone; saveFile: saveBlob.js.
// The class at a glance is asked with the etag of the copy the page has: a 304 (NOT_MODIFIED)
// dispatches nothing, so nothing is drawn again.
import { NOT_MODIFIED } from './api.js';
import { assignmentClasses } from './classroomState.js';
import { t } from './strings.js';

export const PICTURES_PER_PAGE = 48;

export function createClassroomCalls({ classroomId, token, request, dispatch, confirm, saveFile, absolute }) {
  const base = `/api/classrooms/${encodeURIComponent(classroomId)}`;
  let current = token; // until a new teacher link replaces it
  let overviewEtag = null;
  let picturesPage = null; // the moderation view's page while it is open
  const api = (method, url, options = {}) => request(method, url, { token: current, ...options });

  // Runs `call`; resolves true when it went through, false when it failed (and said so).
  async function attempt(call) {
    try {
      await call();
      return true;
    } catch (error) {
      dispatch('failed', { error: error.message });
      return false;
    }
  }

  // The classroom with the class at a glance, in one request asked with the etag of the copy
  // the page has.
  const refreshOverview = () =>
    attempt(async () => {
      const headers = overviewEtag ? { 'If-None-Match': `"${overviewEtag}"` } : {};
      const overview = await api('GET', `${base}/overview`, { headers });
      if (overview === NOT_MODIFIED) return;
      overviewEtag = overview.etag;
      dispatch('overviewLoaded', { overview });
    });

  // A page of the moderation view (every picture of the class, newest first).
  const openPictures = (page = 1) =>
    attempt(async () => {
      const answer = await api('GET', `${base}/pictures?page=${page}&per_page=${PICTURES_PER_PAGE}`);
      picturesPage = page;
      dispatch('picturesLoaded', { page, perPage: answer.per_page, total: answer.total, pictures: answer.pictures });
    });

  // The classroom and the class at a glance, and the moderation view's page when it is open
  // and the class changed.
  async function refresh() {
    const before = overviewEtag;
    const ok = await refreshOverview();
    if (ok && picturesPage !== null && overviewEtag !== before) await openPictures(picturesPage);
    return ok;
  }

  const change = (fields) => attempt(() => api('PATCH', base, { json: fields })).then((ok) => ok && refresh());

  // A moderation (a picture deleted, a link approved or refused), then what changed.
  async function moderate(method, url) {
    await attempt(() => api(method, url));
    await refresh();
  }

  return {
    refresh,
    change,
    openPictures,
    closePictures() {
      picturesPage = null;
      dispatch('picturesClosed');
    },
    deletePicture: (projectId, sampleId) => moderate('DELETE', `/api/projects/${encodeURIComponent(projectId)}/samples/${encodeURIComponent(sampleId)}`),
    approveLink: (shareToken) => moderate('POST', `/api/shares/${encodeURIComponent(shareToken)}/approve`),
    refuseLink: (shareToken) => moderate('DELETE', `/api/shares/${encodeURIComponent(shareToken)}`),

    async removeStudent(student) {
      if (!confirm(t('confirmRemoveStudent', { nickname: student.nickname }))) return;
      if (!(await attempt(() => api('DELETE', `${base}/students/${encodeURIComponent(student.id)}`)))) return;
      dispatch('studentRemoved');
      await refresh();
    },

    reissueStudent: (student) =>
      attempt(async () => {
        const fresh = await api('POST', `${base}/students/${encodeURIComponent(student.id)}/reissue`);
        dispatch('studentReissued', { nickname: student.nickname, url: absolute(fresh.student_url) });
      }),

    // Resolves true when the assignment was added (the page then draws it with refresh).
    addAssignment: ({ title, instructions, classes }) => attempt(() => api('POST', `${base}/assignments`, { json: { title: title.trim(), instructions, classes: assignmentClasses(classes) } })),

    exportClass: () => attempt(async () => saveFile(await api('GET', `${base}/archive`), 'class.zip')),

    // A new teacher link ends the old one (wherever it was bookmarked or remembered): asks
    // first. Resolves the server's answer ({teacher_token, teacher_url}), or null.
    async newTeacherLink() {
      if (!confirm(t('confirmNewTeacherLink'))) return null;
      let fresh = null;
      await attempt(async () => {
        fresh = await api('POST', `${base}/teacher-link`);
        current = fresh.teacher_token;
        dispatch('teacherLinkReissued', { token: fresh.teacher_token, url: absolute(fresh.teacher_url) });
      });
      return fresh;
    },

    async deleteClassroom() {
      if (!confirm(t('confirmDeleteClassroom'))) return;
      if (await attempt(() => api('DELETE', base))) dispatch('classroomDeleted');
    },
  };
}
