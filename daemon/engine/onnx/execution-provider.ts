import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { arch, cpus, platform } from 'node:os';
import { dirname, join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { EngineError } from '../engine-error.ts';
import { GraphBuilder, ints } from './graph-builder.ts';
import { INTRA_OP_SPINNING } from './limits.ts';

export const EXECUTION_PROVIDER_NAMES = ['auto', 'cpu', 'cuda', 'dml', 'coreml'] as const;
export type ExecutionProviderChoice = (typeof EXECUTION_PROVIDER_NAMES)[number];
export type ExecutionProviderName = Exclude<ExecutionProviderChoice, 'auto'>;

export interface ResolvedProvider {
  name: ExecutionProviderName;
  device: string;
  sessionOptions: ort.InferenceSession.SessionOptions;
}

/** The GPU provider each platform's onnxruntime-node build can carry. */
const PLATFORM_GPU: Partial<Record<NodeJS.Platform, ExecutionProviderName>> = {
  linux: 'cuda',
  win32: 'dml',
  darwin: 'coreml',
};

const HOW_TO_ENABLE: Record<Exclude<ExecutionProviderName, 'cpu'>, string> = {
  cuda:
    'CUDA needs Linux x64, an NVIDIA driver with CUDA 12 and cuDNN 9, and onnxruntime-node\'s CUDA libraries: run `ONNXRUNTIME_NODE_INSTALL=cuda12 npm rebuild onnxruntime-node` once with internet access (the project\'s .npmrc skips that download by default)',
  dml: 'DirectML needs Windows 10 1903 or later with a DirectX 12 GPU',
  coreml: 'CoreML needs macOS',
};

function sessionOptionsFor(name: ExecutionProviderName, threads: number): ort.InferenceSession.SessionOptions {
  const common: ort.InferenceSession.SessionOptions = {
    graphOptimizationLevel: 'all',
    executionMode: 'sequential',
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    extra: { session: { intra_op: { allow_spinning: INTRA_OP_SPINNING ? '1' : '0' } } },
  };
  switch (name) {
    case 'cpu':
      return { ...common, executionProviders: ['cpu'] };
    case 'cuda':
      return { ...common, executionProviders: ['cuda', 'cpu'] };
    case 'dml':
      // DirectML requires these two settings (onnxruntime's DirectML documentation).
      return { ...common, executionProviders: ['dml', 'cpu'], enableMemPattern: false };
    case 'coreml':
      return { ...common, executionProviders: ['coreml', 'cpu'] };
  }
}

function describe(name: ExecutionProviderName, threads: number): string {
  switch (name) {
    case 'cpu':
      return `CPU (onnxruntime, ${threads} thread${threads > 1 ? 's' : ''})`;
    case 'cuda':
      return 'GPU (onnxruntime, CUDA)';
    case 'dml':
      return 'GPU (onnxruntime, DirectML)';
    case 'coreml':
      return 'GPU/Neural Engine (onnxruntime, CoreML)';
  }
}

/**
 * onnxruntime-node's CUDA provider is a separate library its install step downloads (skipped by
 * this project's .npmrc). When it is absent, say so without asking onnxruntime, which would
 * log a load failure to stderr on every start under 'auto'.
 */
function missingProviderLibrary(name: ExecutionProviderName): string | undefined {
  if (name !== 'cuda') return undefined;
  const binding = dirname(createRequire(import.meta.url).resolve('onnxruntime-node'));
  const library = join(binding, '..', 'bin', 'napi-v6', platform(), arch(), 'libonnxruntime_providers_cuda.so');
  return existsSync(library) ? undefined : `${library} is not installed`;
}

/** A one-convolution model: creating and running a session on it proves a provider works here. */
export function probeModel(): Uint8Array {
  const g = new GraphBuilder();
  const x = g.input('x', [1, 3, 4, 4]);
  const w = g.floatTensor('w', [2, 3, 3, 3], new Float32Array(54).fill(0.1));
  g.output('y', g.op('Relu', [g.op('Conv', [x, w], { kernel_shape: ints([3, 3]), pads: ints([1, 1, 1, 1]) })]), [1, 2, 4, 4]);
  return g.encode();
}

async function worksAsync(options: ort.InferenceSession.SessionOptions): Promise<unknown> {
  try {
    const session = await ort.InferenceSession.create(probeModel(), options);
    try {
      await session.run({ x: new ort.Tensor('float32', new Float32Array(48).fill(1), [1, 3, 4, 4]) });
    } finally {
      await session.release();
    }
    return undefined;
  } catch (error) {
    return error ?? new Error('unknown failure');
  }
}

/**
 * Resolves the requested provider. 'auto' takes the platform's GPU provider when a session
 * with it starts, else the CPU; a named provider that cannot start is an error that says how
 * to enable it, never a silent fallback.
 */
export async function resolveProviderAsync(choice: ExecutionProviderChoice = 'auto', threads = cpus().length): Promise<ResolvedProvider> {
  const resolved = (name: ExecutionProviderName): ResolvedProvider => ({
    name,
    device: describe(name, threads),
    sessionOptions: sessionOptionsFor(name, threads),
  });
  if (choice === 'cpu') return resolved('cpu');
  const gpu = choice === 'auto' ? PLATFORM_GPU[platform()] : choice;
  if (!gpu || gpu === 'cpu') return resolved('cpu');
  const failure = missingProviderLibrary(gpu) ?? (await worksAsync(sessionOptionsFor(gpu, threads)));
  if (!failure) return resolved(gpu);
  if (choice === 'auto') return resolved('cpu');
  throw new EngineError(
    'backend-unavailable',
    `The ONNX Runtime ${gpu} provider did not start here (${String(failure instanceof Error ? failure.message : failure).split('\n')[0]}); ${HOW_TO_ENABLE[gpu]}, or use the cpu provider.`,
    { cause: failure },
  );
}
