import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { createEngineAsync, EngineError, type Engine } from '../engine/index.ts';
import { resolveUserDirs } from '../config/index.ts';
import { encodePngAsync, ImageError, readImageAsync, readMaskAsync, resizeRgbAsync } from '../image/index.ts';
import { DEFAULT_WEIGHTS_HASH, DEFAULT_WEIGHTS_URL, ensureWeightsAsync, findCachedWeightsAsync, WeightsError } from '../weights-download/index.ts';
import { formatBar, formatDuration, formatLossLine, formatMemoryPlan } from './progress-line.ts';
import { parseStylizeArgs, STYLIZE_USAGE, UsageError, type StylizeArgs } from './stylize-args.ts';

export interface CliIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  env: NodeJS.ProcessEnv;
  signal?: AbortSignal;
}

const weightsHelp = (cacheDir: string): string =>
  `No VGG-19 weights given or cached: pass --weights (or set ATELIER_WEIGHTS to) a folder holding weights_manifest.json or the Keras file vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5, or start the daemon once (\`npm start\`), which downloads them into ${cacheDir}.`;

/** `atelier stylize`: returns the process exit code (0 done, 1 failed, 2 bad usage, 130 cancelled). */
export async function runStylizeCommandAsync(argv: string[], io: CliIo): Promise<number> {
  let args: StylizeArgs | 'help';
  try {
    args = parseStylizeArgs(argv, io.env);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.stderr.write(`atelier stylize: ${error.message}\n\n${STYLIZE_USAGE}\n`);
    return 2;
  }
  if (args === 'help') {
    io.stdout.write(`${STYLIZE_USAGE}\n`);
    return 0;
  }
  const cacheDir = resolveUserDirs(io.env).cache;
  // --weights, then ATELIER_WEIGHTS, then what the daemon's first run left in the cache.
  const givenWeights = args.weights || (await findCachedWeightsAsync(cacheDir));
  if (!givenWeights) {
    io.stderr.write(`atelier stylize: ${weightsHelp(cacheDir)}\n`);
    return 2;
  }
  const bar = io.stderr.isTTY && !args.json;
  let engine: Engine | undefined;
  try {
    const content = await readImageAsync(args.content, { alpha: args.alpha });
    const styles = await Promise.all(args.styles.map((s) => readImageAsync(s, { alpha: 'composite' })));
    // One MaskImage per file: styles given the same mask are one region (the engine groups them by it).
    const maskFiles = [...new Set(args.masks ?? [])];
    const maskImages = new Map(await Promise.all(maskFiles.map(async (m) => [m, await readMaskAsync(m)] as const)));
    // A folder is used as it is; the Keras .h5 is converted once into the daemon's cache, as `npm start` does.
    const weights = await ensureWeightsAsync({
      weights: givenWeights,
      cacheDir,
      url: DEFAULT_WEIGHTS_URL,
      expectedHash: DEFAULT_WEIGHTS_HASH,
    });
    engine = await createEngineAsync({
      weightsDir: weights.dir,
      engine: args.engine,
      backend: args.backend,
      executionProvider: args.executionProvider,
      memoryBudgetMB: args.memoryBudgetMB,
    });
    const { engine: engineName, backend, device, convention } = engine.info;
    if (!args.json) io.stderr.write(`atelier: engine ${engineName}, backend ${backend}, device ${device}, weights ${convention} convention\n`);
    const output = resolve(args.output);
    for await (const ev of engine.stylize({
      content: content.rgb,
      styles: styles.map((s, i) => ({ image: s.rgb, weight: args.styleBlend[i], ...(args.masks ? { mask: maskImages.get(args.masks[i]) } : {}) })),
      options: args.options,
      ...(args.featherPx === undefined ? {} : { featherPx: args.featherPx }),
      resizeAsync: resizeRgbAsync,
      signal: io.signal,
    })) {
      if (ev.type === 'start') {
        const plan = ev.stages.map((s) => `${s.iterations}×${s.height}x${s.width}`).join(' → ');
        const balance = ev.options.normalizeStyle ? `, style weight ×${ev.styleBalance.toPrecision(2)} for the style's texture energy` : '';
        if (args.json) io.stdout.write(`${JSON.stringify({ type: 'start', engine: engine!.info.engine, backend: ev.backend, device: ev.device, preset: ev.options.preset, optimizer: ev.options.optimizer, styleBalance: ev.styleBalance, stages: ev.stages, memory: ev.memory, memoryBudgetMB: ev.memoryBudgetMB })}\n`);
        else io.stderr.write(`atelier: preset ${ev.options.preset}, ${ev.options.optimizer}${balance}, ${plan}\natelier: ${formatMemoryPlan(ev.memory, ev.memoryBudgetMB)}\n`);
      } else if (ev.type === 'progress') {
        if (args.json) {
          io.stdout.write(
            `${JSON.stringify({ type: 'progress', stage: ev.stage, stages: ev.stages, iteration: ev.iteration, iterations: ev.iterations, ...ev.losses, learningRate: ev.learningRate, seconds: ev.seconds, etaSeconds: ev.etaSeconds, stageSeconds: ev.stageSeconds, secondsPerIteration: ev.secondsPerIteration })}\n`,
          );
        } else {
          if (bar) io.stderr.write('\r\x1b[K');
          io.stdout.write(`${formatLossLine(ev)}\n`);
          if (bar) io.stderr.write(formatBar(ev, io.stderr.columns ?? 80));
        }
      } else {
        const alpha = content.alpha ? { data: content.alpha, width: content.rgb.width, height: content.rgb.height } : undefined;
        await writeFile(output, await encodePngAsync(ev.image, alpha));
        if (bar) io.stderr.write('\r\x1b[K');
        if (args.json) {
          io.stdout.write(`${JSON.stringify({ type: 'result', output, width: ev.image.width, height: ev.image.height, seconds: ev.seconds, ...ev.losses })}\n`);
        } else {
          io.stderr.write(`atelier: wrote ${output} (${ev.image.width}×${ev.image.height}) in ${formatDuration(ev.seconds)}\n`);
        }
      }
    }
    return 0;
  } catch (error) {
    if (bar) io.stderr.write('\r\x1b[K');
    if (error instanceof EngineError || error instanceof ImageError || error instanceof WeightsError) {
      const cancelled = error instanceof EngineError && error.code === 'cancelled';
      if (args.json) io.stdout.write(`${JSON.stringify({ type: 'error', code: error.code, message: error.message })}\n`);
      io.stderr.write(`atelier stylize: ${error.message} (${error.code})\n`);
      return cancelled ? 130 : 1;
    }
    throw error;
  } finally {
    engine?.dispose();
  }
}
