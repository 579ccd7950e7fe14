import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import {
  buildFinalTrainingSet,
  buildTrainingSet,
  checkTrainable,
  compareLabels,
  confusionMatrix,
  displayNames,
  labelIndex,
  labelsOf,
  overallAccuracy,
  perClassAccuracy,
  splitSamples,
  toMatrix,
  validationCount,
} from '../dataset.js';

const DIM = 4;

function vector(value) {
  return new Float32Array(DIM).fill(value);
}

// `sizes` maps class id -> number of samples; each sample's embedding holds its class id (and
// its number in the class last, so no two are alike) and its mirrored embedding the negated
// numbers, so a row tells where it came from.
function makeSamples(sizes, idPrefix = 's') {
  const samples = [];
  for (const [classId, size] of Object.entries(sizes)) {
    for (let i = 0; i < size; i += 1) {
      const embedding = vector(Number(classId));
      embedding[DIM - 1] = 1 + i;
      samples.push({
        id: `${idPrefix}${classId}-${i}`,
        classId: Number(classId),
        embedding,
        mirrored: embedding.map((value) => -value),
      });
    }
  }
  return samples;
}

const CLASSES = [
  { id: 1, name: 'Cat', position: 0 },
  { id: 2, name: 'Dog', position: 1 },
  { id: 3, name: 'Bird', position: 2 },
  { id: 4, name: 'Fish', position: 3 },
  { id: 5, name: 'Frog', position: 4 },
];

describe('train/validation split', () => {
  test('holds out about 15% of every class that has at least five samples, none otherwise', () => {
    const samples = makeSamples({ 1: 20, 2: 10, 3: 5, 4: 4, 5: 1 });
    const { train, validation } = splitSamples(CLASSES, samples, { seed: 7 });
    const held = (classId) => validation.filter((s) => s.classId === classId).length;
    assert.deepEqual([1, 2, 3, 4, 5].map(held), [3, 2, 1, 0, 0]);
    assert.equal(train.length + validation.length, samples.length);
    const trainIds = new Set(train.map((s) => s.id));
    assert.ok(validation.every((s) => !trainIds.has(s.id)));
  });

  test('every class with samples keeps at least one for training', () => {
    assert.equal(validationCount(5, { validationFraction: 0.5 }), 3);
    assert.equal(validationCount(2, { validationFraction: 0.9, minSamplesForValidation: 2 }), 1);
    assert.equal(validationCount(100), 15);
    assert.equal(validationCount(4), 0);
  });

  test('is the same for the same seed whatever the order of the samples', () => {
    const samples = makeSamples({ 1: 30, 2: 30 });
    const first = splitSamples(CLASSES, samples, { seed: 3 });
    const again = splitSamples(CLASSES, [...samples].reverse(), { seed: 3 });
    const ids = (list) => list.map((s) => s.id).sort();
    assert.deepEqual(ids(again.validation), ids(first.validation));
    const other = splitSamples(CLASSES, samples, { seed: 4 });
    assert.notDeepEqual(ids(other.validation), ids(first.validation));
  });

  test('adding a sample moves at most one other sample between train and validation', () => {
    const samples = makeSamples({ 1: 30 });
    const before = new Set(splitSamples(CLASSES, samples).validation.map((s) => s.id));
    const extra = { id: 'new', classId: 1, embedding: vector(1) };
    const after = splitSamples(CLASSES, [...samples, extra]).validation.map((s) => s.id);
    const moved = [...before].filter((id) => !after.includes(id));
    assert.ok(moved.length <= 1);
  });

  test('leaves out unlabelled samples, samples of deleted classes and pending embeddings', () => {
    const samples = [
      ...makeSamples({ 1: 3, 2: 3 }),
      { id: 'loose', classId: null, embedding: vector(9) },
      { id: 'orphan', classId: 99, embedding: vector(9) },
      { id: 'pending', classId: 1, embedding: null },
    ];
    const { train, validation } = splitSamples(CLASSES, samples);
    assert.deepEqual(validation, []);
    const ids = train.map((s) => s.id).sort();
    assert.deepEqual(ids, ['s1-0', 's1-1', 's1-2', 's2-0', 's2-1', 's2-2']);
  });
});

