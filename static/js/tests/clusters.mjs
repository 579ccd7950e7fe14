// Test data for the picture map's layouts: `count` rows per class of `dim` numbers around centres
// far apart along the first axes (class c at `centre` on axis c), plus seeded noise.
import { seededRandom } from '../dataset.js';

// Gaussian-ish noise (a sum of uniforms), scaled by `spread`.
export const gaussianish = (spread) => (random) => spread * (random() + random() + random() - 1.5);
// Uniform noise of width `spread`.
export const uniform = (spread) => (random) => spread * (random() - 0.5);

export function clusters(numClasses, count, dim, { seed = 1, centre = 3, noise = gaussianish(0.3) } = {}) {
  const random = seededRandom(seed);
  const rows = new Float32Array(numClasses * count * dim);
  const labels = [];
  for (let c = 0; c < numClasses; c += 1) {
    for (let k = 0; k < count; k += 1) {
      const r = labels.length;
      for (let i = 0; i < dim; i += 1) rows[r * dim + i] = (i === c ? centre : 0) + noise(random);
      labels.push(c);
    }
  }
  return { rows, labels };
}
