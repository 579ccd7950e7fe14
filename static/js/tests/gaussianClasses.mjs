// Test data for the heads: `perClass` rows of each of `classes` classes (labels in turn), each
// row `dim` numbers around its class's centre plus Gaussian noise. Centres are uniform within
// ±spread/2, drawn from `centreSeed` (the same for every draw of a problem); the noise's standard
// deviation along number d is sd(d).
import { seededRandom } from '../dataset.js';

export function gaussianClasses({ classes, dim, perClass, seed, centreSeed = 99, spread = 4, sd = () => 0.5 }) {
  const random = seededRandom(seed);
  const centres = seededRandom(centreSeed);
  const centre = Array.from({ length: classes }, () => Float32Array.from({ length: dim }, () => spread * (centres() - 0.5)));
  const gaussian = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  const count = perClass * classes;
  const features = new Float32Array(count * dim);
  const labels = new Int32Array(count);
  for (let row = 0; row < count; row += 1) {
    labels[row] = row % classes;
    for (let d = 0; d < dim; d += 1) {
      features[row * dim + d] = centre[labels[row]][d] + sd(d) * gaussian();
    }
  }
  return { features, labels, count };
}

// The heads' test problem: three classes of 32 numbers around well separated centres, which any
// working head gets right. `blobs` draws rows of it (noise: the standard deviation).
export const BLOB_DIM = 32;
export const BLOB_CLASSES = 3;

export function blobs(perClass, seed, noise = 0.5) {
  const { features, labels } = gaussianClasses({ classes: BLOB_CLASSES, dim: BLOB_DIM, perClass, seed, sd: () => noise });
  return { features, labels };
}

// 40 training rows a class and 20 validation rows; `problem` is trainHead's arguments for them,
// trained with this `tf`.
export function blobProblem(tf) {
  const training = blobs(40, 1);
  const validation = blobs(20, 2);
  const problem = {
    features: training.features,
    labels: training.labels,
    numClasses: BLOB_CLASSES,
    valFeatures: validation.features,
    valLabels: validation.labels,
    tf,
  };
  return { training, validation, problem };
}
