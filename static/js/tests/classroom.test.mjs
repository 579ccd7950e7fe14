// The teacher's dashboard: its state's rules, and its calls against a fake server.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { createClassroomCalls } from '../classroomCalls.js';
import { assignmentClasses, classroomActions, initialClassroomState, teacherStudioLink } from '../classroomState.js';

// The calls around a fake `request`: answers by "METHOD url", records every call with its token.
function setUp(answers, { confirmed = true } = {}) {
  let state = initialClassroomState();
  const requests = [];
  const saved = [];
  const calls = createClassroomCalls({
    classroomId: 'c 1',
    token: 'teacher-token',
    request: async (method, url, options) => {
      requests.push([method, url, options.token, options.json]);
      const answer = answers[`${method} ${url}`];
      if (answer instanceof Error) throw answer;
      return typeof answer === 'function' ? answer() : (answer ?? null);
    },
    dispatch: (name, detail) => {
      state = classroomActions[name](state, detail);
    },
    confirm: () => confirmed,
    saveFile: (blob, name) => saved.push([blob, name]),
    absolute: (path) => `https://school${path}`,
  });
  return { calls, requests, saved, state: () => state };
}

const base = '/api/classrooms/c%201';
const classroom = { name: 'Year 7', students: [], assignments: [] };

describe('classroom state', () => {
  test('a failure is kept until the next one; the open panel goes with a removed student or the classroom', () => {
    let state = classroomActions.failed(initialClassroomState(), { error: 'offline' });
    state = classroomActions.classroomLoaded(state, { classroom });
    assert.equal(state.error, 'offline');
    state = classroomActions.studentReissued(state, { nickname: 'Ana', url: 'u' });
    assert.deepEqual(state.detail, { kind: 'reissued', nickname: 'Ana', url: 'u' });
    assert.equal(classroomActions.studentRemoved(state).detail, null);
    assert.deepEqual([classroomActions.classroomDeleted(state).deleted, classroomActions.classroomDeleted(state).detail], [true, null]);
  });

  test('the studio link carries the teacher token in the fragment; assignment classes drop blanks', () => {
    assert.equal(teacherStudioLink({ id: 'p/1' }, 't&1'), '/p/p%2F1#teacher=t%261');
    assert.deepEqual(assignmentClasses(' cats, ,dogs ,'), ['cats', 'dogs']);
  });
});

describe('classroom calls', () => {
  test('every call sends the teacher token; a change asks for the classroom again', async () => {
    const { calls, requests, state } = setUp({ [`GET ${base}`]: classroom });
    await calls.change({ join_open: false });
    assert.deepEqual(requests, [
      ['PATCH', base, 'teacher-token', { join_open: false }],
      ['GET', base, 'teacher-token', undefined],
    ]);
    assert.equal(state().classroom.name, 'Year 7');
  });

  test('a refused call is said, and nothing after it is asked', async () => {
    const { calls, requests, state } = setUp({ [`PATCH ${base}`]: new Error('retention too long') });
    await calls.change({ retention_days: 999 });
    assert.equal(requests.length, 1);
    assert.equal(state().error, 'retention too long');
  });

  test('moderating a project deletes the picture, then shows the project and the counts again', async () => {
    const project = { id: 'p1', title: 'Pets' };
    const { calls, requests, state } = setUp({
      'GET /api/projects/p1/samples?per_page=500': { samples: [{ id: 's2' }] },
      'GET /api/projects/p1/shares': { shares: [{ token: 'k', state: 'pending' }] },
      [`GET ${base}`]: classroom,
    });
    await calls.deletePicture(project, 's1');
    assert.deepEqual(requests[0].slice(0, 2), ['DELETE', '/api/projects/p1/samples/s1']);
    assert.deepEqual(state().detail, { kind: 'project', project, samples: [{ id: 's2' }], shares: [{ token: 'k', state: 'pending' }] });
    await calls.approveLink(project, 'k');
    assert.ok(requests.some(([method, url]) => method === 'POST' && url === '/api/shares/k/approve'));
  });

  test('removing a student asks first; a reissued link is shown in full', async () => {
    const student = { id: 'st1', nickname: 'Ana' };
    const refused = setUp({}, { confirmed: false });
    await refused.calls.removeStudent(student);
    assert.deepEqual(refused.requests, []);
    const { calls, requests, state } = setUp({ [`POST ${base}/students/st1/reissue`]: { student_url: '/student#student=new' }, [`GET ${base}`]: classroom });
    await calls.reissueStudent(student);
    assert.deepEqual(state().detail, { kind: 'reissued', nickname: 'Ana', url: 'https://school/student#student=new' });
    await calls.removeStudent(student);
    assert.equal(state().detail, null);
    assert.deepEqual(requests.map((r) => r[0]), ['POST', 'DELETE', 'GET']);
  });

  test('an assignment goes with its classes split; the class zip is saved; a deleted classroom says so', async () => {
    const { calls, requests, saved, state } = setUp({ [`GET ${base}/archive`]: 'zip-blob' });
    assert.equal(await calls.addAssignment({ title: ' Pets ', instructions: 'Snap them', classes: 'cats, dogs' }), true);
    assert.deepEqual(requests[0][3], { title: 'Pets', instructions: 'Snap them', classes: ['cats', 'dogs'] });
    await calls.exportClass();
    assert.deepEqual(saved, [['zip-blob', 'class.zip']]);
    await calls.deleteClassroom();
    assert.equal(state().deleted, true);
  });

  test('a new teacher link asks first, is shown once, and every later call uses it', async () => {
    const refused = setUp({}, { confirmed: false });
    assert.equal(await refused.calls.newTeacherLink(), null);
    assert.deepEqual(refused.requests, []);
    const fresh = { teacher_token: 'new-token', teacher_url: '/classroom/c%201#teacher=new-token' };
    const { calls, requests, state } = setUp({ [`POST ${base}/teacher-link`]: fresh, [`GET ${base}`]: classroom });
    assert.deepEqual(await calls.newTeacherLink(), fresh);
    assert.equal(state().token, 'new-token');
    assert.deepEqual(state().detail, { kind: 'teacherLink', url: 'https://school/classroom/c%201#teacher=new-token' });
    await calls.refresh();
    assert.deepEqual(requests.map((r) => [r[0], r[2]]), [['POST', 'teacher-token'], ['GET', 'new-token']]);
  });

  test('remembering is off until asked, and follows what the page is told', () => {
    let state = initialClassroomState({ token: 't' });
    assert.equal(state.remembered, false);
    state = classroomActions.rememberedChanged(state, { remembered: true });
    assert.equal(state.remembered, true);
    assert.equal(classroomActions.rememberedChanged(state, { remembered: false }).remembered, false);
  });
});
