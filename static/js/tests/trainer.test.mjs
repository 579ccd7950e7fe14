import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';

import * as tf from '@tensorflow/tfjs';

import { seededRandom } from '../dataset.js';
import {
  DEFAULT_SETTINGS,
  argmaxRows,
  deserializeHead,
  predict,
  predictBatch,
  serializeHead,
  trainHead,
} from '../trainer.js';

const DIM = 32;
const CLASSES = 3;

// Gaussian blobs around well separated class centres: any working head gets them right.
function blobs(perClass, seed, noise = 0.5) {
  const random = seededRandom(seed);
  const centres = seededRandom(99);
  const centre = Array.from({ length: CLASSES }, () =>
    Float32Array.from({ length: DIM }, () => 4 * (centres() - 0.5)),
  );
  const gaussian = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  const count = perClass * CLASSES;
  const features = new Float32Array(count * DIM);
  const labels = new Int32Array(count);
  for (let row = 0; row < count; row += 1) {
    labels[row] = row % CLASSES;
    for (let d = 0; d < DIM; d += 1) {
      features[row * DIM + d] = centre[labels[row]][d] + noise * gaussian();
    }
  }
  return { features, labels };
}

const train = blobs(40, 1);
const validation = blobs(20, 2);
const problem = {
  features: train.features,
  labels: train.labels,
  numClasses: CLASSES,
  valFeatures: validation.features,
  valLabels: validation.labels,
  tf,
};

before(async () => {
  await tf.setBackend('cpu');
  await tf.ready();
});

describe('Snapclass head', () => {
  test('learns a separable problem quickly and reports every epoch', async () => {
    const epochs = [];
    const started = performance.now();
    const { head, history, metrics } = await trainHead({
      ...problem,
      onEpoch: (logs) => epochs.push(logs),
    });
    assert.ok(performance.now() - started < 10_000);
    assert.equal(epochs.length, DEFAULT_SETTINGS.epochs);
    assert.deepEqual(
      epochs.map((logs) => logs.epoch),
      Array.from({ length: DEFAULT_SETTINGS.epochs }, (_, i) => i),
    );
    for (const logs of epochs) {
      for (const key of ['loss', 'accuracy', 'valLoss', 'valAccuracy']) {
        assert.ok(Number.isFinite(logs[key]), `${key} is a number`);
      }
    }
    assert.deepEqual(history, epochs);
    assert.ok(metrics.valAccuracy > 0.95, `validation accuracy ${metrics.valAccuracy}`);
    assert.equal(metrics.backend, 'cpu');
    const predicted = argmaxRows(predictBatch(head, validation.features), CLASSES);
    const correct = predicted.filter((label, i) => label === validation.labels[i]).length;
    assert.ok(correct / predicted.length > 0.95);
  });

  test("takes the page's advanced settings", async () => {
    const { history } = await trainHead({
      ...problem,
      settings: { epochs: 3, batchSize: 16, learningRate: 0.05 },
    });
    assert.equal(history.length, 3);
  });

  test('works without validation rows', async () => {
    const { metrics } = await trainHead({ ...problem, valFeatures: null, valLabels: null });
    assert.equal(metrics.valAccuracy, null);
    assert.ok(metrics.accuracy > 0.95);
  });

  test('gives the page a turn between epochs', async () => {
    let ticks = 0;
    const timer = setInterval(() => {
      ticks += 1;
    }, 0);
    const seen = [];
    try {
      await trainHead({ ...problem, settings: { epochs: 5 }, onEpoch: () => seen.push(ticks) });
    } finally {
      clearInterval(timer);
    }
    assert.ok(seen.at(-1) > seen[0], `timer ticks per epoch: ${seen}`);
  });

  test('can be cancelled, and leaves no tensors behind', async () => {
    const tensorsBefore = tf.memory().numTensors;
    const controller = new AbortController();
    const seen = [];
    await assert.rejects(
      trainHead({
        ...problem,
        signal: controller.signal,
        onEpoch: ({ epoch }) => {
          seen.push(epoch);
          if (epoch === 2) controller.abort();
        },
      }),
      { name: 'AbortError' },
    );
    assert.deepEqual(seen, [0, 1, 2]);
    assert.equal(tf.memory().numTensors, tensorsBefore);
  });

  test('leaves no tensors behind', async () => {
    const tensorsBefore = tf.memory().numTensors;
    await trainHead({ ...problem, settings: { epochs: 3, batchSize: 32 } });
    assert.equal(tf.memory().numTensors, tensorsBefore);
  });

  test('refuses labels outside the classes', async () => {
    const labels = Int32Array.from(train.labels);
    labels[0] = CLASSES;
    await assert.rejects(trainHead({ ...problem, labels }), /label 3 out of range/);
  });
});

describe('predictions', () => {
  let head;
  before(async () => {
    ({ head } = await trainHead({ ...problem, settings: { epochs: 5 } }));
  });

  test('are probabilities that sum to one', () => {
    const probabilities = predict(head, validation.features.subarray(0, DIM));
    assert.equal(probabilities.length, CLASSES);
    assert.ok(probabilities.every((p) => p >= 0 && p <= 1));
    assert.ok(Math.abs(probabilities.reduce((s, p) => s + p, 0) - 1) < 1e-5);
  });

  test("agree with the trainer's own validation scores", async () => {
    const hard = blobs(30, 3, 4);
    for (const preprocess of ['sqrt-l2', 'l2', 'none']) {
      const { head: trained, metrics } = await trainHead({
        ...problem,
        valFeatures: hard.features,
        valLabels: hard.labels,
        settings: { epochs: 3, preprocess },
      });
      const predicted = argmaxRows(predictBatch(trained, hard.features), CLASSES);
      const correct = predicted.filter((label, i) => label === hard.labels[i]).length;
      assert.ok(metrics.valAccuracy < 1, 'the check needs some mistakes');
      assert.equal(correct / predicted.length, metrics.valAccuracy, preprocess);
    }
  });

  test('of one embedding match the batch', () => {
    const batch = predictBatch(head, validation.features.subarray(0, 2 * DIM));
    const second = predict(head, validation.features.subarray(DIM, 2 * DIM));
    assert.deepEqual([...batch.subarray(CLASSES)], [...second]);
  });

  test('are the same after the head is saved as JSON and restored', () => {
    const restored = deserializeHead(JSON.parse(JSON.stringify(serializeHead(head))));
    assert.deepEqual(
      [...predictBatch(restored, validation.features)],
      [...predictBatch(head, validation.features)],
    );
    assert.ok(restored.layers[0].kernel instanceof Float32Array);
  });

  test('a damaged saved head is refused', () => {
    const saved = serializeHead(head);
    assert.throws(() => deserializeHead({ ...saved, format: 'other' }), /not a Snapclass head/);
    const wrongShape = { ...saved, layers: [{ ...saved.layers[0], kernelShape: [DIM + 1, 3] }] };
    assert.throws(() => deserializeHead(wrongShape), /shape/);
    assert.throws(() => deserializeHead({ ...saved, preprocess: 'cube' }), /preprocess/);
  });
});

