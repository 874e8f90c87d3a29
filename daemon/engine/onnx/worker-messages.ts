import { EngineError, type EngineErrorCode } from '../engine-error.ts';
import type { ExecutionProviderChoice, ExecutionProviderName, ProviderTuning } from './execution-provider.ts';
import type { TileOutputs } from '../loss-function.ts';
import type { PixelRect } from '../tile-plan.ts';
import type { CoreEvaluation, CoreStageInputs } from './onnx-loss-core.ts';
import type { OnnxConv } from './onnx-weights.ts';
import type { LossGraphConfig, StageGraphConfig } from './vgg-graph.ts';

/**
 * What the main thread and the ONNX worker (onnx-worker.ts) say to each other. Both ends are
 * this module's own code in one process, exchanging structured clones, so the messages are
 * typed rather than validated: nothing here crosses a trust boundary.
 *
 * Requests carrying an `id` get exactly one reply with that id; the others are fire-and-forget
 * and, like every request, are handled in the order they were posted.
 */
export type WorkerRequest =
  | {
      type: 'init';
      id: number;
      convs: OnnxConv[];
      weightsSource: string;
      executionProvider: ExecutionProviderChoice;
      threads?: number;
      tuning?: ProviderTuning;
      backwardConv: LossGraphConfig['backwardConv'];
    }
  | { type: 'prepare'; id: number; stage: number; inputs: CoreStageInputs }
  | { type: 'evaluate'; id: number; stage: number; x: Float32Array }
  | { type: 'dispose-stage'; stage: number }
  | { type: 'prepare-tiles'; id: number; kernel: number; config: StageGraphConfig }
  | { type: 'tile-forward'; id: number; kernel: number; window: Float32Array; own: PixelRect; want: TileOutputs }
  | {
      type: 'tile-backward';
      id: number;
      kernel: number;
      window: Float32Array;
      own: PixelRect;
      contentTargets: Float32Array[];
      styleCoefficients: Float32Array[];
      contentScales: number[];
    }
  | { type: 'dispose-tiles'; kernel: number }
  | { type: 'clear-style-cache' }
  | { type: 'close' };

export interface ReplyValues {
  init: { backend: ExecutionProviderName; device: string; deepestTap: string };
  prepare: { styleCacheSize: number };
  evaluate: CoreEvaluation;
  'prepare-tiles': Record<string, never>;
  'tile-forward': { gramSums: Float32Array[]; content: Float32Array[] };
  'tile-backward': { contentSums: number[]; grad: Float32Array };
}

export type WorkerReply =
  | { id: number; ok: true; value: ReplyValues[keyof ReplyValues] }
  | { id: number; ok: false; error: SerializedError };

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

/** The buffers a message can hand over instead of copying: only compact arrays, whose buffer is theirs alone. */
export function transferable(...arrays: Float32Array[]): ArrayBuffer[] {
  const buffers = arrays
    .filter((a) => a.byteOffset === 0 && a.byteLength === a.buffer.byteLength && a.buffer instanceof ArrayBuffer)
    .map((a) => a.buffer as ArrayBuffer);
  return [...new Set(buffers)];
}
