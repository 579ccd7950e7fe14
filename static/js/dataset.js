// Pure dataset logic for the quick (in-browser) tier: no DOM, no TensorFlow.js.
//
// A class is {id, name, position?}; the label index of a class is its place in the ordered class
// list, so renaming a class keeps its label and moving or deleting one changes the labels (a head
// trained before that is stale; see compareLabels). A sample is
// {id, classId, embedding: Float32Array | null, mirrored?: Float32Array} where `mirrored` is the
// embedding of the horizontally flipped image. Samples whose classId is null or names no class are
// unlabelled and take no part in training; samples whose embedding is still being computed are
// counted as pending.

export const DEFAULT_SPLIT = Object.freeze({
  validationFraction: 0.15,
  // A class with fewer samples than this keeps all of them for training: with 2-4 pictures, one
  // held out would cost a large share of what the head can learn from, and say little.
  minSamplesForValidation: 5,
  seed: 0,
});

/** Classes sorted by position (then id), which is the label order. */
export function orderClasses(classes) {
  return [...classes].sort((a, b) => {
    const byPosition = (a.position ?? 0) - (b.position ?? 0);
    return byPosition !== 0 ? byPosition : compareIds(a.id, b.id);
  });
}

/** Map from class id to label index. */
export function labelIndex(classes) {
  return new Map(orderClasses(classes).map((cls, index) => [cls.id, index]));
}

/** The label list a trained head keeps: [{id, name}] in label order. */
export function labelsOf(classes) {
  return orderClasses(classes).map(({ id, name }) => ({ id, name }));
}

/**
 * How a head trained with `trainedLabels` relates to the classes now.
 * Renames only change the names shown (upToDate stays true); an added, removed or moved class
 * changes what the outputs mean, so the head must be retrained.
 */
export function compareLabels(trainedLabels, classes) {
  const current = labelsOf(classes);
  const currentIds = new Set(current.map((cls) => cls.id));
  const trainedIds = new Set(trainedLabels.map((cls) => cls.id));
  const added = current.filter((cls) => !trainedIds.has(cls.id)).map((cls) => cls.id);
  const removed = trainedLabels.filter((cls) => !currentIds.has(cls.id)).map((cls) => cls.id);
  const kept = current.filter((cls) => trainedIds.has(cls.id)).map((cls) => cls.id);
  const keptBefore = trainedLabels.filter((cls) => currentIds.has(cls.id)).map((cls) => cls.id);
  const reordered = kept.some((id, index) => id !== keptBefore[index]);
  const namesNow = new Map(current.map((cls) => [cls.id, cls.name]));
  const renamed = trainedLabels
    .filter((cls) => namesNow.has(cls.id) && namesNow.get(cls.id) !== cls.name)
    .map((cls) => ({ id: cls.id, from: cls.name, to: namesNow.get(cls.id) }));
  return {
    upToDate: added.length === 0 && removed.length === 0 && !reordered,
    added,
    removed,
    reordered,
    renamed,
  };
}

/** Names to show for a trained head's outputs: today's name of each class, else its old name. */
export function displayNames(trainedLabels, classes) {
  const namesNow = new Map(classes.map((cls) => [cls.id, cls.name]));
  return trainedLabels.map((cls) => namesNow.get(cls.id) ?? cls.name);
}

/** Per class id: {ready, pending} sample counts (ready = has an embedding). */
export function countSamples(classes, samples) {
  const counts = new Map(classes.map((cls) => [cls.id, { ready: 0, pending: 0 }]));
  for (const sample of samples) {
    const count = counts.get(sample.classId);
    if (!count) continue;
    if (sample.embedding) count.ready += 1;
    else count.pending += 1;
  }
  return counts;
}

/**
 * Whether the head can be trained now, and why not.
 * Returns {trainable, reasons, counts}; each reason is {key, params} for the page's translations:
 * - 'dataset.needTwoClasses' {count}: fewer than two classes have samples,
 * - 'dataset.classEmpty' {classId, name}: a class has no samples (train or delete it),
 * - 'dataset.embeddingsPending' {count}: some samples are still being embedded.
 */
