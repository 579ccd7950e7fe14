// UMAP for the map of pictures: npm's umap-js placing the embeddings in 2-D, one step at a time.
// Pure: no DOM, and umap-js's UMAP class is handed in, so the map's worker (mapWorker.js, which
// loads the browser bundle the server serves from node_modules) and Node's tests run the same
// code. UMAP keeps each picture's nearest neighbours near, where PCA keeps the widest spread.

import { seededRandom } from './dataset.js';

const MOST_NEIGHBOURS = 15; // umap-js's default
const MIN_DIST = 0.1; // umap-js's default: how tightly close pictures may be packed

/** The settings for `count` pictures: fewer neighbours than pictures, however few there are. */
export function umapSettings(count, seed = 0) {
  return {
    nComponents: 2,
    nNeighbors: Math.max(2, Math.min(MOST_NEIGHBOURS, count - 1)),
    minDist: MIN_DIST,
    random: seededRandom(seed), // the same pictures get the same map
  };
}

/**
 * UMAP of n rows of `dim` numbers (a row-major Float32Array), as a generator: it yields
 * {done, total} epochs after the neighbour search and every `epochsPerYield` epochs, and returns
 * {points: Float32Array(n * 2)}, like pictureMap.js's pca2dSteps. Needs at least 3 rows.
 */
export function* umap2dSteps(UMAP, rows, count, dim, { seed = 0, epochsPerYield = 20 } = {}) {
  if (count < 3) throw new RangeError('UMAP needs at least 3 pictures');
  const data = Array.from({ length: count }, (_, r) => rows.subarray(r * dim, (r + 1) * dim));
  const umap = new UMAP(umapSettings(count, seed));
  const total = umap.initializeFit(data); // the neighbour search: the longest single step
  yield { done: 0, total };
  for (let epoch = 1; epoch <= total; epoch += 1) {
    umap.step();
    if (epoch % epochsPerYield === 0 && epoch < total) yield { done: epoch, total };
  }
  const points = new Float32Array(count * 2);
  umap.getEmbedding().forEach(([x, y], r) => {
    points[r * 2] = x;
    points[r * 2 + 1] = y;
  });
  return { points };
}

/**
 * Load a UMD bundle (umap-js's) in a module context, where its wrapper finds neither `this` nor
 * a global to attach to: for the import, a CommonJS `module` it can fill is lent to it.
 */
export async function importUmd(url) {
  const module = { exports: {} };
  Object.assign(globalThis, { module, exports: module.exports });
  try {
    await import(url);
  } finally {
    delete globalThis.module;
    delete globalThis.exports;
  }
  return module.exports;
}
