import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { arch, cpus, platform } from 'node:os';
import { dirname, join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { EngineError } from '../engine-error.ts';
import { describeWebGpuAdapter } from './gpu-adapter.ts';
import { GraphBuilder, ints } from './graph-builder.ts';
import { CPU_MEMORY_ARENA, CPU_MEMORY_PATTERN, GRAPH_OPTIMIZATION_LEVEL, INTRA_OP_SPINNING, WEBGPU_PREFERRED_LAYOUT } from './limits.ts';

import type { ExecutionProviderChoice, ExecutionProviderName } from './provider-names.ts';

export { EXECUTION_PROVIDER_NAMES, type ExecutionProviderChoice, type ExecutionProviderName } from './provider-names.ts';

export interface ResolvedProvider {
  name: ExecutionProviderName;
  device: string;
  /** The GPU, as far as it is known (webgpu: gpu-adapter.ts); undefined on the CPU. */
  adapter?: string;
  /** The adapter is a software rasteriser (gpu-adapter.ts): 'auto' passes it over. */
  softwareAdapter?: boolean;
  sessionOptions: ort.InferenceSession.SessionOptions;
}

export interface ProviderTuning {
  /** Layout of WebGPU's layout-sensitive kernels (Conv, MaxPool); see limits.ts. */
  webgpuLayout?: 'NCHW' | 'NHWC';
}

/**
 * What 'auto' tries, in order, before the CPU: the platform's vendor provider (CUDA only where
 * its library is installed), then WebGPU, which onnxruntime-node bundles on Linux x64 and
 * Windows and which drives any GPU with Vulkan, Direct3D 12 or Metal.
 */
const AUTO_ORDER: Partial<Record<NodeJS.Platform, ExecutionProviderName[]>> = {
  linux: ['cuda', 'webgpu'],
  win32: ['dml', 'webgpu'],
  darwin: ['coreml', 'webgpu'],
};

const HOW_TO_ENABLE: Record<Exclude<ExecutionProviderName, 'cpu'>, string> = {
  cuda:
    'CUDA needs Linux x64, an NVIDIA driver with CUDA 12 and cuDNN 9, and onnxruntime-node\'s CUDA libraries: run `ONNXRUNTIME_NODE_INSTALL=cuda12 node node_modules/onnxruntime-node/script/install.js` once with internet access (the project\'s package.json allowScripts skips that download by default)',
  webgpu:
    'WebGPU needs a GPU driver with Vulkan (Linux: the vendor\'s driver and the Vulkan loader, Debian/Ubuntu package libvulkan1), Direct3D 12 (Windows 10 or later) or Metal (macOS); `atelier doctor` says what this machine has',
  dml: 'DirectML needs Windows 10 1903 or later with a DirectX 12 GPU',
  coreml: 'CoreML needs macOS',
};

function sessionOptionsFor(name: ExecutionProviderName, threads: number, tuning: ProviderTuning): ort.InferenceSession.SessionOptions {
  const common: ort.InferenceSession.SessionOptions = {
    graphOptimizationLevel: GRAPH_OPTIMIZATION_LEVEL,
    executionMode: 'sequential',
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    enableCpuMemArena: CPU_MEMORY_ARENA,
    enableMemPattern: CPU_MEMORY_PATTERN,
    extra: { session: { intra_op: { allow_spinning: INTRA_OP_SPINNING ? '1' : '0' } } },
  };
  switch (name) {
    case 'cpu':
      return { ...common, executionProviders: ['cpu'] };
    case 'cuda':
      return { ...common, executionProviders: ['cuda', 'cpu'] };
    case 'webgpu':
      return {
        ...common,
        executionProviders: [{ name: 'webgpu', preferredLayout: tuning.webgpuLayout ?? WEBGPU_PREFERRED_LAYOUT }, 'cpu'],
      };
    case 'dml':
      // DirectML requires these two settings (onnxruntime's DirectML documentation), whatever
      // CPU_MEMORY_PATTERN says.
      return { ...common, executionProviders: ['dml', 'cpu'], enableMemPattern: false };
    case 'coreml':
      return { ...common, executionProviders: ['coreml', 'cpu'] };
  }
}

function describe(name: ExecutionProviderName, threads: number, adapter: string | undefined): string {
  switch (name) {
    case 'cpu':
      return `CPU (onnxruntime, ${threads} thread${threads > 1 ? 's' : ''})`;
    case 'cuda':
      return 'GPU (onnxruntime, CUDA)';
    case 'webgpu':
      return `GPU (onnxruntime, WebGPU: ${adapter})`;
    case 'dml':
      return 'GPU (onnxruntime, DirectML)';
    case 'coreml':
      return 'GPU/Neural Engine (onnxruntime, CoreML)';
  }
}

/** Folders the dynamic loader searches for a library dlopen()ed by its bare name. */
function libraryFound(file: string): boolean {
  const dirs = [...(process.env.LD_LIBRARY_PATH ?? '').split(':').filter(Boolean), '/lib/x86_64-linux-gnu', '/usr/lib/x86_64-linux-gnu', '/lib64', '/usr/lib64', '/lib', '/usr/lib'];
  if (dirs.some((d) => existsSync(join(d, file)))) return true;
  try {
    // ldconfig's cache holds the path of every library it indexed, as plain text.
    return readFileSync('/etc/ld.so.cache', 'latin1').includes(file);
  } catch {
    return false;
  }
}

/**
 * A provider's library that is certainly absent, said without asking onnxruntime, which would
 * log a load failure to stderr on every start under 'auto': onnxruntime-node's CUDA provider
 * (downloaded by its install step, which this project's package.json allowScripts skips), WebGPU's Vulkan loader
 * on Linux (Dawn prints "Couldn't load Vulkan" otherwise), a provider this build lacks.
 */
export function missingProviderLibrary(name: ExecutionProviderName): string | undefined {
  const bundled = ort.listSupportedBackends().find((b) => b.name === name);
  if (name === 'cuda') {
    const binding = dirname(createRequire(import.meta.url).resolve('onnxruntime-node'));
    const library = join(binding, '..', 'bin', 'napi-v6', platform(), arch(), 'libonnxruntime_providers_cuda.so');
    return existsSync(library) ? undefined : `${library} is not installed`;
  }
  if (name === 'webgpu') {
    if (!bundled) return `this onnxruntime-node build (${platform()} ${arch()}) has no WebGPU provider`;
    if (platform() === 'linux' && !libraryFound('libvulkan.so.1')) return 'libvulkan.so.1 (the Vulkan loader) is not installed';
  }
  return undefined;
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
 * The sentence in an onnxruntime failure: its messages start with the source file, line and
 * the failed check ("…/webgpu_context.cc:136 … was false. Failed to get a WebGPU adapter: No
 * supported adapters"); the designer needs the last part.
 */
export function failureReason(failure: unknown): string {
  const text = String(failure instanceof Error ? failure.message : failure).split('\n')[0];
  const afterCheck = / was false\. (.+)$/.exec(text)?.[1];
  return (afterCheck ?? text).trim();
}

export interface ProviderProbe {
  name: ExecutionProviderName;
  /** Why it cannot run here; undefined when a session started and ran. */
  failure?: string;
  resolved?: ResolvedProvider;
}

/** Tries one provider: its library, then a session on the probe model. */
export async function probeProviderAsync(name: ExecutionProviderName, threads = cpus().length, tuning: ProviderTuning = {}): Promise<ProviderProbe> {
  const sessionOptions = sessionOptionsFor(name, threads, tuning);
  const resolved = (): ResolvedProvider => {
    if (name !== 'webgpu') return { name, device: describe(name, threads, undefined), sessionOptions };
    const adapter = describeWebGpuAdapter();
    return { name, device: describe(name, threads, adapter.description), adapter: adapter.description, softwareAdapter: adapter.software, sessionOptions };
  };
  if (name === 'cpu') return { name, resolved: resolved() };
  const missing = missingProviderLibrary(name);
  if (missing) return { name, failure: missing };
  const failure = await worksAsync(sessionOptions);
  return failure ? { name, failure: failureReason(failure) } : { name, resolved: resolved() };
}

/**
 * Whether 'auto' takes a provider that started: not on a software Vulkan (SwiftShader,
 * lavapipe), which computes right but slower than the CPU provider (notes/issue-12: 150×225 on
 * SwiftShader vs the CPU provider); asked for by name, it is used.
 */
export function autoTakes(probe: ProviderProbe): boolean {
  return probe.resolved !== undefined && !probe.resolved.softwareAdapter;
}

/** The providers 'auto' tries on this platform, best first, the CPU last. */
export function autoOrder(): ExecutionProviderName[] {
  return [...(AUTO_ORDER[platform()] ?? []), 'cpu'];
}

/**
 * Resolves the requested provider. 'auto' takes the first of autoOrder() whose session starts;
 * a named provider that cannot start is an error that says why and how to enable it, never
 * a silent fallback.
 */
export async function resolveProviderAsync(
  choice: ExecutionProviderChoice = 'auto',
  threads = cpus().length,
  tuning: ProviderTuning = {},
): Promise<ResolvedProvider> {
  if (choice === 'auto') {
    for (const name of autoOrder()) {
      const probe = await probeProviderAsync(name, threads, tuning);
      if (probe.resolved && autoTakes(probe)) return probe.resolved;
    }
  }
  const name = choice === 'auto' ? 'cpu' : choice;
  const probe = await probeProviderAsync(name, threads, tuning);
  if (probe.resolved) return probe.resolved;
  throw new EngineError(
    'backend-unavailable',
    `The ONNX Runtime ${name} provider did not start here (${probe.failure}); ${HOW_TO_ENABLE[name as Exclude<ExecutionProviderName, 'cpu'>]}, or use the cpu provider.`,
  );
}
