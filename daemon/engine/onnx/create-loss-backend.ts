import type { LossBackend } from '../loss-function.ts';
import type { VggWeights } from '../weights/load-weights.ts';
import { resolveProviderAsync, type ExecutionProviderChoice, type ProviderTuning } from './execution-provider.ts';
import { OnnxLossBackend } from './onnx-loss-backend.ts';
import type { WeightsFolder } from '../weights/read-weight-arrays.ts';
import { readOnnxConvsAsync, toOnnxWeightsAsync } from './onnx-weights.ts';
import type { LossGraphConfig } from './vgg-graph.ts';
import { WorkerOnnxLossBackend } from './worker-loss-backend.ts';

export interface OnnxLossBackendOptions {
  /** 'auto' (default): the first GPU provider that starts (execution-provider.ts' autoOrder), else the CPU. */
  executionProvider?: ExecutionProviderChoice;
  /** Intra-op threads; default: every core (os.cpus().length). */
  threads?: number;
  /** Provider settings measured per machine (WebGPU's layout); defaults in limits.ts. */
  tuning?: ProviderTuning;
  /**
   * How the graph back-propagates through convolutions; 'flipped-conv' (default) measured
   * faster on CPU, where onnxruntime's Conv has blocked (NCHWc) kernels and ConvTranspose not.
   */
  backwardConv?: LossGraphConfig['backwardConv'];
  /**
   * Run the sessions in a worker process (default), so the event loop keeps turning during an
   * evaluation; false runs them on the calling thread, for benchmarks and tests comparing the two.
   */
  inWorker?: boolean;
}

/**
 * Reads the weights into ONNX layouts and starts the loss backend, in a worker by default; the
 * execution provider is resolved where the sessions will live (see execution-provider.ts).
 * Weights given as a folder are read where the sessions live: a worker reads them itself, so
 * the calling process never holds them (issue 11); loaded tensors (tests) are sent over.
 */
export async function createOnnxLossBackendAsync(weights: VggWeights | WeightsFolder, options: OnnxLossBackendOptions = {}): Promise<LossBackend> {
  const executionProvider = options.executionProvider ?? 'auto';
  const backwardConv = options.backwardConv ?? 'flipped-conv';
  if (options.inWorker === false) {
    const provider = await resolveProviderAsync(executionProvider, options.threads, options.tuning);
    const convs = 'dir' in weights ? await readOnnxConvsAsync(weights) : await toOnnxWeightsAsync(weights);
    return new OnnxLossBackend(convs, weights.source, weights.convention, provider, backwardConv);
  }
  return WorkerOnnxLossBackend.startAsync(weights, { executionProvider, threads: options.threads, tuning: options.tuning, backwardConv });
}
