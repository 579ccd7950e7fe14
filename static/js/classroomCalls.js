// The teacher's dashboard's calls: each asks the server with the teacher's token, then
// dispatches what came back (classroomState.js); a failure is dispatched as `failed`.
// request: api.js's; confirm(text) asks before what cannot be undone; saveFile: saveBlob.js.
import { assignmentClasses } from './classroomState.js';
import { t } from './strings.js';

export function createClassroomCalls({ classroomId, token, request, dispatch, confirm, saveFile, absolute }) {
  const base = `/api/classrooms/${encodeURIComponent(classroomId)}`;
  let current = token; // until a new teacher link replaces it
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

  const refresh = () => attempt(async () => dispatch('classroomLoaded', { classroom: await api('GET', base) }));

  const change = (fields) => attempt(() => api('PATCH', base, { json: fields })).then((ok) => ok && refresh());

  const projectBase = (project) => `/api/projects/${encodeURIComponent(project.id)}`;

  const openProject = (project) =>
    attempt(async () => {
      const [samples, shares] = await Promise.all([api('GET', `${projectBase(project)}/samples?per_page=500`), api('GET', `${projectBase(project)}/shares`)]);
      dispatch('projectOpened', { project, samples: samples.samples, shares: shares.shares });
    });

  // A moderation in the open project (a picture deleted, a link approved or withdrawn), then
  // the project and the counts again.
  async function moderate(project, method, url) {
    await attempt(() => api(method, url));
    await openProject(project);
    await refresh();
  }

  return {
    refresh,
    change,
    openProject,
    deletePicture: (project, sampleId) => moderate(project, 'DELETE', `${projectBase(project)}/samples/${encodeURIComponent(sampleId)}`),
    approveLink: (project, shareToken) => moderate(project, 'POST', `/api/shares/${shareToken}/approve`),
    revokeLink: (project, shareToken) => moderate(project, 'DELETE', `/api/shares/${shareToken}`),

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
