// Picks TF.js's backend. WebGL only where the GPU is real: software WebGL (SwiftShader,
// llvmpipe) is about 20x slower than WASM-SIMD here. `?backend=wasm|webgl|cpu` forces one.
const SOFTWARE_RENDERER = /swiftshader|llvmpipe|softpipe|software|basic render/i;
export const BACKENDS = ['wasm', 'webgl', 'cpu'];

export function webglRenderer() {
  const canvas = document.createElement('canvas');
  const gl = canvas.getContext('webgl2') || canvas.getContext('webgl');
  if (!gl) return null;
  const info = gl.getExtension('WEBGL_debug_renderer_info');
  const renderer = gl.getParameter(info ? info.UNMASKED_RENDERER_WEBGL : gl.RENDERER);
  gl.getExtension('WEBGL_lose_context')?.loseContext();
  return String(renderer);
}

export function requestedBackend(search = location.search) {
  const value = new URLSearchParams(search).get('backend');
  return BACKENDS.includes(value) ? value : null;
}

export async function chooseBackend(tf) {
  const wasmPath = document.getElementById('tfjs-wasm')?.dataset.wasmPath;
  if (wasmPath && tf.wasm) tf.wasm.setWasmPaths(wasmPath);
  const requested = requestedBackend();
  const renderer = webglRenderer();
  const candidates = requested
    ? [requested]
    : renderer && !SOFTWARE_RENDERER.test(renderer)
      ? ['webgl', 'wasm', 'cpu']
      : ['wasm', 'cpu'];
  for (const name of candidates) {
    if (await tf.setBackend(name)) {
      await tf.ready();
      return { backend: tf.getBackend(), renderer, requested };
    }
  }
  throw new Error(`no TF.js backend could start (tried ${candidates.join(', ')})`);
}
