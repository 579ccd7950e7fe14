// The page side of the benchmarks (python -m benchmarks.*): embeds photos and trains heads with
// the studio's own modules, the way the studio calls them. Python drives it through
// page.evaluate and does the scoring. Only benchmarks/harness.py serves this page; the app never
// does.
import { chooseBackend } from '/static/js/backend.js';
import { loadBackbone } from '/static/js/backbone.js';
import { startWorkerPool } from '/static/js/offThread.js';
import {
  labelIndex,
  seededRandom,
  shuffleInPlace,
  toMatrix,
} from '/static/js/dataset.js';
import { DEFAULT_SETTINGS, argmaxRows, predictBatch, serializeHead, trainHead, trainProjectHead } from '/static/js/trainer.js';
import { trainTeachableMachineHead } from './teachableMachineHead.js';

const { tf } = globalThis;
// Teachable Machine's image library holds out ceil(0.15 n) pictures of each class for validation
// (teachable-mobilenet.ts, VALIDATION_FRACTION).
const TM_VALIDATION_FRACTION = 0.15;

const backbones = new Map(); // base URL -> {backbone, warmUpMs}
// The cached embeddings heads train on: {plain, mirrored: Float32Array(N * dim), labels, classes}.
let dataset = null;

async function fetchFloats(url) {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  return new Float32Array(await response.arrayBuffer());
}

/** Load the embeddings published by Python (raw float32 rows) and their labels. */
async function setDataset({ plainUrl, mirroredUrl, labels, classNames, dim }) {
  dataset = {
    plain: await fetchFloats(plainUrl),
    mirrored: await fetchFloats(mirroredUrl),
    labels: Int32Array.from(labels),
    classes: classNames.map((name, id) => ({ id, name, position: id })),
    dim,
  };
  return { rows: dataset.labels.length };
}

async function useBackbone(url) {
  if (!backbones.has(url)) {
    const backbone = await loadBackbone(url);
    backbones.set(url, { backbone, warmUpMs: await backbone.warmUp() });
  }
  return backbones.get(url);
}

function decode(url) {
  return fetch(url).then(async (response) => {
    if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
    return createImageBitmap(await response.blob());
  });
}

/**
 * Embed photos as the studio's embedder does: fetch, createImageBitmap, then embedMirrored (the
 * picture and its mirror in one batch of two) or, with mirrored false, embed (a batch of one).
 * Photos are decoded a chunk at a time outside the timed part, so ms[i] is photo i's backbone
 * time alone. warm: embed the first photo once, untimed, first (backbone.warmUp runs a batch of
 * two; a batch of one is another shape, whose WebGL shaders compile on first use).
 * Returns {ms, vectors (base64 float32 rows: picture[, mirror] per photo, or null without keep),
 * backend, metadata, warmUpMs, tensors}.
 */
const pools = new Map(); // `${url} x${workers}` -> the studio's worker pool, started once

