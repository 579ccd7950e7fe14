import assert from 'node:assert/strict';
import { test } from 'node:test';

import { ApiError } from '../api.js';
import { attemptShowing, classStudioLink, createClassProjectCalls, drawOnChange, followLive, picturesOf, startable, viewKey } from '../classProjects.js';

const view = (changes = {}) => ({
  id: 'cp1',
  let_all_through: false,
  classes: [
    { id: 'c1', name: 'Cats', sample_count: 2 },
    { id: 'c2', name: 'Dogs', sample_count: 1 },
  ],
  pictures: [
    { id: 's1', class_id: 'c1', approved: false, image_url: '/a?sig=1' },
    { id: 's2', class_id: 'c2', approved: true, image_url: '/b?sig=1' },
    { id: 's3', class_id: 'c1', approved: true, image_url: '/c?sig=1' },
  ],
  ...changes,
});

test('the calls carry the token the page holds now', async () => {
  const sent = [];
  let token = 'old';
  const calls = createClassProjectCalls(async (method, url, options) => sent.push({ method, url, ...options }), () => token);
  await calls.letThrough('cp 1', 's1');
  token = 'new';
  await calls.removeStudent('cp1', 'st/2');
  await calls.add('cp1', 'c1', [new Blob(['x'], { type: 'image/png' })]);
  assert.deepEqual(sent.slice(0, 2).map(({ method, url, token: used }) => [method, url, used]), [
    ['POST', '/api/class-projects/cp%201/samples/s1/approve', 'old'],
    ['DELETE', '/api/class-projects/cp1/students/st%2F2/pictures', 'new'],
  ]);
  const form = sent[2].body;
  assert.equal(form.get('class_id'), 'c1');
  assert.equal(form.getAll('file').length, 1);
});

test('a class project opens in the studio with the teacher token as #class=', () => {
  assert.equal(classStudioLink('p 1', 'to/ken'), '/p/p%201#class=to%2Fken');
});

test('a class shows its own pictures in the order the server gave', () => {
  assert.deepEqual(picturesOf(view(), 'c1').map((p) => p.id), ['s1', 's3']);
});

test('only assignments without a class project can start one', () => {
  const assignments = [{ id: 'a1' }, { id: 'a2' }];
  assert.deepEqual(startable(assignments, [{ assignment_id: 'a1' }]), [{ id: 'a2' }]);
});

test('a refresh that changes nothing shown draws nothing again, new signatures included', () => {
  const list = { children: [], append(el) { this.children.push(el); } };
  const drawn = new Map();
  let renders = 0;
  const el = () => ({ replaceChildren() {} });
  const render = () => {
    renders += 1;
    return [];
  };
  assert.equal(drawOnChange(list, drawn, view(), render, el), true);
  const resigned = view({ pictures: view().pictures.map((p) => ({ ...p, image_url: `${p.image_url}2` })) });
  assert.equal(drawOnChange(list, drawn, resigned, render, el), false);
  const approved = view({ pictures: view().pictures.map((p) => ({ ...p, approved: true })) });
  assert.equal(drawOnChange(list, drawn, approved, render, el), true);
  assert.equal(drawOnChange(list, drawn, view({ let_all_through: true }), render, el), true);
  assert.equal(renders, 3);
  assert.equal(list.children.length, 1);
  assert.notEqual(viewKey(view()), viewKey(view({ classes: [{ id: 'c1', name: 'Cats', sample_count: 3 }] })));
});

test('following live stops once the classroom or the link is over, not on a hiccup', async () => {
  const answers = [new Error('network'), new ApiError({ status: 500 }), new ApiError({ status: 410 })];
  let tick;
  const poller = (f) => {
    tick = f;
    return { start() {}, stop() {} };
  };
  let calls = 0;
  followLive(async () => {
    calls += 1;
    if (calls === 1) return true; // the first ask, made at once
    throw answers[calls - 2];
  }, { poller });
  assert.equal(await tick(), true); // a network hiccup
  assert.equal(await tick(), true);
  assert.equal(await tick(), false);
});

test('a failed action shows its reason and answers null', async () => {
  const message = { textContent: 'old' };
  const attempt = attemptShowing(message);
  assert.equal(await attempt(async () => 5), 5);
  assert.equal(message.textContent, '');
  assert.equal(await attempt(async () => {
    throw new ApiError({ status: 409, detail: 'Already started.' });
  }), null);
  assert.match(message.textContent, /Already started\./);
});
