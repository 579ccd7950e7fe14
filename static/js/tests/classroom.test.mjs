// The teacher's dashboard: its state's rules, and its calls against a fake server.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { NOT_MODIFIED } from '../api.js';
import { createClassroomCalls, PICTURES_PER_PAGE } from '../classroomCalls.js';
import { assignmentClasses, cardsLink, classroomActions, initialClassroomState, percent, rowChanges, teacherStudioLink } from '../classroomState.js';

// The calls around a fake `request`: answers by "METHOD url", records every call with its token.
function setUp(answers, { confirmed = true } = {}) {
  let state = initialClassroomState();
  const requests = [];
  const saved = [];
  const dispatched = [];
  const calls = createClassroomCalls({
    classroomId: 'c 1',
    token: 'teacher-token',
    request: async (method, url, options) => {
      requests.push([method, url, options.token, options.json, options.headers]);
      const answer = answers[`${method} ${url}`];
      if (answer instanceof Error) throw answer;
      return typeof answer === 'function' ? answer() : (answer ?? null);
    },
    dispatch: (name, detail) => {
      dispatched.push(name);
      state = classroomActions[name](state, detail);
    },
    confirm: () => confirmed,
    saveFile: (blob, name) => saved.push([blob, name]),
    absolute: (path) => `https://school${path}`,
  });
  return { calls, requests, saved, dispatched, state: () => state };
}

const base = '/api/classrooms/c%201';
const classroom = { name: 'Year 7', students: [], assignments: [] };

describe('classroom state', () => {
  test('a failure is kept until the next one; the open panel goes with a removed student or the classroom', () => {
    let state = classroomActions.failed(initialClassroomState(), { error: 'offline' });
    state = classroomActions.overviewLoaded(state, { overview: classroom });
    assert.equal(state.error, 'offline');
    state = classroomActions.studentReissued(state, { nickname: 'Ana', url: 'u' });
    assert.deepEqual(state.detail, { kind: 'reissued', nickname: 'Ana', url: 'u' });
    assert.equal(classroomActions.studentRemoved(state).detail, null);
    assert.deepEqual([classroomActions.classroomDeleted(state).deleted, classroomActions.classroomDeleted(state).detail], [true, null]);
  });

  test('the studio link carries the teacher token in the fragment; assignment classes drop blanks', () => {
    assert.equal(teacherStudioLink({ id: 'p/1' }, 't&1'), '/p/p%2F1#teacher=t%261');
    assert.equal(cardsLink('c/1', 't&1'), '/classroom/c%2F1/cards#teacher=t%261');
    assert.deepEqual(assignmentClasses(' cats, ,dogs ,'), ['cats', 'dogs']);
  });
});

describe('classroom calls', () => {
  test('every call sends the teacher token; a change asks for the classroom again', async () => {
    const { calls, requests, state } = setUp({ [`GET ${base}/overview`]: { ...classroom, etag: 'e' } });
    await calls.change({ join_open: false });
    assert.deepEqual(requests.map((r) => r.slice(0, 4)), [
      ['PATCH', base, 'teacher-token', { join_open: false }],
      ['GET', `${base}/overview`, 'teacher-token', undefined],
    ]);
    assert.equal(state().classroom.name, 'Year 7');
  });

  test('a refused call is said, and nothing after it is asked', async () => {
    const { calls, requests, state } = setUp({ [`PATCH ${base}`]: new Error('retention too long') });
    await calls.change({ retention_days: 999 });
    assert.equal(requests.length, 1);
    assert.equal(state().error, 'retention too long');
  });

  test('the class at a glance is asked with its etag: a 304 dispatches nothing, a change draws it', async () => {
    const overview = { ...classroom, etag: 'e1', students: [] };
    let answer = overview;
    const { calls, requests, state, dispatched } = setUp({ [`GET ${base}/overview`]: () => answer });
    await calls.refresh();
    assert.equal(state().overview, overview);
    assert.equal(state().classroom.name, 'Year 7', 'the classroom comes with it');
    answer = NOT_MODIFIED;
    const before = dispatched.length;
    await calls.refresh();
    assert.equal(state().overview, overview);
    assert.deepEqual(dispatched.slice(before), [], 'nothing is drawn again');
    const asked = requests.filter(([, url]) => url === `${base}/overview`).map((r) => r[4]);
    assert.deepEqual(asked, [{}, { 'If-None-Match': '"e1"' }]);
  });

  test('a moderation deletes, approves or refuses, then asks again; the open pictures page follows a change', async () => {
    let etag = 'e1';
    const { calls, requests, state } = setUp({
      [`GET ${base}/overview`]: () => ({ ...classroom, etag, students: [] }),
      [`GET ${base}/pictures?page=2&per_page=${PICTURES_PER_PAGE}`]: { total: 60, per_page: PICTURES_PER_PAGE, pictures: [{ id: 's9' }] },
    });
    await calls.openPictures(2);
    assert.deepEqual(state().pictures, { page: 2, perPage: PICTURES_PER_PAGE, total: 60, pictures: [{ id: 's9' }] });
    etag = 'e2';
    await calls.deletePicture('p 1', 's1');
    await calls.approveLink('k');
    await calls.refuseLink('k');
    const writes = requests.filter(([method]) => method !== 'GET').map((r) => r.slice(0, 2));
    assert.deepEqual(writes, [['DELETE', '/api/projects/p%201/samples/s1'], ['POST', '/api/shares/k/approve'], ['DELETE', '/api/shares/k']]);
    // The pictures page is asked again once, after the class changed (e1 -> e2), not after each call.
    assert.equal(requests.filter(([, url]) => url.startsWith(`${base}/pictures`)).length, 2);
    calls.closePictures();
    assert.equal(state().pictures, null);
  });

  test('rows are drawn again only when new or changed, and removed when their student is gone', () => {
    const shown = new Map([['a', 'e1'], ['b', 'e2'], ['gone', 'e3']]);
    const students = [{ id: 'a', etag: 'e1' }, { id: 'b', etag: 'e2*' }, { id: 'new', etag: 'e4' }];
    assert.deepEqual(rowChanges(shown, students), { draw: ['b', 'new'], remove: ['gone'] });
    assert.deepEqual([percent(0.875), percent(null), percent(undefined), percent(1)], [88, null, null, 100]);
  });

  test('removing a student asks first; a reissued link is shown in full', async () => {
    const student = { id: 'st1', nickname: 'Ana' };
    const refused = setUp({}, { confirmed: false });
    await refused.calls.removeStudent(student);
    assert.deepEqual(refused.requests, []);
    const { calls, requests, state } = setUp({ [`POST ${base}/students/st1/reissue`]: { student_url: '/student#student=new' }, [`GET ${base}/overview`]: { ...classroom, etag: 'e' } });
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
    const { calls, requests, state } = setUp({ [`POST ${base}/teacher-link`]: fresh, [`GET ${base}/overview`]: { ...classroom, etag: 'e' } });
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
