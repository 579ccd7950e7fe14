import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { backboneInUse, finetuneDevice } from '../networkLines.js';
import { t } from '../strings.js';
import { backboneChoices } from '../studioState.js';

describe('which network a project uses, and why', () => {
  // As GET /api/backbones lists them: `kind` names the newest export of each architecture.
  const backbone = (id, architecture, kind, bytes) => ({ id, kind, download_bytes: bytes, metadata: { architecture } });
  const listed = [
    backbone('old-mobile', 'MobileNetV2', null, 1),
    backbone('effnet', 'EfficientNet-Lite0', 'moreAccurate', 6_718_476),
    backbone('mobile', 'MobileNetV2', 'faster', 4_428_040),
  ];

  test('one line says which model the project uses and why, in words from strings.js', () => {
    const choices = backboneChoices(listed);
    const accurate = backboneInUse(choices, 'effnet');
    assert.equal(accurate.key, 'backboneInUse.moreAccurate');
    assert.match(t(accurate.key, accurate.params), /^This project uses EfficientNet-Lite0, the more accurate model/);
    const faster = backboneInUse(choices, 'mobile');
    assert.match(t(faster.key, faster.params), /^This project uses MobileNetV2, the smaller download \(4\.4 MB\)/);
    assert.equal(backboneInUse(choices, 'old-mobile'), null);
  });
});

describe('where a fine-tuning job trains', () => {
  const said = (job) => {
    const line = finetuneDevice(job);
    return line && t(line.key, line.params);
  };
  // A job record as GET /api/jobs/<id> gives it, in the middle of its check run on a CPU.
  const running = {
    state: 'running',
    progress: { phase: 'training', device: 'cpu', run: 1, runs: 2, epoch: 3, epochs: 20, step: 2, steps: 4, batch_size: 16, images_per_second: 2 },
  };

  test("on a GPU the panel says so; on a CPU, about how many minutes are left at the measured speed", () => {
    assert.equal(said({ ...running, progress: { ...running.progress, device: 'gpu' } }), "on the server's GPU");
    // (17 epochs x 4 steps + 2 steps + a final run of 20 x 4) x 16 pictures / 2 a second = 1200 s.
    assert.equal(said(running), "on the server's CPU: about 20 minutes left");
    const nearlyDone = { ...running, progress: { ...running.progress, run: 2, epoch: 20, step: 3 } };
    assert.equal(said(nearlyDone), "on the server's CPU: about a minute left");
  });

  test('before the speed is known, and once done, the CPU without a time; nothing before the server says', () => {
    assert.equal(said({ state: 'running', progress: { phase: 'preparing', device: 'cpu' } }), "on the server's CPU");
    assert.equal(said({ state: 'succeeded', progress: {}, model: { metrics: { device: 'cpu' } } }), "on the server's CPU");
    assert.equal(said({ state: 'succeeded', progress: {}, model: { metrics: { device: 'gpu' } } }), "on the server's GPU");
    assert.equal(said({ state: 'queued', progress: { phase: 'queued' } }), null);
    assert.equal(said(null), null);
  });
});