describe('feature matrices', () => {
  test('mirrored embeddings are added to training rows only, never to validation', () => {
    const samples = makeSamples({ 1: 10, 2: 12 });
    const set = buildTrainingSet(CLASSES.slice(0, 2), samples, { seed: 1 });
    const validationCount = set.validation.count;
    assert.equal(validationCount, 2 + 2);
    assert.equal(set.train.count, 2 * (samples.length - validationCount));
    assert.ok(set.validation.mirroredRows.every((flag) => flag === 0));
    // Mirrored rows carry negative values in this fixture: none may reach validation.
    assert.ok(set.validation.features.every((value) => value > 0));
    const validationIds = new Set(set.validation.ids);
    assert.ok(set.train.ids.every((id) => !validationIds.has(id)));
    assert.equal(set.train.mirroredRows.filter((flag) => flag === 1).length, set.train.count / 2);
  });

  test('rows hold the embedding and the label index of their class', () => {
    const samples = [
      { id: 'dog', classId: 2, embedding: vector(2) },
      { id: 'cat', classId: 1, embedding: vector(1) },
    ];
    const matrix = toMatrix(samples, labelIndex(CLASSES));
    assert.equal(matrix.dim, DIM);
    assert.deepEqual([...matrix.labels], [1, 0]);
    assert.deepEqual([...matrix.features], [2, 2, 2, 2, 1, 1, 1, 1]);
    assert.deepEqual(matrix.ids, ['dog', 'cat']);
  });

  test('the final set holds every labelled picture with its mirror image, in a fixed order', () => {
    const loose = { id: 'loose', classId: null, embedding: vector(9) };
    const samples = [...makeSamples({ 1: 10, 2: 3 }), loose];
    const split = buildTrainingSet(CLASSES.slice(0, 2), samples);
    const final = buildFinalTrainingSet(CLASSES.slice(0, 2), samples);
    assert.ok(split.validation.count > 0);
    assert.equal(final.train.count, 2 * 13);
    const everyId = new Set([...split.train.ids, ...split.validation.ids]);
    assert.deepEqual(new Set(final.train.ids), everyId);
    assert.deepEqual(final.labels, split.labels);
    const shuffled = buildFinalTrainingSet(CLASSES.slice(0, 2), [...samples].reverse());
    assert.deepEqual(shuffled.train.ids, final.train.ids);
  });

  test('the final set depends on the pictures, not on their ids or the order they came in', () => {
    const first = buildFinalTrainingSet(CLASSES.slice(0, 2), makeSamples({ 1: 30, 2: 12 }));
    const reimported = makeSamples({ 1: 30, 2: 12 }, 'again').reverse();
    const again = buildFinalTrainingSet(CLASSES.slice(0, 2), reimported);
    assert.deepEqual(again.train.features, first.train.features);
    assert.deepEqual(again.train.labels, first.train.labels);
    assert.notDeepEqual(again.train.ids, first.train.ids);
  });

  test('mirroring can be turned off', () => {
    const set = buildTrainingSet(CLASSES.slice(0, 2), makeSamples({ 1: 3, 2: 3 }), {
      useMirrored: false,
    });
    assert.equal(set.train.count, 6);
  });

  test('embeddings of different sizes are refused', () => {
    const samples = [
      { id: 'a', classId: 1, embedding: vector(1) },
      { id: 'b', classId: 2, embedding: new Float32Array(DIM + 1) },
    ];
    assert.throws(() => toMatrix(samples, labelIndex(CLASSES)), /5-d embedding, expected 4/);
  });
});

