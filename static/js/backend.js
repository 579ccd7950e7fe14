// Picks TF.js's backend for this device. `?backend=webgpu|webgl|wasm|cpu` forces one.
//
// Otherwise the candidates are WebGPU (when the browser has a WebGPU adapter: TF.js's WebGPU
// backend is then loaded, see loadWebGpuBackend), WebGL when its renderer is a real GPU, and WASM.
// Software WebGL (SwiftShader, llvmpipe) is left out without measuring: it is about 15-20x slower
// than WASM-SIMD here, and compiling its shaders alone takes seconds. When more than one candidate
// remains, the studio measures each once (a few backbone runs on a fixed picture, `measure(name)`)
// and keeps the fastest in localStorage per backbone and device, so later visits start at once.
// Without a measurement (the share page, whose first prediction must come fast) a device uses its
// cached choice if it has one, else the first candidate that starts.
const SOFTWARE_RENDERER = /swiftshader|llvmpipe|softpipe|software|basic render/i;
export const BACKENDS = ['webgpu', 'webgl', 'wasm', 'cpu'];
const CHOICE_PREFIX = 'snapclass.backend.';

export function webglRenderer() {
  if (typeof document === 'undefined') return null;
  const canvas = document.createElement('canvas');
  const gl = canvas.getContext('webgl2') || canvas.getContext('webgl');
  if (!gl) return null;
  const info = gl.getExtension('WEBGL_debug_renderer_info');
  const renderer = gl.getParameter(info ? info.UNMASKED_RENDERER_WEBGL : gl.RENDERER);
  gl.getExtension('WEBGL_lose_context')?.loseContext();
  return String(renderer);
}

export function requestedBackend(search = globalThis.location?.search ?? '') {
  const value = new URLSearchParams(search).get('backend');
  return BACKENDS.includes(value) ? value : null;
}

/**
 * The backends worth trying here, in the order tried without a measurement. cpu is the last
 * resort only (every other backend failed to start), never measured.
 */
export function candidateBackends(tf, { renderer, hasWebGpu }) {
  const candidates = [];
  if (hasWebGpu && tf.findBackendFactory?.('webgpu')) candidates.push('webgpu');
  if (renderer && !SOFTWARE_RENDERER.test(renderer)) candidates.push('webgl');
  candidates.push('wasm');
  return candidates;
}

/** What a cached choice is valid for: this browser and GPU (an update of either re-measures). */
export function deviceSignature({ userAgent = '', renderer = '', hasWebGpu = false } = {}) {
  return `${userAgent}|${renderer ?? ''}|${hasWebGpu ? 'webgpu' : ''}`;
}

function readChoice(storage, backboneId, device) {
  try {
    const saved = JSON.parse(storage?.getItem(CHOICE_PREFIX + backboneId) ?? 'null');
    return saved?.device === device ? saved : null;
  } catch {
    return null; // storage refused (private mode) or damaged: measure again
  }
}

function writeChoice(storage, backboneId, choice) {
  try {
    storage?.setItem(CHOICE_PREFIX + backboneId, JSON.stringify(choice));
  } catch {
    // Storage full or refused: the next visit measures again, which is only slower.
  }
}

/**
 * Start a backend and say which: {backend, renderer, requested, how, timings}.
 * how: 'requested' (?backend=), 'cached' (this device measured it before), 'measured' (now,
 * timings: name -> ms per picture, Infinity where measuring failed), or 'first' (the first
 * candidate that started: no measurement asked for, or nothing to choose between).
 * options: backboneId and measure(name) -> ms (run with `name` already the backend) to choose by
 * measurement; storage (localStorage by default); renderer, hasWebGpu, userAgent and search to
 * describe the device (read from the page by default).
 */
export async function chooseBackend(tf, options = {}) {
  const {
    backboneId = null,
    measure = null,
    storage = globalThis.localStorage,
    renderer = webglRenderer(),
    wasmPath = null, // the folder of the WASM backend's .wasm files (tfImports.js)
    webgpuUrl = null, // TF.js's WebGPU build, when installed (tfImports.js)
    hasWebGpu = await loadWebGpuBackend(tf, webgpuUrl),
    userAgent = globalThis.navigator?.userAgent ?? '',
    search = globalThis.location?.search ?? '',
    cores = globalThis.navigator?.hardwareConcurrency ?? 1,
  } = options;
  if (wasmPath && tf.wasm) tf.wasm.setWasmPaths(wasmPath);
  // TF.js's WASM backend runs on hardwareConcurrency / 2 threads (it assumes two per core), so
  // below four logical cores it runs one, and its threaded build (which a cross-origin isolated
  // page gets) only adds the start-up of its eight workers: measured on two cores, 265-480 ms to
  // start against 40-120 ms, and slower per picture. Those devices get the plain SIMD build.
  if (cores < 4) tf.env?.().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  const requested = requestedBackend(search);
  const describe = (how, timings = null) => ({
    backend: tf.getBackend(),
    renderer,
    requested,
    how,
    timings,
  });
  if (requested) {
    if (await start(tf, requested)) return describe('requested');
    throw new Error(`TF.js backend ${requested} could not start`);
  }
  const candidates = candidateBackends(tf, { renderer, hasWebGpu });
  const device = deviceSignature({ userAgent, renderer, hasWebGpu });
  const cached = backboneId ? readChoice(storage, backboneId, device) : null;
  if (cached && candidates.includes(cached.backend) && (await start(tf, cached.backend))) {
    return describe('cached', cached.timings);
  }
  if (measure && backboneId && candidates.length > 1) {
    const timings = {};
    for (const name of candidates) {
      timings[name] = (await start(tf, name)) ? await measured(measure, name) : Infinity;
    }
    const fastest = candidates.reduce((best, name) =>
      timings[name] < timings[best] ? name : best,
    );
    if (Number.isFinite(timings[fastest]) && (await start(tf, fastest))) {
      writeChoice(storage, backboneId, { backend: fastest, device, timings });
      return describe('measured', timings);
    }
  }
  for (const name of [...candidates, 'cpu']) {
    if (await start(tf, name)) return describe('first');
  }
  throw new Error(`no TF.js backend could start (tried ${[...candidates, 'cpu'].join(', ')})`);
}

/**
 * Whether this browser has a WebGPU adapter; if so, loads TF.js's WebGPU backend (`src`, its
 * build, when the package is installed), so devices without WebGPU never download it.
 */
export async function loadWebGpuBackend(tf, src) {
  if (!globalThis.navigator?.gpu || !src) return false;
  try {
    if (!(await navigator.gpu.requestAdapter())) return false;
    if (!tf.findBackendFactory('webgpu')) await import(src);
    return Boolean(tf.findBackendFactory('webgpu'));
  } catch {
    return false;
  }
}

async function start(tf, name) {
  try {
    if (!(await tf.setBackend(name))) return false;
    await tf.ready();
    return tf.getBackend() === name;
  } catch {
    return false;
  }
}

async function measured(measure, name) {
  try {
    const ms = await measure(name);
    return Number.isFinite(ms) ? ms : Infinity;
  } catch {
    return Infinity;
  }
}
