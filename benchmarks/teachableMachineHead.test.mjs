import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';

import * as tf from '@tensorflow/tfjs';

import { BLOB_CLASSES as CLASSES, BLOB_DIM as DIM, blobProblem } from '../static/js/tests/gaussianClasses.mjs';
import { predict } from '../static/js/trainer.js';
import { TEACHABLE_MACHINE_SETTINGS, trainTeachableMachineHead } from './pages/teachableMachineHead.js';

const { validation, problem } = blobProblem(tf);

before(async () => {
  await tf.setBackend('cpu');
  await tf.ready();
});

describe('Teachable Machine recipe', () => {
  test("uses Teachable Machine's defaults", () => {
    assert.deepEqual(
      { ...TEACHABLE_MACHINE_SETTINGS, seed: undefined },
      { epochs: 50, batchSize: 16, learningRate: 0.001, denseUnits: 100, seed: undefined },
    );
  });

  test('is Dense 100 relu then softmax without bias, and leaves no tensors behind', async () => {
    const tensorsBefore = tf.memory().numTensors;
    const epochs = [];
    const { head } = await trainTeachableMachineHead({
      ...problem,
      settings: { epochs: 3 },
      onEpoch: (logs) => epochs.push(logs),
    });
    assert.equal(tf.memory().numTensors, tensorsBefore);
    assert.equal(epochs.length, 3);
    assert.ok(Number.isFinite(epochs[2].valAccuracy));
    const [hidden, output] = head.layers;
    assert.deepEqual(
      { units: hidden.units, activation: hidden.activation, shape: hidden.kernelShape },
      { units: 100, activation: 'relu', shape: [DIM, 100] },
    );
    assert.equal(hidden.bias.length, 100);
    assert.deepEqual(
      { units: output.units, activation: output.activation, shape: output.kernelShape },
      { units: CLASSES, activation: 'softmax', shape: [100, CLASSES] },
    );
    assert.equal(output.bias, null);
    assert.equal(head.preprocess, 'none');
    const probabilities = predict(head, validation.features.subarray(0, DIM));
    assert.ok(Math.abs(probabilities.reduce((s, p) => s + p, 0) - 1) < 1e-5);
  });

  test('can be cancelled, and leaves no tensors behind', async () => {
    const tensorsBefore = tf.memory().numTensors;
    const controller = new AbortController();
    const seen = [];
    await assert.rejects(
      trainTeachableMachineHead({
        ...problem,
        signal: controller.signal,
        onEpoch: ({ epoch }) => {
          seen.push(epoch);
          controller.abort();
        },
      }),
      { name: 'AbortError' },
    );
    assert.deepEqual(seen, [0]);
    assert.equal(tf.memory().numTensors, tensorsBefore);
  });
});
