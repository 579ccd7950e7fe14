import assert from 'node:assert/strict';
import { test } from 'node:test';

import { createModelLoading } from '../../studio/modelLoading.js';
import { deferred, fakeApi, projectStore, tick } from './fakes.mjs';

const backbones = [
  {
    id: 'mobile',
    kind: 'faster',
    model_url: '/backbones/mobile/model.json',
    download_bytes: 1,
    metadata: { architecture: 'MobileNetV2', embedding_size: 4 },
  },
  {
    id: 'effnet',
    kind: 'moreAccurate',
    model_url: '/backbones/effnet/model.json',
    download_bytes: 1,
    metadata: { architecture: 'EfficientNet-Lite0', embedding_size: 4 },
  },
];

// Every browser part replaced by a recording stand-in; the worker pool fails when asked to.
function setUp({ workers = true, confirmed = true, handlers = {} } = {}) {
  const store = projectStore();
  const api = fakeApi({
    backbones: () => ({ backbones, default: 'mobile' }),
    chooseBackbone: (id) => ({ backbone_id: id }),
    ...handlers,
  });
  const log = [];
  const marks = {};
  const requests = [];
  const models = createModelLoading({
    store,
    api,
    lanes: 2,
    onEmbedded: () => {},
    deps: {
      tf: {},
      chooseBackend: async (_, { backboneId }) => ({ backend: `wasm-for-${backboneId}` }),
      timeBackbone: async () => 1,
      loadBackbone: async (url) => ({
        url,
        metadata: { id: 'mobile' },
        warmUp: async () => log.push('warm'),
      }),
      startWorkerPool: async (options) => {
        if (!workers) throw new Error('no workers here');
        log.push(['pool', options.count, options.backboneUrl]);
        return { backend: 'wasm', compute: 'worker compute', train: 'worker train' };
      },
      computeOnPage: () => 'page compute',
      createEmbedder: (options) => {
        log.push(['embedder', options.backboneId, options.dim, options.lanes]);
        return {
          prefetch: () => log.push('prefetch'),
          request: (sample, image) => {
            requests.push([sample.id, image]);
            return options.compute(sample, image);
          },
          get: () => null,
          forget: () => {},
        };
      },
      scripts: { base: 'http://app/p/1', tf: '/tf.js', wasm: '/wasm.js', wasmPath: '/wasm/' },
      mark: (name, value) => {
        marks[name] = value;
      },
      warn: (text) => log.push(['warn', text]),
      confirm: () => confirmed,
      reload: () => log.push('reload'),
    },
  });
  return { store, api, models, log, marks, requests };
}

test('stored embeddings are asked for at once; the backbone loads only once the list is in', async () => {
  const { store, models, log, marks, requests } = setUp();
  const listing = deferred();
  const started = models.start(listing.promise);
  await tick();
  assert.deepEqual(log, [['embedder', 'mobile', 4, 2], 'prefetch']);
  assert.deepEqual(
    requests.map((r) => r[0]),
    ['a', 'b', 'c'],
    'every listed picture',
  );
  assert.deepEqual(
    store.state.backboneChoices.map((c) => c.kind),
    ['faster', 'moreAccurate'],
  );
  assert.equal(models.backbone, null);
  listing.resolve();
  await started;
  assert.equal(models.backbone.url, '/backbones/mobile/model.json');
  assert.deepEqual(log.slice(2), [['pool', 2, 'http://app/backbones/mobile/model.json'], 'warm']);
  assert.deepEqual(marks, {
    backbone: 'mobile',
    embeddingBackend: 'worker:wasm',
    backend: 'wasm-for-mobile',
  });
  assert.deepEqual([store.state.modelReady, store.state.backend], [true, 'wasm-for-mobile']);
  assert.equal(models.worker.train, 'worker train');
});

test('without workers the page prepares the pictures itself, and says so', async () => {
  const { models, log, marks } = setUp({ workers: false });
  await models.start(Promise.resolve());
  assert.equal(marks.embeddingBackend, 'page');
  assert.equal(models.worker, null);
  assert.ok(log.some((entry) => entry[0] === 'warn'));
});

test('a server with no image model is said in a notice', async () => {
  const { store, models } = setUp({
    handlers: { backbones: () => ({ backbones: [], default: null }) },
  });
  await models.start(Promise.resolve());
  assert.equal(store.state.notice.key, 'modelFailed');
});

test('switching the image model saves it on the project and reloads; an unsaved head is asked about first', async () => {
  const asked = setUp({ confirmed: false });
  await asked.models.start(Promise.resolve());
  asked.store.dispatch('trainingStarted', { settings: {} });
  asked.store.dispatch('trained', { head: {}, labels: [], metrics: {} });
  assert.equal(await asked.models.chooseBackbone('effnet'), false);
  assert.equal(asked.store.state.switchingTo, null);

  const { store, api, models, log } = setUp();
  await models.start(Promise.resolve());
  assert.equal(await models.chooseBackbone('mobile'), false, "already the project's");
  assert.equal(await models.chooseBackbone('effnet'), true);
  assert.deepEqual(api.calls.at(-1), ['chooseBackbone', 'effnet']);
  assert.equal(store.state.switchingTo, 'effnet');
  assert.equal(log.at(-1), 'reload');
});

test('no switch while pictures are still being made', async () => {
  const { store, models } = setUp();
  await models.start(Promise.resolve());
  store.dispatch('preparingChanged', { by: 1 });
  assert.equal(await models.chooseBackbone('effnet'), false);
});
