import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { BACKENDS, candidateBackends, chooseBackend } from '../backend.js';

// TF.js's backend registry as chooseBackend uses it: `working` lists the backends that start,
// `factories` those whose package is loaded.
function fakeTf({ working = ['webgpu', 'webgl', 'wasm', 'cpu'], factories = working } = {}) {
  let current = null;
  const flags = {};
  return {
    flags,
    env: () => ({ set: (name, value) => (flags[name] = value) }),
    started: [],
    async setBackend(name) {
      if (!working.includes(name)) return false;
      current = name;
      this.started.push(name);
      return true;
    },
    async ready() {},
    getBackend: () => current,
    findBackendFactory: (name) => (factories.includes(name) ? () => ({}) : null),
  };
}

function memoryStorage() {
  const items = new Map();
  return {
    items,
    getItem: (key) => items.get(key) ?? null,
    setItem: (key, value) => items.set(key, String(value)),
  };
}

const GPU_DEVICE = { renderer: 'ANGLE (NVIDIA GeForce RTX)', hasWebGpu: true, userAgent: 'A' };
const SPEEDS = { webgpu: 9, webgl: 14, wasm: 40 };

describe('choosing the backend', () => {
  test('measures each candidate once, keeps the fastest, remembers it per backbone', async () => {
    const storage = memoryStorage();
    const measured = [];
    const measure = async (name) => {
      measured.push(name);
      return { webgpu: 30, webgl: 12, wasm: 40 }[name];
    };
    const options = { ...GPU_DEVICE, storage, backboneId: 'mnv2', measure, search: '' };
    const tf = fakeTf();
    const first = await chooseBackend(tf, options);
    assert.deepEqual(measured, ['webgpu', 'webgl', 'wasm']);
    assert.equal(first.backend, 'webgl');
    assert.equal(first.how, 'measured');
    assert.deepEqual(first.timings, { webgpu: 30, webgl: 12, wasm: 40 });

    const again = await chooseBackend(fakeTf(), options);
    assert.equal(measured.length, 3, 'the second visit does not measure');
    assert.deepEqual([again.backend, again.how], ['webgl', 'cached']);

    const otherBackbone = await chooseBackend(fakeTf(), { ...options, backboneId: 'lite0' });
    assert.equal(otherBackbone.how, 'measured');
    const newDriver = await chooseBackend(fakeTf(), { ...options, renderer: 'ANGLE (AMD)' });
    assert.equal(newDriver.how, 'measured', 'another GPU or browser measures again');
  });

  test('?backend= forces a backend without measuring', async () => {
    const measure = () => assert.fail('measured');
    const chosen = await chooseBackend(fakeTf(), {
      ...GPU_DEVICE,
      storage: memoryStorage(),
      backboneId: 'mnv2',
      measure,
      search: '?backend=cpu',
    });
    assert.deepEqual([chosen.backend, chosen.how, chosen.requested], ['cpu', 'requested', 'cpu']);
    await assert.rejects(
      chooseBackend(fakeTf({ working: ['wasm'] }), { ...GPU_DEVICE, search: '?backend=webgl' }),
      /webgl could not start/,
    );
  });

  test('software WebGL and a missing WebGPU package are never candidates', () => {
    const tf = fakeTf({ factories: ['webgl', 'wasm', 'cpu'] });
    assert.deepEqual(candidateBackends(tf, GPU_DEVICE), ['webgl', 'wasm']);
    const swiftshader = { renderer: 'ANGLE (Vulkan (SwiftShader Device))', hasWebGpu: true };
    assert.deepEqual(candidateBackends(fakeTf(), swiftshader), ['webgpu', 'wasm']);
    assert.deepEqual(candidateBackends(fakeTf(), { renderer: null, hasWebGpu: false }), ['wasm']);
  });

  test('with one candidate there is nothing to measure', async () => {
    const chosen = await chooseBackend(fakeTf(), {
      renderer: 'SwiftShader',
      hasWebGpu: false,
      storage: memoryStorage(),
      backboneId: 'mnv2',
      measure: () => assert.fail('measured'),
      search: '',
    });
    assert.deepEqual([chosen.backend, chosen.how], ['wasm', 'first']);
  });

  test('a backend that fails to start or to run loses; cpu is the last resort', async () => {
    const storage = memoryStorage();
    const noWebGpu = fakeTf({ working: ['webgl', 'wasm', 'cpu'], factories: BACKENDS });
    const chosen = await chooseBackend(noWebGpu, {
      ...GPU_DEVICE,
      storage,
      backboneId: 'mnv2',
      measure: async (name) => {
        if (name === 'webgl') throw new Error('context lost');
        return SPEEDS[name];
      },
      search: '',
    });
    assert.equal(chosen.backend, 'wasm');
    assert.deepEqual(chosen.timings, { webgpu: Infinity, webgl: Infinity, wasm: 40 });
    const fallback = await chooseBackend(fakeTf({ working: ['cpu'] }), {
      ...GPU_DEVICE,
      storage: memoryStorage(),
      search: '',
    });
    assert.deepEqual([fallback.backend, fallback.how], ['cpu', 'first']);
  });

  test('unmeasured (the share page): the cached choice, else the first', async () => {
    const storage = memoryStorage();
    const device = { ...GPU_DEVICE, storage, backboneId: 'mnv2', search: '' };
    const unmeasured = await chooseBackend(fakeTf(), device);
    assert.deepEqual([unmeasured.backend, unmeasured.how], ['webgpu', 'first']);
    const wasmFastest = async (name) => (name === 'wasm' ? 5 : SPEEDS[name]);
    await chooseBackend(fakeTf(), { ...device, measure: wasmFastest });
    const later = await chooseBackend(fakeTf(), device);
    assert.deepEqual([later.backend, later.how], ['wasm', 'cached']);
  });

  test('under four logical cores WASM gets the plain build, from four its threads', async () => {
    for (const [cores, threaded] of [[2, false], [4, undefined], [16, undefined]]) {
      const tf = fakeTf();
      await chooseBackend(tf, { renderer: null, hasWebGpu: false, search: '', cores });
      assert.equal(tf.flags.WASM_HAS_MULTITHREAD_SUPPORT, threaded, `${cores} cores`);
    }
  });

  test('a refused or damaged localStorage only means measuring again', async () => {
    const refusing = {
      getItem: () => {
        throw new Error('SecurityError');
      },
      setItem: () => {
        throw new Error('QuotaExceededError');
      },
    };
    const chosen = await chooseBackend(fakeTf(), {
      ...GPU_DEVICE,
      storage: refusing,
      backboneId: 'mnv2',
      measure: async (name) => SPEEDS[name],
      search: '',
    });
    assert.deepEqual([chosen.backend, chosen.how], ['webgpu', 'measured']);
  });
});
