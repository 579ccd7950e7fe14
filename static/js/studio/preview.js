// Prediction, shared by the live preview and "try an image": the fine-tuned server model when
// the student chose it, else the head trained here on the page's backbone.
import { previewModel } from '../studioState.js';
import { predict } from '../head.js';

// grab(video, mirrored) -> the square the backbone sees; a picture (ImageBitmap, canvas, img)
// is used as it is.
export function createPreview({ store, models, finetune, grab, isVideo }) {
  return async function classify(source, { mirrored }) {
    const model = previewModel(store.state);
    const { backbone } = models;
    if (!model || (model.kind === 'quick' && !backbone)) return null;
    const input = isVideo(source) ? grab(source, mirrored) : source;
    if (model.kind === 'server') return finetune.predictor.predict(input);
    return Array.from(predict(store.state.trained.head, await backbone.embed(input)));
  };
}
