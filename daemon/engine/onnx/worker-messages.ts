import { EngineError, type EngineErrorCode } from '../engine-error.ts';
import type { ExecutionProviderChoice, ExecutionProviderName, ProviderTuning } from './execution-provider.ts';
import type { TileOutputs } from '../loss-function.ts';
import type { PixelRect } from '../tile-plan.ts';
import type { CoreEvaluation, CoreStageInputs } from './onnx-loss-core.ts';
import type { OnnxConv } from './onnx-weights.ts';
import type { WeightsFolder } from '../weights/read-weight-arrays.ts';
import type { LossGraphConfig, StageGraphConfig } from './vgg-graph.ts';

/**
 * What the daemon and its ONNX worker process (onnx-worker.ts) say to each other. Both ends are
 * this module's own code, the worker a child started by worker-client.ts, exchanging V8
 * structured clones over its IPC channel, so the messages are typed rather than validated:
 * nothing here crosses a trust boundary.
 *
 * Requests carrying an `id` get exactly one reply with that id; the others are fire-and-forget
 * and, like every request, are handled in the order they were posted.
 */
export type WorkerRequest =
  | {
      type: 'init';
      id: number;
      /** The weights re-laid here, or the folder the worker reads them from itself. */
      weights: { convs: OnnxConv[] } | { folder: WeightsFolder };
      weightsSource: string;
      executionProvider: ExecutionProviderChoice;
      threads?: number;
      tuning?: ProviderTuning;
      backwardConv: LossGraphConfig['backwardConv'];
    }
  | { type: 'prepare'; id: number; stage: number; inputs: CoreStageInputs }
  | { type: 'evaluate'; id: number; stage: number; x: Float32Array }
  | { type: 'style-energy'; id: number; styles: CoreStageInputs['styles']; layers: string[] }
  | { type: 'dispose-stage'; stage: number }
  | { type: 'prepare-tiles'; id: number; kernel: number; config: StageGraphConfig }
  | { type: 'tile-forward'; id: number; kernel: number; window: Float32Array; own: PixelRect; want: TileOutputs; styleMasks?: Float32Array[] }
  | {
      type: 'tile-backward';
      id: number;
      kernel: number;
      window: Float32Array;
      own: PixelRect;
      contentTargets: Float32Array[];
      styleCoefficients: Float32Array[];
      contentScales: number[];
      styleMasks?: Float32Array[];
    }
  | { type: 'dispose-tiles'; kernel: number }
  | { type: 'clear-style-cache' }
  | { type: 'close' };

export interface ReplyValues {
  init: { backend: ExecutionProviderName; device: string; deepestTap: string };
  prepare: { styleCacheSize: number };
  evaluate: CoreEvaluation;
  'style-energy': { energy: number };
  'prepare-tiles': Record<string, never>;
  'tile-forward': { gramSums: Float32Array[]; content: Float32Array[] };
  'tile-backward': { contentSums: number[]; grad: Float32Array };
}

/** Every reply carries the worker's RSS high-water mark so far (worker-client.ts' onnxWorkerPeakRssBytes). */
export type WorkerReply =
  | { id: number; ok: true; value: ReplyValues[keyof ReplyValues]; maxRssBytes: number }
  | { id: number; ok: false; error: SerializedError; maxRssBytes: number };

export interface SerializedError {
  name: string;
  message: string;
  code?: EngineErrorCode;
  stack?: string;
}

export function serializeError(error: unknown): SerializedError {
  if (error instanceof EngineError) return { name: error.name, message: error.message, code: error.code, stack: error.stack };
  if (error instanceof Error) return { name: error.name, message: error.message, stack: error.stack };
  return { name: 'Error', message: String(error) };
}

/**
 * The worker's error as the calling thread would have thrown it: an EngineError keeps its
 * code, a RangeError (layers out of reach) stays one; the worker's stack goes in `cause`.
 */
export function deserializeError(e: SerializedError): Error {
  const cause = e.stack ? { cause: `in the ONNX worker: ${e.stack}` } : undefined;
  if (e.code) return new EngineError(e.code, e.message, cause);
  const error = e.name === 'RangeError' ? new RangeError(e.message, cause) : new Error(e.message, cause);
  if (error.name !== e.name) error.name = e.name;
  return error;
}
