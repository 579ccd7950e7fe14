// Teachable Machine's head and training recipe, as its image library has them, for the
// benchmarks to compare Snapclass's recipe with (head_recipe.mjs, head_speed.py, fewshot.py).
// The studio never loads it. It runs in Node and in the benchmark pages (served at /bench/):
// the relative imports below resolve to /static/js/ there.
import { seededRandom, shuffleInPlace } from '../../static/js/dataset.js';
import {
  HEAD_FORMAT,
  checkInputs,
  now,
  oneHotFloat,
  resolveTf,
  summarize,
  throwIfAborted,
  yieldToPage,
} from '../../static/js/trainer.js';

// Teachable Machine's image library (teachable-mobilenet.ts) defaults.
export const TEACHABLE_MACHINE_SETTINGS = Object.freeze({
  epochs: 50,
  batchSize: 16,
  learningRate: 0.001,
  denseUnits: 100,
  seed: 0,
});

/**
 * Teachable Machine's head and training, as in its image library: Dense(denseUnits, relu, bias)
 * -> Dense(numClasses, softmax, no bias), variance-scaling initialisers, Adam, categorical
 * cross-entropy, training rows shuffled once (seeded) and then batched in that order every epoch.
 * Same arguments and result as trainHead; the head's preprocess is 'none'.
 */
export async function trainTeachableMachineHead({
  features,
  labels,
  numClasses,
  valFeatures = null,
  valLabels = null,
  settings = {},
  onEpoch = () => {},
  signal = null,
  tf: tfArgument = null,
}) {
  const tf = resolveTf(tfArgument);
  const options = { ...TEACHABLE_MACHINE_SETTINGS, ...settings };
  const { count, dim } = checkInputs(features, labels, numClasses);
  throwIfAborted(signal);
  const started = now();
  const history = [];
  // Teachable Machine shuffles its arrays once before making the tf.data datasets and never
  // reshuffles them, so every epoch sees the same batches.
  const order = shuffleInPlace(
    Array.from({ length: count }, (_, i) => i),
    seededRandom(options.seed),
  );
  const shuffledFeatures = new Float32Array(count * dim);
  const shuffledLabels = new Int32Array(count);
  order.forEach((from, to) => {
    shuffledFeatures.set(features.subarray(from * dim, (from + 1) * dim), to * dim);
    shuffledLabels[to] = labels[from];
  });
  const initializer = () => tf.initializers.varianceScaling({ seed: options.seed });
  const model = tf.sequential({
    layers: [
      tf.layers.dense({
        inputShape: [dim],
        units: options.denseUnits,
        activation: 'relu',
        kernelInitializer: initializer(),
        useBias: true,
      }),
      tf.layers.dense({
        units: numClasses,
        activation: 'softmax',
        kernelInitializer: initializer(),
        useBias: false,
      }),
    ],
  });
  const optimizer = tf.train.adam(options.learningRate);
  model.compile({ optimizer, loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  // Owned here until the finally block, with the model's weights and the optimizer's slots.
  const owned = [
    tf.tensor2d(shuffledFeatures, [count, dim]),
    oneHotFloat(tf, shuffledLabels, numClasses),
  ];
  try {
    if (valLabels?.length) {
      owned.push(tf.tensor2d(valFeatures, [valLabels.length, dim]));
      owned.push(oneHotFloat(tf, valLabels, numClasses));
    }
    const [x, y, valX, valY] = owned;
    await model.fit(x, y, {
      batchSize: options.batchSize,
      epochs: options.epochs,
      shuffle: false,
      validationData: valX ? [valX, valY] : undefined,
      callbacks: {
        onEpochEnd: async (epoch, logs) => {
          const entry = {
            epoch,
            epochs: options.epochs,
            loss: logs.loss,
            accuracy: logs.acc,
            valLoss: logs.val_loss ?? null,
            valAccuracy: logs.val_acc ?? null,
          };
          history.push(entry);
          await onEpoch(entry);
          if (signal?.aborted) model.stopTraining = true;
          await yieldToPage();
        },
      },
    });
    throwIfAborted(signal);
    const [hiddenKernel, hiddenBias] = model.layers[0].getWeights();
    const [outputKernel] = model.layers[1].getWeights();
    const head = {
      format: HEAD_FORMAT,
      version: 1,
      recipe: 'teachable-machine',
      inputDim: dim,
      numClasses,
      preprocess: 'none',
      layers: [
        {
          units: options.denseUnits,
          activation: 'relu',
          kernelShape: [dim, options.denseUnits],
          kernel: await hiddenKernel.data(),
          bias: await hiddenBias.data(),
        },
        {
          units: numClasses,
          activation: 'softmax',
          kernelShape: [options.denseUnits, numClasses],
          kernel: await outputKernel.data(),
          bias: null,
        },
      ],
    };
    return { head, history, metrics: summarize(history, started, tf) };
  } finally {
    optimizer.dispose();
    model.dispose();
    tf.dispose(owned);
  }
}
