// "How it works": one of the student's pictures through the whole pipeline, each step drawn
// from real numbers: the input square, feature maps of an early and a late backbone layer (the
// same graph model the studio embeds with, asked for inner outputs), the embedding, and the
// trained head's weights and probabilities.
import { h } from '../dom.js';
import { LESSON_LAYERS, channelPixels, inputPixels, lessonLayers, strongestChannels, stripPixels } from '../featureMaps.js';
import { t } from '../strings.js';
import { predict } from '../head.js';

const MAPS_SHOWN = 8;

function canvasOf(width, height, pixels, attrs = {}) {
  const canvas = h('canvas', { width, height, ...attrs });
  canvas.getContext('2d').putImageData(new ImageData(pixels, width, height), 0, 0);
  return canvas;
}

// loadPicture(url) -> Blob: the page's way to read one of the project's pictures.
export function HowItWorks(el, { loadPicture }) {
  const picker = h('select', { 'aria-label': t('insidePicture'), class: 'inside-picker' });
  const show = h('button', { type: 'button', class: 'inside-show' }, t('insideShow'));
  const status = h('p', { class: 'hint', role: 'status' });
  const steps = h('div', { class: 'inside-steps' });
  const hint = h('p', { class: 'hint' });
  el.append(hint, h('div', { class: 'row' }, picker, show), status, steps);
  let props = null;
  let shownFor = null;

  function step(title, caption, ...content) {
    return h('section', { class: 'inside-step' }, h('h3', {}, title), h('p', { class: 'caption' }, caption), ...content);
  }

  async function run() {
    const { lesson, backbone, trained, classes } = props;
    const sample = lesson.ready.find((s) => String(s.id) === picker.value);
    if (!sample || !backbone) return;
    shownFor = sample.id; // before the first await, so that updates meanwhile start no second run
    status.textContent = t('insideWorking');
    show.disabled = true;
    try {
      const names = backbone.layerNodes(lessonLayers(backbone.metadata.architecture));
      const bitmap = await createImageBitmap(await loadPicture(sample.url));
      let inside;
      try {
        inside = await backbone.inside(bitmap, names);
      } finally {
        bitmap.close();
      }
      const size = backbone.metadata.input_size;
      const mapsOf = (map, key) =>
        h('div', { class: 'feature-maps', dataset: { layer: key } },
          ...strongestChannels(map, MAPS_SHOWN).map((channel) =>
            canvasOf(map.shape[1], map.shape[0], channelPixels(map, channel), { class: 'feature-map', title: `#${channel}` })));
      const [early, late] = LESSON_LAYERS.map(({ key }, i) => mapsOf(inside.maps[i], key));
      const embedding = sample.embedding.subarray(0, backbone.metadata.embedding_size);
      steps.replaceChildren(
        step(t('insideStep1'), t('insideStep1Caption'), canvasOf(size, size, inputPixels(inside.input), { class: 'inside-input' })),
        step(t('insideStep2'), t('insideStep2Caption'), early),
        step(t('insideStep3'), t('insideStep3Caption'), late),
        step(t('insideStep4'), t('insideStep4Caption'), canvasOf(embedding.length, 1, stripPixels(embedding), { class: 'strip embedding-strip' })),
        step(t('insideStep5'), t('insideStep5Caption'), headView(trained, classes, embedding)),
      );
      status.textContent = '';
    } catch (error) {
      status.textContent = t('error', { reason: error.message });
    } finally {
      show.disabled = false;
    }
  }

  function headView(trained, classes, embedding) {
    if (!trained) return h('p', { class: 'hint' }, t('insideNotTrained'));
    const { head, labels } = trained;
    const probabilities = predict(head, embedding);
    const name = (label) => classes.find((c) => c.id === label.id)?.name ?? label.name;
    const single = head.layers.length === 1 ? head.layers[0] : null;
    return h('ul', { class: 'head-view' }, labels.map((label, c) => {
      const percent = probabilities[c];
      const weights = single && Float32Array.from({ length: head.inputDim }, (_, i) => single.kernel[i * single.kernelShape[1] + c]);
      return h('li', { dataset: { probability: String(probabilities[c]) } },
        h('span', {}, t('insideProbability', { class: name(label), percent })),
        h('meter', { min: 0, max: 1, value: probabilities[c] }),
        weights && canvasOf(weights.length, 1, stripPixels(weights), { class: 'strip weights-strip', 'aria-label': t('insideWeightsOf', { class: name(label) }) }));
    }));
  }

  show.addEventListener('click', run);

  return {
    update(next) {
      props = next;
      const { lesson, classes, backbone } = props;
      hint.textContent = lesson.ready.length && backbone ? '' : t('learnNeedsPictures');
      const counters = new Map();
      const wanted = lesson.ready.map((s) => {
        const cls = classes.find((c) => c.id === s.classId);
        const n = (counters.get(s.classId) ?? 0) + 1;
        counters.set(s.classId, n);
        return [String(s.id), t('insidePictureOption', { class: cls?.name ?? t('mapUnlabelled'), n })];
      });
      const key = wanted.map(([id, label]) => `${id}:${label}`).join('|');
      if (picker.dataset.key !== key) {
        const chosen = picker.value;
        picker.replaceChildren(...wanted.map(([id, label]) => h('option', { value: id }, label)));
        if (wanted.some(([id]) => id === chosen)) picker.value = chosen;
        picker.dataset.key = key;
      }
      show.disabled = !wanted.length || !backbone;
      if (shownFor === null && wanted.length && backbone) run();
    },
  };
}
