import { createRequire } from 'node:module';
import { cpus } from 'node:os';
import * as tf from './tf.ts';
import { EngineError } from './engine-error.ts';

export const BACKEND_NAMES = ['auto', 'tensorflow', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKEND_NAMES)[number];

export interface ActiveBackend {
  /** tfjs' backend name: 'tensorflow', 'wasm' or 'cpu'. */
  name: 'tensorflow' | 'wasm' | 'cpu';
  /** Human-readable: which library and which device computes. */
  device: string;
  /** On wasm and cpu, convolutions and Gram matrices use hand-written gradients (see vgg19.ts). */
  customGradients: boolean;
}

const require = createRequire(import.meta.url);

/**
 * libtensorflow bindings register the 'tensorflow' backend when imported. They are optional
 * dependencies whose install downloads libtensorflow, so on most machines they are absent or
 * broken; a failed load is an expected outcome, not an error, under 'auto'.
 */
function loadTensorflowBinding(): { device: string } | undefined {
  for (const [pkg, device] of [
    ['@tensorflow/tfjs-node-gpu', 'GPU (libtensorflow, CUDA)'],
    ['@tensorflow/tfjs-node', 'CPU (libtensorflow)'],
  ] as const) {
    try {
      require(pkg);
      if (tf.findBackend('tensorflow')) return { device };
    } catch {
      // Not installed or libtensorflow missing: try the next one.
    }
  }
  return undefined;
}

async function tryWasmAsync(): Promise<boolean> {
  try {
    await import('@tensorflow/tfjs-backend-wasm');
    return await tf.setBackend('wasm');
  } catch {
    return false;
  }
}

let active: ActiveBackend | undefined;

/**
 * Picks the fastest backend that works here: tensorflow (GPU, then CPU), then wasm (SIMD),
 * then plain JavaScript. A named backend that cannot start is an error, not a silent fallback.
 */
export async function selectBackendAsync(requested: BackendName = 'auto'): Promise<ActiveBackend> {
  if (active && (requested === 'auto' || requested === active.name)) return active;

  if (requested === 'auto' || requested === 'tensorflow') {
    const binding = loadTensorflowBinding();
    if (binding && (await tf.setBackend('tensorflow'))) {
      await tf.ready();
      return (active = { name: 'tensorflow', device: binding.device, customGradients: false });
    }
    if (requested === 'tensorflow') {
      throw new EngineError(
        'backend-unavailable',
        'The tensorflow backend is not installed here: install @tensorflow/tfjs-node-gpu (NVIDIA, CUDA 11.2 + cuDNN 8.1) or @tensorflow/tfjs-node, or use --backend wasm.',
      );
    }
  }
  if (requested === 'auto' || requested === 'wasm') {
    if (await tryWasmAsync()) {
      await tf.ready();
      const simd = tf.env().getBool('WASM_HAS_SIMD_SUPPORT');
      const threads = tf.env().getBool('WASM_HAS_MULTITHREAD_SUPPORT') ? cpus().length : 1;
      return (active = {
        name: 'wasm',
        device: `CPU (WebAssembly${simd ? ' SIMD' : ''}, ${threads} thread${threads > 1 ? 's' : ''})`,
        customGradients: true,
      });
    }
    if (requested === 'wasm') {
      throw new EngineError('backend-unavailable', 'The WebAssembly backend failed to start; use --backend cpu.');
    }
  }
  await tf.setBackend('cpu');
  await tf.ready();
  return (active = { name: 'cpu', device: 'CPU (JavaScript)', customGradients: true });
}
