import assert from 'node:assert/strict';
import { test } from 'node:test';

import { channelPixels, featureNodeNames, lessonLayers, strongestChannels } from '../featureMaps.js';

test('finds the lesson layers whatever suffix the exporter added', () => {
  const modelJson = {
    modelTopology: {
      node: [
        { name: 'image' },
        { name: 'StatefulPartitionedCall/mobilenetv2_1.00_224_1/block_2_expand_relu_1/Relu6' },
        { name: 'StatefulPartitionedCall/mobilenetv2_1.00_224_1/block_13_expand_relu_1/Relu6' },
        { name: 'StatefulPartitionedCall/mobilenetv2_1.00_224_1/block_13_expand_BN_1/batchnorm' },
      ],
    },
  };
  assert.deepEqual(featureNodeNames(modelJson), [
    'StatefulPartitionedCall/mobilenetv2_1.00_224_1/block_2_expand_relu_1/Relu6',
    'StatefulPartitionedCall/mobilenetv2_1.00_224_1/block_13_expand_relu_1/Relu6',
  ]);
  assert.throws(() => featureNodeNames({ modelTopology: { node: [] } }), /block_2_expand_relu/);
});

test('an EfficientNet-Lite0 backbone shows its own blocks at the same resolutions', () => {
  const prefix = 'StatefulPartitionedCall/efficientnet_lite0_1';
  const modelJson = { modelTopology: { node: ['block2_expand_relu_1', 'block10_expand_relu_1', 'block11_expand_relu_1'].map((layer) => ({ name: `${prefix}/${layer}/Relu6` })) } };
  assert.deepEqual(featureNodeNames(modelJson, lessonLayers('EfficientNet-Lite0')), [`${prefix}/block2_expand_relu_1/Relu6`, `${prefix}/block10_expand_relu_1/Relu6`]);
  assert.deepEqual(lessonLayers('MobileNetV2').map((l) => l.block), ['block_2_expand_relu', 'block_13_expand_relu']);
  assert.deepEqual(lessonLayers('EfficientNet-Lite0').map((l) => l.key), lessonLayers('MobileNetV2').map((l) => l.key));
});

test('picks the channels that fire most and draws one from black to white', () => {
  // 2 x 1 places, 3 channels: channel 2 fires most, then channel 0.
  const map = { shape: [2, 1, 3], values: new Float32Array([1, 0, 4, 3, 0, 2]) };
  assert.deepEqual(strongestChannels(map, 2), [2, 0]);
  assert.deepEqual([...channelPixels(map, 0)], [85, 85, 85, 255, 255, 255, 255, 255]);
});
