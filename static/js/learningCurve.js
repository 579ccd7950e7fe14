// "How many pictures do I need?": accuracy against pictures per class, from cached embeddings.
// Each point trains on k random pictures of every class and scores the rest, several times over
// with different draws: the mean and the spread. The classifier is the nearest class mean on
// the head's preprocessed embeddings: where the studio's training starts from, and fast enough
// for a whole curve in well under a second. Pure: no DOM, no TF.js.

import { seededRandom, shuffleInPlace } from './dataset.js';

export const CURVE_SIZES = Object.freeze([1, 2, 5, 10, 20, 50, 100, 200, 500]);
export const CURVE_REPEATS = 8;

/** The pictures-per-class points a project can show: each leaves at least one to score. */
export function curveSizes(smallestClass, sizes = CURVE_SIZES) {
  return sizes.filter((k) => k < smallestClass);
}

/**
 * rows: Float32Array(count * dim) of preprocessed embeddings, labels: class index per row.
 * Returns [{perClass, mean, spread, min, max, runs: [accuracy, ...]}], one per size.
 */
export function learningCurve(rows, labels, numClasses, dim, options = {}) {
  const steps = learningCurveSteps(rows, labels, numClasses, dim, options);
  let next = steps.next();
  while (!next.done) next = steps.next();
  return next.value;
}

/** learningCurve as a generator that yields after each run, so the page stays responsive. */
export function* learningCurveSteps(rows, labels, numClasses, dim, { sizes, repeats = CURVE_REPEATS, seed = 0 } = {}) {
  const byClass = Array.from({ length: numClasses }, () => []);
  labels.forEach((label, row) => {
    byClass[label].push(row);
  });
  const present = byClass.filter((list) => list.length > 0);
  const smallest = Math.min(...present.map((list) => list.length));
  const chosen = sizes ?? curveSizes(smallest);
  const random = seededRandom(seed);
  const curve = [];
  for (const perClass of chosen) {
    const runs = [];
    for (let repeat = 0; repeat < repeats; repeat += 1) {
      const train = [];
      const test = [];
      for (const list of present) {
        const shuffled = shuffleInPlace([...list], random);
        train.push(...shuffled.slice(0, perClass));
        test.push(...shuffled.slice(perClass));
      }
      runs.push(nearestMeanAccuracy(rows, labels, numClasses, dim, train, test));
      yield;
    }
    const mean = runs.reduce((a, b) => a + b, 0) / runs.length;
    const spread = Math.sqrt(runs.reduce((a, b) => a + (b - mean) ** 2, 0) / runs.length);
    curve.push({ perClass, mean, spread, min: Math.min(...runs), max: Math.max(...runs), runs });
  }
  return curve;
}

function nearestMeanAccuracy(rows, labels, numClasses, dim, train, test) {
  const means = new Float64Array(numClasses * dim);
  const counts = new Int32Array(numClasses);
  for (const row of train) {
    counts[labels[row]] += 1;
    for (let i = 0; i < dim; i += 1) means[labels[row] * dim + i] += rows[row * dim + i];
  }
  for (let c = 0; c < numClasses; c += 1) {
    for (let i = 0; i < dim; i += 1) means[c * dim + i] /= Math.max(counts[c], 1);
  }
  let correct = 0;
  for (const row of test) {
    let best = -1;
    let bestDistance = Infinity;
    for (let c = 0; c < numClasses; c += 1) {
      if (!counts[c]) continue;
      let distance = 0;
      for (let i = 0; i < dim; i += 1) distance += (rows[row * dim + i] - means[c * dim + i]) ** 2;
      if (distance < bestDistance) {
        best = c;
        bestDistance = distance;
      }
    }
    if (best === labels[row]) correct += 1;
  }
  return test.length ? correct / test.length : 0;
}
