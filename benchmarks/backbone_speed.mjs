// Two or more exported backbones side by side in TF.js's WASM backend under Node: how long one
// forward pass takes, per picture, at batch 1 (a picture) and 2 (the studio's picture and mirror).
//
//     node benchmarks/backbone_speed.mjs build/backbones/OLD build/backbones/NEW [--rounds 7]
//
// Each round runs every folder once per batch size, taking turns, so that the machine's load
// falls on all of them alike; reported are the medians over rounds and each folder's ratio to
// the first one's time in the same round (median). Node's WASM backend runs one thread, as
// each of the studio's workers does on a two-core device. Inputs are random pixels in the
// model's range: speed does not depend on what the picture shows.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';

await import('@tensorflow/tfjs-backend-wasm');
await tf.setBackend('wasm');

const args = process.argv.slice(2);
const roundsAt = args.indexOf('--rounds');
const rounds = roundsAt >= 0 ? Number(args.splice(roundsAt, 2)[1]) : 7;
const folders = args;
if (folders.length < 1 || !(rounds > 0)) {
  console.error('usage: node benchmarks/backbone_speed.mjs FOLDER [FOLDER ...] [--rounds N]');
  process.exit(2);
}

async function load(folder) {
  const json = JSON.parse(readFileSync(join(folder, 'model.json'), 'utf8'));
  const data = Buffer.concat(json.weightsManifest.flatMap((group) => group.paths.map((path) => readFileSync(join(folder, path)))));
  const artifacts = {
    modelTopology: json.modelTopology,
    weightSpecs: json.weightsManifest.flatMap((group) => group.weights),
    weightData: data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength),
    format: json.format,
    signature: json.signature,
  };
  const model = await tf.loadGraphModel({ load: async () => artifacts });
  const ops = json.modelTopology.node.filter((node) => node.op !== 'Const').length;
  return { folder, model, ops };
}

function timeOne(model, batch) {
  const x = tf.randomUniform([batch, 224, 224, 3], -1, 1, 'float32', 7);
  const began = performance.now();
  const y = model.execute(x);
  y.dataSync();
  const ms = (performance.now() - began) / batch;
  tf.dispose([x, y]);
  return ms;
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};

const models = [];
for (const folder of folders) models.push(await load(folder));
const batches = [1, 2];
for (const { model } of models) for (const batch of batches) timeOne(model, batch); // warm-up
const times = models.map(() => Object.fromEntries(batches.map((b) => [b, []])));
for (let round = 0; round < rounds; round += 1) {
  for (const batch of batches) {
    models.forEach(({ model }, i) => {
      times[i][batch].push(timeOne(model, batch));
    });
  }
}
console.log(`TF.js ${tf.version.tfjs}, ${tf.getBackend()}, ${rounds} rounds; ms per picture (median), ratio to the first (median of rounds)`);
models.forEach(({ folder, ops }, i) => {
  const parts = batches.map((batch) => {
    const ratios = times[i][batch].map((ms, round) => ms / times[0][batch][round]);
    return `batch ${batch}: ${median(times[i][batch]).toFixed(1)} ms (${median(ratios).toFixed(3)}x)`;
  });
  console.log(`${folder} (${ops} operations): ${parts.join(', ')}`);
});
