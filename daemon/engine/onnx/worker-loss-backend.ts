import type { LossBackend, StageInputs, StageLossFunction, TileKernel, TileKernelConfig } from '../loss-function.ts';
import * as tf from '../tf.ts';
import type { InputConventionName } from '../types.ts';
import type { VggWeights } from '../weights/load-weights.ts';
import type { WeightsFolder } from '../weights/read-weight-arrays.ts';
import type { ExecutionProviderChoice, ProviderTuning } from './execution-provider.ts';
import { checkLayersReach } from './onnx-loss-core.ts';
import { toOnnxWeightsAsync } from './onnx-weights.ts';
import { toCoreStageInputsAsync, toCoreStylesAsync } from './stage-arrays.ts';
import type { LossGraphConfig } from './vgg-graph.ts';
import { OnnxWorkerClient } from './worker-client.ts';

export interface WorkerBackendOptions {
  executionProvider: ExecutionProviderChoice;
  threads?: number;
  tuning?: ProviderTuning;
  backwardConv: LossGraphConfig['backwardConv'];
}

/**
 * The ONNX path with its sessions in a worker process (onnx-worker.ts, worker-client.ts):
 * onnxruntime-node's `run` blocks the thread that calls it for a whole evaluation, and here that
 * is the worker's, so the daemon keeps answering cancel, status and other clients meanwhile. Per
 * evaluation the image goes over and the gradient comes back through the IPC channel, a copy
 * each way (2.4 MB at 512×384; tiled stages send windows, never the whole image). Images are
 * preprocessed here, so the worker loads no TensorFlow.js.
 *
 * The style Gram cache lives in the worker; `styleCache.size` mirrors it as of the last stage
 * prepared, and `clear()` empties both.
 */
export class WorkerOnnxLossBackend implements LossBackend {
  readonly engine = 'onnx';
  readonly styleCache: { readonly size: number; clear(): void };
  private styleCacheSize = 0;
  /** Counts clears, so a stage prepared before one cannot restore a stale size after it. */
  private clears = 0;
  private nextStage = 1;

  private constructor(
    private readonly client: OnnxWorkerClient,
    readonly backend: string,
    readonly device: string,
    readonly convention: InputConventionName,
    private readonly deepestTap: string,
  ) {
    const self = this;
    this.styleCache = {
      get size() {
        return self.styleCacheSize;
      },
      clear() {
        self.styleCacheSize = 0;
        self.clears += 1;
        self.client.post({ type: 'clear-style-cache' });
      },
    };
  }

  /**
   * Starts the worker and has it read the weights folder itself; loaded tensors (tests) are
   * re-laid here while it starts (~0.3 s) and sent over.
   */
  static async startAsync(weights: VggWeights | WeightsFolder, options: WorkerBackendOptions): Promise<WorkerOnnxLossBackend> {
    const client = new OnnxWorkerClient();
    try {
      const sent = 'dir' in weights ? { folder: { dir: weights.dir, convention: weights.convention, source: weights.source } } : { convs: await toOnnxWeightsAsync(weights) };
      const { backend, device, deepestTap } = await client.callAsync({ type: 'init', weights: sent, weightsSource: weights.source, ...options });
      return new WorkerOnnxLossBackend(client, backend, device, weights.convention, deepestTap);
    } catch (error) {
      client.close();
      throw error;
    }
  }

  checkLayers(layers: readonly string[]): void {
    checkLayersReach(this.deepestTap, layers);
  }

  async prepareStageAsync(inputs: StageInputs): Promise<StageLossFunction> {
    this.checkLayers([...inputs.options.contentLayers, ...inputs.options.styleLayers]);
    const core = await toCoreStageInputsAsync(inputs, this.convention);
    const stage = this.nextStage++;
    const clears = this.clears;
    const { styleCacheSize } = await this.client.callAsync({ type: 'prepare', stage, inputs: core });
    if (clears === this.clears) this.styleCacheSize = styleCacheSize;
    let disposed = false;
    return {
      evaluateAsync: async (x) => {
        if (disposed) throw new Error('This stage’s loss function was disposed.');
        // The channel copies it: only a view into a larger buffer (wasm's heap) is cut out first,
        // as the whole buffer under a view would be copied.
        const { content, style, tv, grad } = await this.client.callAsync({ type: 'evaluate', stage, x: compact((await x.data()) as Float32Array) });
        return { content, style, tv, grad: tf.tensor4d(grad, x.shape) };
      },
      dispose: () => {
        if (disposed) return;
        disposed = true;
        this.client.post({ type: 'dispose-stage', stage });
      },
    };
  }

  async styleEnergyAsync(styles: StageInputs['styles'], layers: readonly string[]): Promise<number> {
    this.checkLayers(layers);
    const { energy } = await this.client.callAsync({ type: 'style-energy', styles: await toCoreStylesAsync(styles, this.convention), layers: [...layers] });
    return energy;
  }

  /** The tile graphs live in the worker; windows go over and gradients come back. */
  async prepareTileKernelAsync(config: TileKernelConfig): Promise<TileKernel> {
    this.checkLayers([...config.contentLayers, ...config.styleLayers]);
    const kernel = this.nextStage++;
    const plain = {
      height: config.height,
      width: config.width,
      contentLayers: [...config.contentLayers],
      styleLayers: [...config.styleLayers],
      ...(config.styleMasked ? { styleMasked: true } : {}),
    };
    await this.client.callAsync({ type: 'prepare-tiles', kernel, config: plain });
    let disposed = false;
    const live = (): void => {
      if (disposed) throw new Error('This stage’s tile kernel was disposed.');
    };
    return {
      forwardAsync: (window, own, want, styleMasks) => {
        live();
        return this.client.callAsync({ type: 'tile-forward', kernel, window: compact(window), own, want, ...(styleMasks ? { styleMasks: styleMasks.map(compact) } : {}) });
      },
      backwardAsync: (window, own, contentTargets, styleCoefficients, contentScales, styleMasks) => {
        live();
        return this.client.callAsync({
          type: 'tile-backward',
          kernel,
          window: compact(window),
          own,
          contentTargets: contentTargets.map(compact),
          styleCoefficients: styleCoefficients.map(compact),
          contentScales: [...contentScales],
          ...(styleMasks ? { styleMasks: styleMasks.map(compact) } : {}),
        });
      },
      dispose: () => {
        if (disposed) return;
        disposed = true;
        this.client.post({ type: 'dispose-tiles', kernel });
      },
    };
  }

  dispose(): void {
    this.client.close();
  }
}

/** The array itself when it is its buffer's whole, else a copy of just its part. */
function compact(a: Float32Array): Float32Array {
  return a.byteOffset === 0 && a.byteLength === a.buffer.byteLength ? a : a.slice();
}
