// TensorFlow.js for a page: its browser builds, imported by package name through the page's
// import map (vendor.js). They are UMD files: imported as modules they set globalThis.tf, the
// WASM backend second. A page imports this module before any that uses `tf`; the addresses are
// for the Web Workers, which have no import map (offThread.js), and for backend.js.
import '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { vendorUrl } from './vendor.js';

export const { tf } = globalThis;
export const tfScripts = [vendorUrl('@tensorflow/tfjs'), vendorUrl('@tensorflow/tfjs-backend-wasm')];
// The folder of the WASM backend's .wasm files, and WebGPU's build where it is installed.
export const wasmPath = vendorUrl('@tensorflow/tfjs-backend-wasm/');
export const webgpuUrl = vendorUrl('@tensorflow/tfjs-backend-webgpu');
