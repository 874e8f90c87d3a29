import type { LossBackend, StageInputs, StageLossFunction, TileKernel, TileKernelConfig } from '../loss-function.ts';
import * as tf from '../tf.ts';
import type { InputConventionName } from '../types.ts';
import type { VggWeights } from '../weights/load-weights.ts';
import type { ExecutionProviderChoice, ProviderTuning } from './execution-provider.ts';
import { checkLayersReach } from './onnx-loss-core.ts';
import { toOnnxWeightsAsync } from './onnx-weights.ts';
import { toCoreStageInputsAsync } from './stage-arrays.ts';
import type { LossGraphConfig } from './vgg-graph.ts';
import { OnnxWorkerClient } from './worker-client.ts';
import { transferable } from './worker-messages.ts';

export interface WorkerBackendOptions {
  executionProvider: ExecutionProviderChoice;
  threads?: number;
  tuning?: ProviderTuning;
  backwardConv: LossGraphConfig['backwardConv'];
}

/**
 * The ONNX path with its sessions in a worker thread (onnx-worker.ts): onnxruntime-node's
 * `run` blocks the thread that calls it for a whole evaluation, and here that is the worker's,
 * so the daemon keeps answering cancel, status and other clients meanwhile. Per evaluation the
 * image goes over and the gradient comes back as transferred buffers, at the cost of one more
 * copy of the image (1.6 MB at 300×450). Images are preprocessed here, so the worker loads no
 * TensorFlow.js.
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
   * Starts the worker, then re-lays the weights while it loads (its start, ~0.3 s, overlaps
   * the conversion) and moves them over: the arrays are transferred, not copied.
   */
  static async startAsync(weights: VggWeights, options: WorkerBackendOptions): Promise<WorkerOnnxLossBackend> {
    const client = new OnnxWorkerClient();
    try {
      const convs = await toOnnxWeightsAsync(weights);
      const { backend, device, deepestTap } = await client.callAsync(
        { type: 'init', convs, weightsSource: weights.source, ...options },
        transferable(...convs.flatMap((c) => [c.kernel, c.bias])),
      );
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
    const { styleCacheSize } = await this.client.callAsync(
      { type: 'prepare', stage, inputs: core },
      transferable(core.content, ...core.styles.map((s) => s.pixels)),
    );
    if (clears === this.clears) this.styleCacheSize = styleCacheSize;
    let disposed = false;
    return {
      evaluateAsync: async (x) => {
        if (disposed) throw new Error('This stage’s loss function was disposed.');
        // A compact copy to hand over: tfjs' own array may be its storage or a wasm heap view.
        const data = ((await x.data()) as Float32Array).slice();
        const { content, style, tv, grad } = await this.client.callAsync({ type: 'evaluate', stage, x: data }, transferable(data));
        return { content, style, tv, grad: tf.tensor4d(grad, x.shape) };
      },
      dispose: () => {
        if (disposed) return;
        disposed = true;
        this.client.post({ type: 'dispose-stage', stage });
      },
    };
  }

  /** The tile graphs live in the worker; windows go over and gradients come back transferred. */
  async prepareTileKernelAsync(config: TileKernelConfig): Promise<TileKernel> {
    this.checkLayers([...config.contentLayers, ...config.styleLayers]);
    const kernel = this.nextStage++;
    const plain = { height: config.height, width: config.width, contentLayers: [...config.contentLayers], styleLayers: [...config.styleLayers] };
    await this.client.callAsync({ type: 'prepare-tiles', kernel, config: plain });
    let disposed = false;
    const live = (): void => {
      if (disposed) throw new Error('This stage’s tile kernel was disposed.');
    };
    return {
      forwardAsync: (window, own, want) => {
        live();
        return this.client.callAsync({ type: 'tile-forward', kernel, window, own, want }, transferable(window));
      },
      backwardAsync: (window, own, contentTargets, styleCoefficients, contentScales) => {
        live();
        const targets = [...contentTargets];
        return this.client.callAsync(
          { type: 'tile-backward', kernel, window, own, contentTargets: targets, styleCoefficients: [...styleCoefficients], contentScales: [...contentScales] },
          transferable(window, ...targets),
        );
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
