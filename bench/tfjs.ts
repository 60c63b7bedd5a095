// The tfjs peers: the pure-JS cpu backend and the WebAssembly backend (XNNPACK), both float32.
// In Node the wasm backend reads its .wasm file from disk: setWasmPaths takes the folder (with a
// trailing separator) that holds tfjs-backend-wasm*.wasm, which is the package's dist/.
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';

export { tf };
export type TfBackend = 'cpu' | 'wasm';

export async function initTfjs(): Promise<string> {
  const dist = path.join(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist') + path.sep;
  setWasmPaths(dist);
  if (!(await tf.setBackend('wasm'))) throw new Error('tfjs wasm backend failed to initialise');
  const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
  const threads = await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT');
  if (!(await tf.setBackend('cpu'))) throw new Error('tfjs cpu backend failed to initialise');
  return `tfjs ${tf.version.tfjs}; wasm backend with SIMD ${simd ? 'on' : 'off'}, threads ${threads ? 'on' : 'off'}`;
}

/** Activates a backend; tensors must be created after this, so they live in it. */
export async function useBackend(b: TfBackend): Promise<void> {
  if (tf.getBackend() !== b && !(await tf.setBackend(b))) throw new Error(`tfjs backend ${b} is unavailable`);
}