export function checkTrainable(classes, samples) {
  const counts = countSamples(classes, samples);
  const reasons = [];
  const ordered = orderClasses(classes);
  const withSamples = ordered.filter((cls) => counts.get(cls.id).ready > 0).length;
  if (withSamples < 2) {
    reasons.push({ key: 'dataset.needTwoClasses', params: { count: withSamples } });
  }
  for (const cls of ordered) {
    const { ready, pending } = counts.get(cls.id);
    if (ready === 0 && pending === 0) {
      reasons.push({ key: 'dataset.classEmpty', params: { classId: cls.id, name: cls.name } });
    }
  }
  const pending = [...counts.values()].reduce((sum, count) => sum + count.pending, 0);
  if (pending > 0) {
    reasons.push({ key: 'dataset.embeddingsPending', params: { count: pending } });
  }
  return { trainable: reasons.length === 0, reasons, counts };
}

/** Number of validation samples for a class of n samples. */
export function validationCount(n, options = {}) {
  const { validationFraction, minSamplesForValidation } = { ...DEFAULT_SPLIT, ...options };
  if (n < minSamplesForValidation || validationFraction <= 0) return 0;
  return Math.min(n - 1, Math.max(1, Math.round(n * validationFraction)));
}

/**
 * Stratified train/validation split of the labelled samples that have embeddings.
 * Deterministic per seed and independent of the samples' order: each sample is ranked by a hash of
 * (seed, sample id) and the first validationCount(n) of each class are held out, so adding a
 * picture moves at most one other between train and validation instead of reshuffling the class.
 * The server's fine-tuning makes the same split (server/finetune/dataset.py), so both tiers are
 * scored on the same pictures. Returns {train, validation} as arrays of samples, grouped in label
 * order.
 */
export function splitSamples(classes, samples, options = {}) {
  const { seed } = { ...DEFAULT_SPLIT, ...options };
  const train = [];
  const validation = [];
  for (const members of samplesByClass(classes, samples).values()) {
    const ranked = members
      .map((sample) => ({ sample, rank: hashString(`${seed}:${sample.id}`) }))
      .sort((a, b) => a.rank - b.rank || compareIds(a.sample.id, b.sample.id))
      .map(({ sample }) => sample);
    const held = validationCount(ranked.length, options);
    validation.push(...ranked.slice(0, held));
    train.push(...ranked.slice(held));
  }
  return { train, validation };
}

/**
 * A fingerprint of a set of held-out pictures (sample ids), as the server's fine-tuning makes it
 * (server/finetune/dataset.py held_out_digest): the first 16 hex digits of SHA-256 of the sorted
 * ids joined by newlines. Equal digests mean two scores were measured on the same pictures.
 * Null where the browser offers no SubtleCrypto (a page not served over HTTPS or localhost).
 */
export async function heldOutDigest(ids) {
  if (!globalThis.crypto?.subtle) return null;
  const text = new TextEncoder().encode([...ids].sort().join('\n'));
  const hash = new Uint8Array(await crypto.subtle.digest('SHA-256', text));
  return [...hash.subarray(0, 8)].map((byte) => byte.toString(16).padStart(2, '0')).join('');
}

/**
 * Flat feature matrix of samples: {features: Float32Array(count * dim), labels: Int32Array,
 * ids, mirroredRows: Uint8Array (1 where the row is a mirrored copy), count, dim}.
 * With includeMirrored, each sample's mirrored embedding (when present) adds a row with the same
 * label; use it for training rows only, never for validation, or validation would score pictures
 * the head has already seen.
 */
export function toMatrix(samples, labels, { includeMirrored = false } = {}) {
  const rows = [];
  for (const sample of samples) {
    rows.push([sample, sample.embedding, 0]);
    if (includeMirrored && sample.mirrored) rows.push([sample, sample.mirrored, 1]);
  }
  const dim = rows.length > 0 ? rows[0][1].length : 0;
  const features = new Float32Array(rows.length * dim);
  const labelArray = new Int32Array(rows.length);
  const mirroredRows = new Uint8Array(rows.length);
  rows.forEach(([sample, vector, mirrored], row) => {
    if (vector.length !== dim) {
      throw new Error(`sample ${sample.id} has a ${vector.length}-d embedding, expected ${dim}`);
    }
    if (!labels.has(sample.classId)) throw new Error(`sample ${sample.id} has no class`);
    features.set(vector, row * dim);
    labelArray[row] = labels.get(sample.classId);
    mirroredRows[row] = mirrored;
  });
  return {
    features,
    labels: labelArray,
    ids: rows.map(([sample]) => sample.id),
    mirroredRows,
    count: rows.length,
    dim,
  };
}

/**
 * Everything the trainer needs: the label list, and train/validation matrices from one split.
 * Mirrored embeddings go into train only (useMirrored, default true).
 */
