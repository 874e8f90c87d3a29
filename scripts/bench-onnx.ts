/**
 * Seconds per loss-and-gradient evaluation (no optimiser step) of the ONNX Runtime path and
 * the tfjs path, on the real weights with the reference layers (content relu4_4; style
 * relu1_1, relu2_1, relu3_1, relu4_1, conv5_1), after warm-up. Prints one JSON line.
 *
 *   node --import tsx scripts/bench-onnx.ts [--weights DIR] [--sizes 150x225,300x450]
 *        [--warmup 1] [--repeat 5] [--engines onnx,onnx-thread,tfjs] [--backend wasm]
 *        [--provider cpu|webgpu|cuda|auto] [--threads N] [--backward flipped-conv|conv-transpose]
 *        [--webgpu-layout NCHW|NHWC]
 *
 * Engines: `onnx` runs the sessions in their worker process (the engine's default),
 * `onnx-thread` on this thread (`inWorker: false`), `tfjs` is autograd on --backend. Each row
 * also gives the longest the event loop went without a turn during the timed evaluations
 * (`loopStallMs`): about a whole evaluation on this thread, near zero with the worker.
 *
 * The bar (2 idle cores): 0.415 s at 150×225 and 1.57 s at 300×450. The load average
 * is printed with the timings: on a shared machine the medians are only comparable with each
 * other (same run, same load), not with the bar.
 */
import { existsSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { selectBackendAsync, BACKEND_NAMES, type BackendName } from '../daemon/engine/backend.ts';
import { CONVENTIONS, preprocess } from '../daemon/engine/convention.ts';
import type { LossBackend } from '../daemon/engine/loss-function.ts';
import { createOnnxLossBackendAsync, EXECUTION_PROVIDER_NAMES, type ExecutionProviderChoice } from '../daemon/engine/onnx/index.ts';
import { resolveOptions } from '../daemon/engine/presets.ts';
import { imageToTensor } from '../daemon/engine/resize-image.ts';
import * as tf from '../daemon/engine/tf.ts';
import { TfjsLossBackend } from '../daemon/engine/tfjs-loss-backend.ts';
import type { RgbImage } from '../daemon/engine/types.ts';
import { loadVggWeightsAsync } from '../daemon/engine/weights/load-weights.ts';
import { readImageAsync, resizeRgbAsync } from '../daemon/image/index.ts';

const { values } = parseArgs({
  options: {
    weights: { type: 'string', default: process.env.ATELIER_WEIGHTS ?? '../shared/vgg19-keras-uint8' },
    sizes: { type: 'string', default: '150x225,300x450' },
    warmup: { type: 'string', default: '1' },
    repeat: { type: 'string', default: '5' },
    engines: { type: 'string', default: 'onnx,tfjs' },
    backend: { type: 'string', default: 'wasm' },
    provider: { type: 'string', default: 'cpu' },
    threads: { type: 'string' },
    backward: { type: 'string', default: 'flipped-conv' },
    'webgpu-layout': { type: 'string' },
  },
});
const sizes = values.sizes.split(',').map((s) => s.split('x').map(Number) as [number, number]);
const warmup = Number(values.warmup);
const repeat = Number(values.repeat);
const backendName = values.backend as BackendName;
const provider = values.provider as ExecutionProviderChoice;
const backward = values.backward as 'flipped-conv' | 'conv-transpose';
if (!BACKEND_NAMES.includes(backendName)) throw new Error(`--backend must be one of ${BACKEND_NAMES.join(', ')}`);
if (!EXECUTION_PROVIDER_NAMES.includes(provider)) throw new Error(`--provider must be one of ${EXECUTION_PROVIDER_NAMES.join(', ')}`);
if (backward !== 'flipped-conv' && backward !== 'conv-transpose') throw new Error('--backward must be flipped-conv or conv-transpose');
const webgpuLayout = values['webgpu-layout'];
if (webgpuLayout !== undefined && webgpuLayout !== 'NCHW' && webgpuLayout !== 'NHWC') throw new Error('--webgpu-layout must be NCHW or NHWC');
if (!existsSync(`${values.weights}/weights_manifest.json`)) {
  console.error(`bench-onnx: no weights at ${values.weights}; pass --weights DIR (the real VGG-19 weights are in ../shared).`);
  process.exit(2);
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const round = (x: number): number => Math.round(x * 1000) / 1000;

async function inputAsync(path: string, seed: number, width: number, height: number): Promise<RgbImage> {
  if (existsSync(path)) return resizeRgbAsync((await readImageAsync(path, { alpha: 'composite' })).rgb, width, height);
  return { width, height, data: new Uint8Array(width * height * 3).map((_, i) => (i * seed) % 256) };
}

interface Row {
  engine: string;
  /** onnx only: whether the sessions ran in the worker process. */
  inWorker?: boolean;
  backend: string;
  device: string;
  size: string;
  /** Targets and (onnx) graph generation and session creation for the stage. */
  prepareSeconds: number;
  median: number;
  runs: number[];
  /** The longest event-loop delay seen during the timed evaluations, in milliseconds. */
  loopStallMs: number;
}

const active = await selectBackendAsync(backendName);
const weights = await loadVggWeightsAsync(values.weights);
const rows: Row[] = [];
const loadBefore = loadavg().map(round);

for (const engine of values.engines.split(',')) {
  if (!['onnx', 'onnx-thread', 'tfjs'].includes(engine)) throw new Error('--engines takes onnx, onnx-thread and tfjs');
  const inWorker = engine === 'onnx';
  const loss: LossBackend =
    engine === 'tfjs'
      ? new TfjsLossBackend(weights, active)
      : await createOnnxLossBackendAsync(weights, {
          executionProvider: provider,
          threads: values.threads ? Number(values.threads) : undefined,
          backwardConv: backward,
          inWorker,
          ...(webgpuLayout ? { tuning: { webgpuLayout } } : {}),
        });
  try {
    for (const [height, width] of sizes) {
      const content = await inputAsync('../shared/images/content/tubingen.jpg', 7, width, height);
      const style = await inputAsync('../shared/images/style/starry_night.jpg', 13, width, height);
      const options = resolveOptions({ preset: 'reference', height, width, stages: 1 }, weights.convention, { width, height });
      const t0 = performance.now();
      const stage = await loss.prepareStageAsync({ content, styles: [{ image: style, weight: 1 }], options, height, width });
      const prepareSeconds = (performance.now() - t0) / 1000;
      const x = tf.tidy(() => preprocess(imageToTensor(content), CONVENTIONS[weights.convention]));
      const runs: number[] = [];
      const delay = monitorEventLoopDelay({ resolution: 10 });
      for (let i = 0; i < warmup + repeat; i++) {
        if (i === warmup) delay.enable();
        const start = performance.now();
        const { grad } = await stage.evaluateAsync(x);
        grad.dispose();
        if (i >= warmup) runs.push((performance.now() - start) / 1000);
      }
      delay.disable();
      x.dispose();
      stage.dispose();
      const row: Row = {
        engine: loss.engine,
        ...(engine === 'tfjs' ? {} : { inWorker }),
        backend: loss.backend,
        device: loss.device,
        size: `${height}x${width}`,
        prepareSeconds: round(prepareSeconds),
        median: round(median(runs)),
        runs: runs.map(round),
        loopStallMs: round(delay.max / 1e6),
      };
      rows.push(row);
      console.error(
        `bench-onnx: ${engine}/${row.backend} ${row.size}: median ${row.median} s (${row.runs.join(', ')}); prepare ${row.prepareSeconds} s; event loop stalled up to ${row.loopStallMs} ms`,
      );
    }
  } finally {
    loss.dispose();
  }
}

const ratios: Record<string, number> = {};
const workerOverThread: Record<string, number> = {};
for (const [height, width] of sizes) {
  const size = `${height}x${width}`;
  const onnx = rows.find((r) => r.engine === 'onnx' && r.size === size && r.inWorker !== false) ?? rows.find((r) => r.engine === 'onnx' && r.size === size);
  const tfjs = rows.find((r) => r.engine === 'tfjs' && r.size === size);
  if (onnx && tfjs) ratios[size] = round(tfjs.median / onnx.median);
  const worker = rows.find((r) => r.engine === 'onnx' && r.size === size && r.inWorker === true);
  const thread = rows.find((r) => r.engine === 'onnx' && r.size === size && r.inWorker === false);
  if (worker && thread) workerOverThread[size] = round(worker.median / thread.median);
}

console.log(
  JSON.stringify({
    bench: 'loss-and-gradient seconds per evaluation',
    layers: { content: ['relu4_4'], style: ['relu1_1', 'relu2_1', 'relu3_1', 'relu4_1', 'conv5_1'] },
    cpus: cpus().length,
    loadavg: { before: loadBefore, after: loadavg().map(round) },
    warmup,
    repeat,
    rows,
    tfjsOverOnnx: ratios,
    onnxWorkerOverThread: workerOverThread,
    bar: { '150x225': 0.415, '300x450': 1.57 },
  }),
);
