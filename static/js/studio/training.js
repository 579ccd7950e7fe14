// Training in the page: a check run on the split draws the charts, then the head the project
// ships learns from every picture (trainer.js trainProjectHead), in a worker where one runs.
// The settings come with the event, read once by the panel; the result, the held-out pictures'
// predictions (for the confusion matrix) and their digest (to compare with fine-tuning) go
// into the state.
import { checkTrainable, heldOutDigest } from '../dataset.js';
import { trainingSamples } from '../studioState.js';
import { argmaxRows, predictBatch } from '../head.js';
import { trainProjectHead } from '../trainer.js';

export function createTraining({ store, models, trainProject = trainProjectHead, digest = heldOutDigest }) {
  let abort = null;

  // The project's pictures as training sees them, with the embeddings ready so far.
  function samples() {
    return trainingSamples(store.state, models.vectorsOf, models.embeddingSize);
  }

  async function train(settings) {
    const { state } = store;
    const current = samples();
    if (state.training || !checkTrainable(state.classes, current).trainable) return;
    abort = new AbortController();
    store.dispatch('trainingStarted', { settings });
    try {
      const { head, labels, metrics, validation } = await trainProject({
        classes: state.classes,
        samples: current,
        settings,
        signal: abort.signal,
        onEpoch: (logs) => store.dispatch('trainingEpoch', { logs }),
        onFinalRun: () => store.dispatch('noticeShown', { key: 'trainingAllPictures' }),
        train: models.worker?.train,
      });
      const rows = validation?.rows;
      const predicted = rows ? argmaxRows(predictBatch(validation.head, rows.features, rows.count), labels.length) : [];
      store.dispatch('trained', { head, labels, metrics, validation: { labels: rows ? [...rows.labels] : [], predicted: [...predicted], ids: rows?.ids ?? [] } });
      digest(rows?.ids ?? []).then((value) => store.dispatch('heldOutDigested', { head, digest: value }));
    } catch (error) {
      store.dispatch('trainingEnded', { error: error.name === 'AbortError' ? null : error.message });
    } finally {
      abort = null;
    }
  }

  return { train, samples, stop: () => abort?.abort() };
}
