import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';

import { pictureDigest } from '../digest.js';

test('a picture is named by the SHA-256 of its bytes, in hex, as the server names it', async () => {
  const bytes = Uint8Array.of(0xff, 0xd8, 0xff, 0xe0, 1, 2, 3);
  assert.equal(await pictureDigest(new Blob([bytes])), createHash('sha256').update(bytes).digest('hex'));
});