async function workerPool(backboneUrl, workers) {
  const key = `${backboneUrl} x${workers}`;
  if (!pools.has(key)) {
    const wasm = document.getElementById('tfjs-wasm');
    let running = 0;
    const pool = await startWorkerPool({
      count: workers,
      tfScripts: [document.getElementById('tfjs').src, wasm.src],
      wasmPath: new URL(wasm.dataset.wasmPath, location.href).href,
      backboneUrl: new URL(backboneUrl, location.href).href,
      backend: 'wasm',
      onSize: (size) => {
        running = size;
      },
    });
    const deadline = performance.now() + 60_000;
    while (running < workers && performance.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    if (running < workers) throw new Error(`only ${running} of ${workers} workers started`);
    pools.set(key, pool);
  }
  return pools.get(key);
}

/**
 * Prepare photos as the studio does: its pool of `workers` Web Workers (offThread.js), each
 * photo fetched as a Blob, decoded and embedded with its mirror image in a worker, `workers`
 * photos in hand at once (the embedder's lanes). Blobs are fetched before the clock starts; each
 * worker embeds one photo untimed first. Returns {ms: the whole set's wall time, workers}.
 */
async function poolEmbed({ backboneUrl, urls, workers }) {
  const pool = await workerPool(backboneUrl, workers);
  const blobs = await Promise.all(urls.map(async (url) => (await fetch(url)).blob()));
  await Promise.all(Array.from({ length: workers }, () => pool.compute({}, blobs[0])));
  const began = performance.now();
  let next = 0;
  const lane = async () => {
    while (next < blobs.length) await pool.compute({}, blobs[next++]);
  };
  await Promise.all(Array.from({ length: workers }, lane));
  return { ms: performance.now() - began, workers };
}

async function embed({ backboneUrl, urls, mirrored = false, keep = true, warm = false, chunk = 16 }) {
  const { backbone, warmUpMs } = await useBackbone(backboneUrl);
  const ms = [];
  const rows = [];
  if (warm && urls.length) {
    const bitmap = await decode(urls[0]);
    await (mirrored ? backbone.embedMirrored(bitmap) : backbone.embed(bitmap));
    bitmap.close();
  }
  for (let start = 0; start < urls.length; start += chunk) {
    const bitmaps = await Promise.all(urls.slice(start, start + chunk).map(decode));
    try {
      for (const bitmap of bitmaps) {
        const began = performance.now();
        const vectors = mirrored
          ? await backbone.embedMirrored(bitmap)
          : [await backbone.embed(bitmap)];
        ms.push(performance.now() - began);
        if (keep) rows.push(...vectors);
      }
    } finally {
      for (const bitmap of bitmaps) bitmap.close();
    }
  }
  return {
    ms,
    vectors: keep ? floatsToBase64(rows) : null,
    backend: tf.getBackend(),
    metadata: backbone.metadata,
    warmUpMs,
    tensors: tf.memory().numTensors,
  };
}

function gather(matrix, rows) {
  const { dim } = dataset;
  const out = new Float32Array(rows.length * dim);
  rows.forEach((row, i) => {
    out.set(matrix.subarray(row * dim, (row + 1) * dim), i * dim);
  });
  return out;
}

const labelsOf = (rows) => Int32Array.from(rows, (row) => dataset.labels[row]);

// TF.js takes a seed of 0 for no seed at all (its initialisers then differ from run to run), so
// draw n seeds trainers with n + 1 and every draw can be repeated exactly.
const tfSeed = (seed) => seed + 1;

// The studio's TrainPanel: trainProjectHead with DEFAULT_SETTINGS (a check run on its split,
// mirrored copies in the training rows, then the head it ships on every picture). Split 'none':
// one run of trainHead on every support picture.
async function trainSnapclass(support, split) {
  const { classes, dim } = dataset;
  const samples = support.map((row) => ({
    id: `row${row}`,
    classId: dataset.labels[row],
    embedding: dataset.plain.subarray(row * dim, (row + 1) * dim),
    mirrored: dataset.mirrored.subarray(row * dim, (row + 1) * dim),
  }));
  const began = performance.now();
  if (split === 'app') {
    const { head, metrics, validation } = await trainProjectHead({ classes, samples });
    const trainMs = performance.now() - began;
    const validationRows = validation?.rows.count ?? 0;
    return { head, trainMs, trainRows: metrics.trainRows, validationRows };
  }
  const train = toMatrix(samples, labelIndex(classes), { includeMirrored: true });
  const { head } = await trainHead({
    features: train.features,
    labels: train.labels,
    numClasses: classes.length,
  });
  const trainMs = performance.now() - began;
  return { head, trainMs, trainRows: train.count, validationRows: 0 };
}

// Teachable Machine's app: shuffle each class, hold out ceil(0.15 n) for validation (split
// 'app'), then its two-layer head on the pictures as they are (it computes no mirror images).
async function trainTeachableMachine(support, split, seed) {
  const random = seededRandom(seed);
  const byClass = dataset.classes.map(() => []);
  for (const row of support) byClass[dataset.labels[row]].push(row);
  const train = [];
  const validation = [];
  for (const rows of byClass) {
    shuffleInPlace(rows, random);
    const held = split === 'app' ? Math.ceil(TM_VALIDATION_FRACTION * rows.length) : 0;
    train.push(...rows.slice(0, rows.length - held));
    validation.push(...rows.slice(rows.length - held));
  }
  const began = performance.now();
  const { head } = await trainTeachableMachineHead({
    features: gather(dataset.plain, train),
    labels: labelsOf(train),
    numClasses: dataset.classes.length,
    valFeatures: validation.length ? gather(dataset.plain, validation) : null,
    valLabels: validation.length ? labelsOf(validation) : null,
    settings: { seed: tfSeed(seed) },
  });
  const trainMs = performance.now() - began;
  return { head, trainMs, trainRows: train.length, validationRows: validation.length };
}

const TRAINERS = {
  'snapclass-head': (support, split) => trainSnapclass(support, split),
  'tm-head': (support, split, seed) => trainTeachableMachine(support, split, seed),
};

/**
 * One few-shot draw: train each method on the support rows, predict the test rows.
 * Returns {backend, tensors, results: {method: {predicted, trainMs, trainRows, validationRows}}}.
 */
// keepHeads: each result also carries its head, serialized as the studio sends it to the server.
async function fewshot({ support, test, split, seed, methods, keepHeads = false }) {
  const testFeatures = gather(dataset.plain, test);
  const results = {};
  for (const method of methods) {
    const { head, ...timing } = await TRAINERS[method](support, split, seed);
    const probabilities = predictBatch(head, testFeatures, test.length);
    const predicted = argmaxRows(probabilities, dataset.classes.length);
    results[method] = { predicted: Array.from(predicted), ...timing, ...(keepHeads ? { head: serializeHead(head) } : {}) };
  }
  return { backend: tf.getBackend(), tensors: tf.memory().numTensors, results };
}

/**
 * Time one head training on exactly these rows (plain rows, then mirrored rows), without
 * validation. method: 'snapclass' (trainHead, DEFAULT_SETTINGS) or 'tm'.
 */
// Training settings that keep the recipe before large sets were batched (40 full-batch passes
// at any size): a batch size that is not the default is taken as it is (settingsForRows).
const FULL_BATCH = { batchSize: DEFAULT_SETTINGS.batchSize + 1 };

/**
 * The studio's Train button on a large project: trainProjectHead (check run, then the head it
 * ships on every picture) on pictures given as photo rows (reused rows become distinct
 * pictures), with today's recipe ('batched') or 40 full-batch passes ('full-batch').
 */
async function projectHeadSpeed({ pictureRows, recipe, seed = 0 }) {
  const { classes, dim } = dataset;
  const samples = pictureRows.map((row, i) => ({
    id: `picture${i}`,
    classId: dataset.labels[row],
    embedding: dataset.plain.subarray(row * dim, (row + 1) * dim),
    mirrored: dataset.mirrored.subarray(row * dim, (row + 1) * dim),
  }));
  const settings = { seed: tfSeed(seed), ...(recipe === 'full-batch' ? FULL_BATCH : {}) };
  const began = performance.now();
  const { metrics } = await trainProjectHead({ classes, samples, settings });
  const trainMs = performance.now() - began;
  return { trainMs, rows: metrics.trainRows, epochs: metrics.epochs, backend: tf.getBackend() };
}

async function headSpeed({ plainRows, mirroredRows, method, seed = 0, recipe = 'batched' }) {
  const rows = [...plainRows, ...mirroredRows];
  const features = new Float32Array(rows.length * dataset.dim);
  features.set(gather(dataset.plain, plainRows));
  features.set(gather(dataset.mirrored, mirroredRows), plainRows.length * dataset.dim);
  const train = method === 'tm' ? trainTeachableMachineHead : trainHead;
  const began = performance.now();
  const { metrics } = await train({
    features,
    labels: labelsOf(rows),
    numClasses: dataset.classes.length,
    settings: { seed: tfSeed(seed), ...(recipe === 'full-batch' ? FULL_BATCH : {}) },
  });
  const trainMs = performance.now() - began;
  return { trainMs, rows: rows.length, epochs: metrics.epochs, backend: tf.getBackend() };
}

function floatsToBase64(vectors) {
  const dim = vectors[0]?.length ?? 0;
  const all = new Float32Array(vectors.length * dim);
  vectors.forEach((vector, i) => {
    all.set(vector, i * dim);
  });
  const bytes = new Uint8Array(all.buffer);
  let text = '';
  for (let i = 0; i < bytes.length; i += 0x8000) {
    text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(text);
}

window.bench = { ready: false };
try {
  const chosen = await chooseBackend(tf, { wasmPath: document.getElementById('tfjs-wasm').dataset.wasmPath });
  Object.assign(window.bench, {
    ...chosen,
    crossOriginIsolated: globalThis.crossOriginIsolated,
    // Whether TF.js loaded its threaded WASM build (only possible cross-origin isolated).
    wasmThreadedBuild:
      tf.getBackend() === 'wasm' && (await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT')),
    tfjs: tf.version.tfjs,
    setDataset,
    embed,
    poolEmbed,
    fewshot,
    headSpeed,
    projectHeadSpeed,
    ready: true,
  });
} catch (error) {
  window.bench.error = String(error?.stack ?? error);
}
