// Which of the backbone's inner layers the lesson shows, and how a layer's output becomes small
// pictures. Pure: no DOM, no TF.js. MobileNetV2's and EfficientNet-Lite0's 16 blocks each widen
// the picture's numbers ("expand"), filter them, then narrow them again; an early block still
// sees edges and colours at 56 x 56 places, a late one sees parts of things at 14 x 14.

export const LESSON_LAYERS = Object.freeze([
  { key: 'early', block: 'block_2_expand_relu' },
  { key: 'late', block: 'block_13_expand_relu' },
]);

// The same places in EfficientNet-Lite0 (converters/efficientnet_lite.py names its layers):
// block 2 at 56 x 56, block 10 (the last before 7 x 7) at 14 x 14. Expand ReLUs, as in
// MobileNetV2: the export folds each depthwise convolution's ReLU into it, under the
// convolution's name, while an expand convolution's fused node keeps its ReLU's name.
const EFFICIENTNET_LESSON_LAYERS = Object.freeze([
  { key: 'early', block: 'block2_expand_relu' },
  { key: 'late', block: 'block10_expand_relu' },
]);

/** The lesson's layers in a backbone of this architecture (its metadata's `architecture`). */
export function lessonLayers(architecture) {
  return architecture === 'EfficientNet-Lite0' ? EFFICIENTNET_LESSON_LAYERS : LESSON_LAYERS;
}

/** The graph node names of those layers in a TF.js model.json (exporters add suffixes). */
export function featureNodeNames(modelJson, layers = LESSON_LAYERS) {
  const names = (modelJson.modelTopology?.node ?? []).map((node) => node.name);
  return layers.map(({ block }) => {
    const pattern = new RegExp(`(^|/)${block}(_\\d+)?/Relu6$`);
    const found = names.find((name) => pattern.test(name));
    if (!found) throw new Error(`the backbone has no layer ${block}`);
    return found;
  });
}

/** The k channels of a [h, w, channels] map that fire most on this picture, strongest first. */
export function strongestChannels({ shape: [height, width, channels], values }, k) {
  const sums = new Float64Array(channels);
  for (let p = 0; p < height * width; p += 1) {
    for (let c = 0; c < channels; c += 1) sums[c] += values[p * channels + c];
  }
  return [...sums.keys()].sort((a, b) => sums[b] - sums[a] || a - b).slice(0, k);
}

/** One channel as RGBA pixels (Uint8ClampedArray h*w*4): 0 black, its largest value white. */
export function channelPixels({ shape: [height, width, channels], values }, channel) {
  let top = 0;
  for (let p = 0; p < height * width; p += 1) top = Math.max(top, values[p * channels + channel]);
  const pixels = new Uint8ClampedArray(height * width * 4);
  for (let p = 0; p < height * width; p += 1) {
    const level = top > 0 ? (255 * values[p * channels + channel]) / top : 0;
    pixels.set([level, level, level, 255], p * 4);
  }
  return pixels;
}

/** The network's input (-1..1 numbers, RGB) as RGBA pixels 0..255 to draw. */
export function inputPixels(input) {
  const count = input.length / 3;
  const pixels = new Uint8ClampedArray(count * 4);
  for (let p = 0; p < count; p += 1) {
    pixels.set([(input[p * 3] + 1) * 127.5, (input[p * 3 + 1] + 1) * 127.5, (input[p * 3 + 2] + 1) * 127.5, 255], p * 4);
  }
  return pixels;
}

/** Numbers as a strip of colours: blue for negative, white for 0, orange for the largest. */
export function stripPixels(numbers) {
  let top = 0;
  for (const x of numbers) top = Math.max(top, Math.abs(x));
  const pixels = new Uint8ClampedArray(numbers.length * 4);
  numbers.forEach((x, i) => {
    const v = top > 0 ? x / top : 0;
    const rgb = v >= 0 ? [255, 255 - 120 * v, 255 - 255 * v] : [255 + 200 * v, 255 + 120 * v, 255];
    pixels.set([...rgb, 255], i * 4);
  });
  return pixels;
}
