import assert from 'node:assert/strict';
import { test } from 'node:test';

import { classOnArrival, isQuotaError, uploadOutcome } from '../uploadRules.js';

const failed = (status) => Object.assign(new Error(`status ${status}`), { status });

test('an upload that got no answer, or was asked to try again, is retried', () => {
  assert.equal(uploadOutcome(new TypeError('Failed to fetch')), 'retry');
  for (const status of [408, 409, 429, 500, 502, 503, 504]) assert.equal(uploadOutcome(failed(status)), 'retry', status);
});

test('a project gone for this page (link revoked, student removed, classroom ended) drops its pictures', () => {
  for (const status of [401, 404, 410]) assert.equal(uploadOutcome(failed(status)), 'gone', status);
});

test('a picture the server refuses is refused, not retried forever', () => {
  for (const status of [400, 403, 413, 415, 422]) assert.equal(uploadOutcome(failed(status)), 'refused', status);
});

test('a full device is told apart from other storage errors', () => {
  assert.equal(isQuotaError(new DOMException('full', 'QuotaExceededError')), true);
  assert.equal(isQuotaError({ name: 'AbortError', inner: { name: 'QuotaExceededError' } }), true);
  assert.equal(isQuotaError(new DOMException('aborted', 'AbortError')), false);
  assert.equal(isQuotaError(undefined), false);
});

test('a waiting picture whose class was deleted meanwhile arrives unlabelled', () => {
  const classes = [{ id: 'a' }, { id: 'b' }];
  assert.equal(classOnArrival(classes, 'b'), 'b');
  assert.equal(classOnArrival(classes, 'gone'), null);
  assert.equal(classOnArrival(classes, null), null);
});
