import assert from 'node:assert/strict';
import { test } from 'node:test';

import { createSaving } from '../../studio/saving.js';
import { createUseInScratch, scratchLinkFor } from '../../studio/useInScratch.js';
import { fakeApi, projectStore } from './fakes.mjs';

const ORIGIN = 'http://school.local:5000';
const v1 = { id: 'v1', number: 1, published: true };
const v2 = { id: 'v2', number: 2, published: false };
const link = (token, state, { pinned = null, shows = null } = {}) => ({
  token,
  url: `/s/${token}`,
  state,
  follows_published: pinned === null,
  model: pinned && { id: pinned.id, number: pinned.number },
  shows: shows && { id: shows.id, number: shows.number },
});

test('the link used is an active one showing the version, else one waiting for approval', () => {
  const follows = link('f', 'active', { shows: v1 });
  const pinned2 = link('p', 'active', { pinned: v2, shows: v2 });
  assert.deepEqual(scratchLinkFor(v1, [pinned2, follows]), { link: follows });
  assert.deepEqual(scratchLinkFor(v2, [follows, pinned2]), { link: pinned2 });
  assert.deepEqual(scratchLinkFor(v2, [follows]), {}, 'a link following v1 never shows v2');
  const revoked = link('r', 'revoked', { pinned: v2 });
  assert.deepEqual(scratchLinkFor(v2, [revoked]), {});
  const waiting = link('w', 'pending', { pinned: v2 });
  assert.deepEqual(scratchLinkFor(v2, [revoked, waiting]), { pending: waiting });
  const waitingFollows = link('wf', 'pending');
  assert.deepEqual(scratchLinkFor(v1, [waitingFollows]), { pending: waitingFollows });
  assert.deepEqual(scratchLinkFor(v2, [waitingFollows]), {});
});

function setUp({ shares = [], created = null, opens = true }) {
  const store = projectStore();
  const answers = { shares };
  const api = fakeApi({
    listModels: () => ({ models: [v1, v2] }),
    listShares: () => answers,
    createShare: () => {
      answers.shares = [created, ...shares];
      return created;
    },
  });
  store.dispatch('versionsLoaded', { versions: [v1, v2], shares });
  const saving = createSaving({ store, api, models: {}, saveFile: () => {}, confirm: () => true });
  const opened = [];
  const useInScratch = createUseInScratch({ store, saving, origin: ORIGIN, open: (url) => opened.push(url) && opens });
  return { store, api, opened, useInScratch };
}

const editorLink = (url) => Object.fromEntries(new URLSearchParams(new URL(url, ORIGIN).hash.slice(1)));

test("a version with a link opens the editor on the link's Teachable Machine folder and the project", async () => {
  const { api, opened, store, useInScratch } = setUp({ shares: [link('abc', 'active', { shows: v1 })] });
  await useInScratch('v1');
  assert.equal(opened.length, 1);
  assert.equal(new URL(opened[0], ORIGIN).pathname, '/blocks/');
  assert.deepEqual(editorLink(opened[0]), { model: `${ORIGIN}/s/abc/tm/`, project: 'p1' });
  assert.equal(api.calls.filter((c) => c[0] === 'createShare').length, 0, 'no second link');
  assert.equal(store.state.notice, null);
});

test('a version without a link gets one pinned to it, then opens, and the student is told', async () => {
  const created = link('new', 'active', { pinned: v2, shows: v2 });
  const { api, opened, store, useInScratch } = setUp({ shares: [link('abc', 'active', { shows: v1 })], created });
  await useInScratch('v2');
  assert.deepEqual(api.calls.find((c) => c[0] === 'createShare'), ['createShare', 'v2', { follow_published: false, expires_in_days: undefined }]);
  assert.deepEqual(editorLink(opened[0]).model, `${ORIGIN}/s/new/tm/`);
  assert.deepEqual(store.state.notice, { key: 'scratch.linkMade', params: { number: 2 }, action: null });
});

test("a classroom student's link waiting for approval is said so, and nothing opens", async () => {
  const created = link('w', 'pending', { pinned: v2 });
  const { opened, store, useInScratch } = setUp({ created });
  await useInScratch('v2');
  assert.deepEqual(opened, []);
  assert.deepEqual(store.state.notice, { key: 'scratch.pending', params: { number: 2 }, action: null });
  // Asked again, the waiting link is not doubled.
  const again = setUp({ shares: [created] });
  await again.useInScratch('v2');
  assert.equal(again.api.calls.filter((c) => c[0] === 'createShare').length, 0);
  assert.equal(again.store.state.notice.key, 'scratch.pending');
});

test('a tab the browser blocked leaves the address to open by hand', async () => {
  const { store, useInScratch } = setUp({ shares: [link('abc', 'active', { shows: v1 })], opens: false });
  await useInScratch('v1');
  assert.equal(store.state.notice.key, 'scratch.blocked');
  assert.equal(editorLink(store.state.notice.params.url).model, `${ORIGIN}/s/abc/tm/`);
});
