import type { LossBackend, StageInputs, StageLossFunction, TileKernel, TileKernelConfig } from '../loss-function.ts';
import * as tf from '../tf.ts';
import type { InputConventionName } from '../types.ts';
import type { ResolvedProvider } from './execution-provider.ts';
import { checkLayersReach, OnnxLossCore } from './onnx-loss-core.ts';
import type { OnnxConv } from './onnx-weights.ts';
import { toCoreStageInputsAsync, toCoreStylesAsync } from './stage-arrays.ts';
import type { LossGraphConfig } from './vgg-graph.ts';

/**
 * The ONNX path on the calling thread: onnxruntime-node's `run` blocks it for a whole
 * evaluation, so the event loop stalls meanwhile. The engine's default is the worker
 * (worker-loss-backend.ts); this one is kept for benchmarks and tests that compare the two.
 */
export class OnnxLossBackend implements LossBackend {
  readonly engine = 'onnx';
  readonly backend: string;
  readonly device: string;
  private readonly core: OnnxLossCore;

  constructor(
    convs: readonly OnnxConv[],
    weightsSource: string,
    readonly convention: InputConventionName,
    provider: ResolvedProvider,
    backwardConv: LossGraphConfig['backwardConv'],
  ) {
    this.backend = provider.name;
    this.device = provider.device;
    this.core = new OnnxLossCore(convs, weightsSource, provider.sessionOptions, backwardConv);
  }

  get styleCache(): { readonly size: number; clear(): void } {
    return this.core.styleCache;
  }

  checkLayers(layers: readonly string[]): void {
    checkLayersReach(this.core.deepestTap, layers);
  }

  async prepareStageAsync(inputs: StageInputs): Promise<StageLossFunction> {
    this.checkLayers([...inputs.options.contentLayers, ...inputs.options.styleLayers]);
    const stage = await this.core.prepareStageAsync(await toCoreStageInputsAsync(inputs, this.convention));
    return {
      evaluateAsync: async (x) => {
        const { content, style, tv, grad } = await stage.evaluateAsync((await x.data()) as Float32Array);
        return { content, style, tv, grad: tf.tensor4d(grad, x.shape) };
      },
      dispose: () => stage.dispose(),
    };
  }

  async styleEnergyAsync(styles: StageInputs['styles'], layers: readonly string[]): Promise<number> {
    return this.core.styleEnergyAsync(await toCoreStylesAsync(styles, this.convention), layers);
  }

  prepareTileKernelAsync(config: TileKernelConfig): Promise<TileKernel> {
    return this.core.prepareTileKernelAsync(config);
  }

  dispose(): void {
    this.core.dispose();
  }
}