export function buildTrainingSet(classes, samples, options = {}) {
  const { useMirrored = true } = options;
  const labels = labelIndex(classes);
  const { train, validation } = splitSamples(classes, samples, options);
  return {
    labels: labelsOf(classes),
    train: toMatrix(train, labels, { includeMirrored: useMirrored }),
    validation: toMatrix(validation, labels),
  };
}

/**
 * The rows of the head the studio ships: every labelled picture that has an embedding (with its
 * mirror image, unless useMirrored is false), grouped in label order and, inside a class, ordered
 * by a hash of the embedding's numbers: the same pictures give the same rows in the same order
 * whatever their ids and the order they came in, so they train the same head.
 * Returns {labels, train} like buildTrainingSet, without validation rows.
 */
export function buildFinalTrainingSet(classes, samples, options = {}) {
  const { useMirrored = true } = options;
  const rows = [];
  for (const members of samplesByClass(classes, samples).values()) {
    // Equal ranks mean equal embeddings, whose rows are the same whichever comes first.
    const ranked = members
      .map((sample) => ({ sample, rank: hashFloats(sample.embedding) }))
      .sort((a, b) => a.rank - b.rank || compareIds(a.sample.id, b.sample.id))
      .map(({ sample }) => sample);
    rows.push(...ranked);
  }
  return {
    labels: labelsOf(classes),
    train: toMatrix(rows, labelIndex(classes), { includeMirrored: useMirrored }),
  };
}

// Labelled samples that have embeddings, per class id, in label order.
function samplesByClass(classes, samples) {
  const byClass = new Map(orderClasses(classes).map((cls) => [cls.id, []]));
  for (const sample of samples) {
    if (sample.embedding && byClass.has(sample.classId)) byClass.get(sample.classId).push(sample);
  }
  return byClass;
}

/**
 * Confusion matrix whose cells keep the sample ids behind them, so the page can show which
 * pictures were mistaken for which class. counts[actual][predicted], ids[actual][predicted].
 */
export function confusionMatrix(numClasses, actual, predicted, ids = []) {
  const counts = Array.from({ length: numClasses }, () => new Array(numClasses).fill(0));
  const cellIds = Array.from({ length: numClasses }, () =>
    Array.from({ length: numClasses }, () => []),
  );
  for (let i = 0; i < actual.length; i += 1) {
    counts[actual[i]][predicted[i]] += 1;
    if (ids[i] !== undefined) cellIds[actual[i]][predicted[i]].push(ids[i]);
  }
  return { counts, ids: cellIds };
}

/** Per label: {correct, total, accuracy} from a confusion matrix (accuracy null when total 0). */
export function perClassAccuracy(confusion) {
  return confusion.counts.map((row, label) => {
    const total = row.reduce((sum, n) => sum + n, 0);
    const correct = row[label];
    return { correct, total, accuracy: total > 0 ? correct / total : null };
  });
}

/** Fraction of correct predictions overall (null when there is nothing to score). */
export function overallAccuracy(confusion) {
  let correct = 0;
  let total = 0;
  confusion.counts.forEach((row, label) => {
    correct += row[label];
    total += row.reduce((sum, n) => sum + n, 0);
  });
  return total > 0 ? correct / total : null;
}

/** Seeded pseudo-random numbers in [0, 1) (mulberry32): same seed, same sequence. */
export function seededRandom(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** In-place Fisher-Yates shuffle driven by `random`; returns the array. */
export function shuffleInPlace(array, random) {
  for (let i = array.length - 1; i > 0; i -= 1) {
    const j = Math.floor(random() * (i + 1));
    [array[i], array[j]] = [array[j], array[i]];
  }
  return array;
}

// FNV-1a then murmur3's finaliser: cheap, and well mixed enough that nearby ids rank unrelatedly.
function hashString(text) {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i += 1) {
    hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  }
  return finalize(hash);
}

// The same over the bits of an embedding's numbers (32-bit words instead of characters).
function hashFloats(floats) {
  const words = new Uint32Array(floats.buffer, floats.byteOffset, floats.length);
  let hash = 0x811c9dc5;
  for (let i = 0; i < words.length; i += 1) {
    hash = Math.imul(hash ^ words[i], 0x01000193);
  }
  return finalize(hash);
}

function finalize(hash) {
  let mixed = Math.imul(hash ^ (hash >>> 16), 0x85ebca6b);
  mixed = Math.imul(mixed ^ (mixed >>> 13), 0xc2b2ae35);
  return (mixed ^ (mixed >>> 16)) >>> 0;
}

function compareIds(a, b) {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0;
}