describe('label bookkeeping', () => {
  const classes = [
    { id: 10, name: 'Rock', position: 1 },
    { id: 11, name: 'Paper', position: 0 },
    { id: 12, name: 'Scissors', position: 2 },
  ];

  test('labels follow the class positions', () => {
    assert.deepEqual([...labelIndex(classes)], [
      [11, 0],
      [10, 1],
      [12, 2],
    ]);
    assert.deepEqual(
      labelsOf(classes).map((label) => label.name),
      ['Paper', 'Rock', 'Scissors'],
    );
  });

  test('renaming a class keeps a trained head up to date and shows the new name', () => {
    const trained = labelsOf(classes);
    const renamed = classes.map((cls) => (cls.id === 10 ? { ...cls, name: 'Stone' } : cls));
    const status = compareLabels(trained, renamed);
    assert.equal(status.upToDate, true);
    assert.deepEqual(status.renamed, [{ id: 10, from: 'Rock', to: 'Stone' }]);
    assert.deepEqual(displayNames(trained, renamed), ['Paper', 'Stone', 'Scissors']);
  });

  test('moving a class changes the labels and makes the head stale', () => {
    const trained = labelsOf(classes);
    const moved = classes.map((cls) => (cls.id === 12 ? { ...cls, position: -1 } : cls));
    assert.deepEqual([...labelIndex(moved).keys()], [12, 11, 10]);
    const status = compareLabels(trained, moved);
    assert.equal(status.reordered, true);
    assert.equal(status.upToDate, false);
  });

  test('deleting or adding a class makes the head stale', () => {
    const trained = labelsOf(classes);
    const fewer = classes.filter((cls) => cls.id !== 11);
    assert.deepEqual([...labelIndex(fewer)], [
      [10, 0],
      [12, 1],
    ]);
    assert.deepEqual(compareLabels(trained, fewer), {
      upToDate: false,
      added: [],
      removed: [11],
      reordered: false,
      renamed: [],
    });
    assert.deepEqual(displayNames(trained, fewer), ['Paper', 'Rock', 'Scissors']);
    const more = [...classes, { id: 13, name: 'Lizard', position: 3 }];
    assert.deepEqual(compareLabels(trained, more).added, [13]);
  });
});

describe('whether the head can be trained', () => {
  const two = CLASSES.slice(0, 2);

  test('a project without classes needs two classes with samples', () => {
    assert.deepEqual(checkTrainable([], []).reasons, [
      { key: 'dataset.needTwoClasses', params: { count: 0 } },
    ]);
  });

  test('one class with samples and an empty one cannot be trained; both reasons say so', () => {
    const { trainable, reasons } = checkTrainable(two, makeSamples({ 1: 3 }));
    assert.equal(trainable, false);
    assert.deepEqual(reasons, [
      { key: 'dataset.needTwoClasses', params: { count: 1 } },
      { key: 'dataset.classEmpty', params: { classId: 2, name: 'Dog' } },
    ]);
  });

  test('an empty third class blocks training even when two classes have samples', () => {
    const { trainable, reasons } = checkTrainable(CLASSES.slice(0, 3), makeSamples({ 1: 2, 2: 2 }));
    assert.equal(trainable, false);
    assert.deepEqual(reasons, [
      { key: 'dataset.classEmpty', params: { classId: 3, name: 'Bird' } },
    ]);
  });

  test('samples still being embedded are waited for', () => {
    const samples = [...makeSamples({ 1: 2, 2: 2 }), { id: 'p', classId: 2, embedding: null }];
    assert.deepEqual(checkTrainable(two, samples).reasons, [
      { key: 'dataset.embeddingsPending', params: { count: 1 } },
    ]);
  });

  test('two classes with a sample each are enough; unlabelled samples do not count', () => {
    const unlabelled = { id: 'u', classId: null, embedding: vector(0) };
    const samples = [...makeSamples({ 1: 1, 2: 1 }), unlabelled];
    const { trainable, reasons, counts } = checkTrainable(two, samples);
    assert.equal(trainable, true);
    assert.deepEqual(reasons, []);
    assert.deepEqual(counts.get(1), { ready: 1, pending: 0 });
  });
});

describe('confusion matrix', () => {
  test('cells count predictions and keep the ids of the samples behind them', () => {
    const ids = ['a', 'b', 'c', 'd', 'e'];
    const confusion = confusionMatrix(3, [0, 0, 1, 1, 2], [0, 1, 1, 1, 0], ids);
    assert.deepEqual(confusion.counts, [
      [1, 1, 0],
      [0, 2, 0],
      [1, 0, 0],
    ]);
    assert.deepEqual(confusion.ids[0][1], ['b']);
    assert.deepEqual(confusion.ids[1][1], ['c', 'd']);
    assert.deepEqual(confusion.ids[2][0], ['e']);
  });

  test('per-class accuracy is null for a class with nothing to score', () => {
    const confusion = confusionMatrix(3, [0, 0, 1], [0, 1, 1]);
    assert.deepEqual(perClassAccuracy(confusion), [
      { correct: 1, total: 2, accuracy: 0.5 },
      { correct: 1, total: 1, accuracy: 1 },
      { correct: 0, total: 0, accuracy: null },
    ]);
    assert.equal(overallAccuracy(confusion), 2 / 3);
    assert.equal(overallAccuracy(confusionMatrix(2, [], [])), null);
  });
});
