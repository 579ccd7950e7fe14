import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';

import * as tf from '@tensorflow/tfjs';

import {
  DEFAULT_SETTINGS,
  LARGE_SET_ROWS,
  argmaxRows,
  deserializeHead,
  predict,
  predictBatch,
  serializeHead,
  settingsForRows,
  trainHead,
  trainProjectHead,
} from '../trainer.js';
import { BLOB_CLASSES as CLASSES, BLOB_DIM as DIM, blobProblem, blobs } from './gaussianClasses.mjs';

const { training: train, validation, problem } = blobProblem(tf);

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

  test('trains any number of rows in whole batches, never gathering rows per step', async () => {
    let steps = 0;
    const counting = {
      ...tf,
      gather: () => assert.fail('trainHead gathered rows'),
      train: {
        ...tf.train,
        adam: (rate) => {
          const optimizer = tf.train.adam(rate);
          const applyGradients = optimizer.applyGradients.bind(optimizer);
          optimizer.applyGradients = (gradients) => {
            steps += 1;
            return applyGradients(gradients);
          };
          return optimizer;
        },
      },
    };
    const rows = train.labels.length;
    await trainHead({ ...problem, tf: counting, settings: { epochs: 3 } });
    assert.ok(DEFAULT_SETTINGS.batchSize >= 16384, 'the default takes any project whole');
    assert.equal(steps, 3, 'one full-batch step per epoch');
    steps = 0;
    const { metrics } = await trainHead({ ...problem, tf: counting, settings: { batchSize: 16 } });
    assert.equal(steps, DEFAULT_SETTINGS.epochs * Math.ceil(rows / 16));
    assert.ok(metrics.valAccuracy > 0.95, `validation accuracy ${metrics.valAccuracy}`);
  });

  test('the same rows and settings give the same head', async () => {
    for (const settings of [{ epochs: 5 }, { epochs: 5, batchSize: 16 }]) {
      const first = await trainHead({ ...problem, settings });
      const again = await trainHead({ ...problem, settings });
      assert.deepEqual(again.head, first.head);
    }
  });

  test('refuses labels outside the classes', async () => {
    const labels = Int32Array.from(train.labels);
    labels[0] = CLASSES;
    await assert.rejects(trainHead({ ...problem, labels }), /label 3 out of range/);
  });
});

// The studio's samples for blobs: ids from `prefix`, class ids 10, 11, 12, and a mirror image
// that is a second draw of the same class.
const PROJECT_CLASSES = [0, 1, 2].map((i) => ({ id: 10 + i, name: `class ${i}`, position: i }));
function projectSamples(perClass, prefix) {
  const pictures = blobs(perClass, 5);
  const mirrors = blobs(perClass, 6);
  return Array.from(pictures.labels, (label, row) => ({
    id: `${prefix}${row}`,
    classId: 10 + label,
    embedding: pictures.features.subarray(row * DIM, (row + 1) * DIM),
    mirrored: mirrors.features.subarray(row * DIM, (row + 1) * DIM),
  }));
}

describe("the project's head", () => {
  test('learns from every picture; the held-out ones are scored by the check run', async () => {
    const samples = projectSamples(20, 'a');
    const events = [];
    const result = await trainProjectHead({
      classes: PROJECT_CLASSES,
      samples,
      settings: { epochs: 5 },
      tf,
      onEpoch: ({ epoch }) => events.push(`epoch ${epoch}`),
      onFinalRun: () => events.push('final'),
    });
    assert.deepEqual(events, ['epoch 0', 'epoch 1', 'epoch 2', 'epoch 3', 'epoch 4', 'final']);
    assert.equal(result.metrics.trainRows, 2 * samples.length, 'every picture and its mirror');
    const { head, rows } = result.validation;
    assert.equal(rows.count, 3 * 3, '15% of 20 pictures in each class');
    assert.notDeepEqual(result.head, head);
    const predicted = argmaxRows(predictBatch(head, rows.features, rows.count), CLASSES);
    const correct = predicted.filter((label, i) => label === rows.labels[i]).length;
    assert.equal(correct / rows.count, result.history.at(-1).valAccuracy);
    assert.deepEqual(
      result.labels.map((label) => label.id),
      [10, 11, 12],
    );
  });

  test('the same pictures imported again, in another order, train the same head', async () => {
    const first = await trainProjectHead({
      classes: PROJECT_CLASSES,
      samples: projectSamples(12, 'a'),
      settings: { epochs: 5 },
      tf,
    });
    const again = await trainProjectHead({
      classes: PROJECT_CLASSES,
      samples: projectSamples(12, 'b').reverse(),
      settings: { epochs: 5 },
      tf,
    });
    assert.deepEqual(again.head, first.head, 'the head it ships');
  });

  test('with too few pictures to hold any out, trains once on all of them', async () => {
    let finalRuns = 0;
    const result = await trainProjectHead({
      classes: PROJECT_CLASSES,
      samples: projectSamples(3, 'a'),
      settings: { epochs: 3 },
      tf,
      onFinalRun: () => {
        finalRuns += 1;
      },
    });
    assert.equal(finalRuns, 0);
    assert.equal(result.validation, null);
    assert.equal(result.metrics.trainRows, 2 * 9);
    assert.equal(result.history.length, 3);
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


describe('large projects', () => {
  const defaults = { ...DEFAULT_SETTINGS };

  test('up to LARGE_SET_ROWS rows the recipe is unchanged', () => {
    assert.equal(settingsForRows(defaults, LARGE_SET_ROWS), defaults);
  });

  test('past it, the same 40 steps on batches of at most LARGE_SET_ROWS rows', () => {
    // 5,000 pictures with their mirror images, and the check run's 85 % of them.
    for (const [rows, batchSize, epochs] of [
      [10_000, 2000, 8],
      [8500, 1700, 8],
      [LARGE_SET_ROWS + 1, 1025, 20],
    ]) {
      const used = settingsForRows(defaults, rows);
      assert.deepEqual([used.batchSize, used.epochs], [batchSize, epochs]);
      assert.ok(Math.ceil(rows / used.batchSize) * used.epochs >= DEFAULT_SETTINGS.epochs);
      assert.ok(used.batchSize <= LARGE_SET_ROWS);
    }
  });

  test("a student's own epochs or batch size are kept as they are", () => {
    const mine = { ...defaults, epochs: 5 };
    assert.equal(settingsForRows(mine, 10_000), mine);
    const batches = { ...defaults, batchSize: 256 };
    assert.equal(settingsForRows(batches, 10_000), batches);
  });

  test('a large set trains in fewer passes and still learns', async () => {
    const large = blobs(Math.ceil((LARGE_SET_ROWS + 1) / CLASSES), 3);
    const { head, history } = await trainHead({ features: large.features, labels: large.labels, numClasses: CLASSES, tf });
    assert.equal(history.length, 20);
    const predicted = argmaxRows(predictBatch(head, validation.features), CLASSES);
    const correct = predicted.filter((label, row) => label === validation.labels[row]).length;
    assert.equal(correct, validation.labels.length);
  });
});
