/**
 * `npm run bench -- --memory`: peak RSS and seconds per iteration by output size, each size in
 * its own child process (peak RSS is a process' high-water mark): tubingen × starry_night,
 * classic preset, the top stage only (the pyramid's lower stages are smaller), a few
 * iterations after the stage's targets.
 *
 *   npm run bench -- --memory [--sides 512,1024,2048,4096] [--budgets auto,auto,4096,8192]
 *                    [--iterations 2,2,1,1] [--weights DIR] [--engine auto]
 *
 * `auto` budgets are the engine's default (a share of the free memory). Memory goals (issue
 * 11): 2048×1536 inside 4096 MB, 4096×3072 inside 8192 MB.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import {
  createEngineAsync,
  defaultMemoryBudgetMB,
  ENGINE_NAMES,
  jobPeakRssBytes,
  planStageMemory,
  resolveOptions,
  stagePlan,
  type EngineName,
  type RgbImage,
} from '../daemon/engine/index.ts';
import { readImageAsync, resizeRgbAsync } from '../daemon/image/index.ts';

const { values } = parseArgs({
  options: {
    memory: { type: 'boolean', default: true },
    child: { type: 'string' },
    sides: { type: 'string', default: '512,1024,2048,4096' },
    budgets: { type: 'string', default: 'auto,auto,4096,8192' },
    iterations: { type: 'string', default: '2,2,1,1' },
    weights: { type: 'string', default: process.env.ATELIER_WEIGHTS ?? '../shared/vgg19-keras-uint8' },
    engine: { type: 'string', default: 'auto' },
  },
});

const CONTENT = '../shared/images/content/tubingen.jpg';
const STYLE = '../shared/images/style/starry_night.jpg';

interface ChildResult {
  side: number;
  height: number;
  width: number;
  budgetMB: number;
  plan: string;
  historySize: number;
  estimatedMB: number;
  peakRssMB: number;
  targetSeconds: number;
  secondsPerIteration: number;
  iterations: number;
  loadAverage: number;
}

async function imageAsync(path: string, width: number, height: number): Promise<RgbImage> {
  return resizeRgbAsync((await readImageAsync(path, { alpha: 'composite' })).rgb, width, height);
}

async function childAsync(side: number, budget: string, iterations: number): Promise<ChildResult> {
  const original = (await readImageAsync(CONTENT, { alpha: 'composite' })).rgb;
  const options = resolveOptions({ preset: 'classic', maxSide: side, stages: 1, iterations, progressEvery: 1 }, 'caffe', original);
  const [stage] = stagePlan(options);
  const budgetMB = budget === 'auto' ? defaultMemoryBudgetMB() : Number(budget);
  const plan = planStageMemory(stage.height, stage.width, options, budgetMB);
  const content = await imageAsync(CONTENT, stage.width, stage.height);
  const style = await imageAsync(STYLE, stage.width, stage.height);
  const engine = await createEngineAsync({ weightsDir: values.weights, engine: values.engine as EngineName, memoryBudgetMB: budgetMB });
  const started = performance.now();
  let targetSeconds = 0;
  let secondsPerIteration = 0;
  try {
    for await (const ev of engine.stylize({ content, styles: [{ image: style, weight: 1 }], options: { ...options, preset: 'classic' } })) {
      if (ev.type === 'progress') {
        if (ev.iteration === 1) targetSeconds = ev.seconds - ev.stageSeconds;
        secondsPerIteration = ev.secondsPerIteration;
        console.error(`bench: ${stage.width}×${stage.height} iteration ${ev.iteration}: ${ev.stageSeconds.toFixed(1)} s in the stage, ${((performance.now() - started) / 1000).toFixed(1)} s in all`);
      }
    }
  } finally {
    engine.dispose();
  }
  const t = plan.tiles;
  return {
    side,
    height: stage.height,
    width: stage.width,
    budgetMB,
    plan: t ? `${t.windows.length} windows of ${t.windowWidth}×${t.windowHeight} (halo ${t.halo})` : 'whole',
    historySize: plan.historySize,
    estimatedMB: Math.round(plan.estimatedBytes / 2 ** 20),
    peakRssMB: Math.round(jobPeakRssBytes() / 2 ** 20),
    targetSeconds,
    secondsPerIteration,
    iterations,
    loadAverage: loadavg()[0],
  };
}

if (values.child) {
  const [side, budget, iterations] = values.child.split(':');
  console.log(JSON.stringify(await childAsync(Number(side), budget, Number(iterations))));
  process.exit(0);
}

if (!existsSync(`${values.weights}/weights_manifest.json`) || !existsSync(CONTENT) || !existsSync(STYLE)) {
  console.error(`bench: the memory bench needs the weights (${values.weights}) and ../shared/images; pass --weights DIR.`);
  process.exit(2);
}
if (!(ENGINE_NAMES as readonly string[]).includes(values.engine)) throw new Error(`--engine must be one of ${ENGINE_NAMES.join(', ')}`);
const sides = values.sides.split(',').map(Number);
const budgets = values.budgets.split(',');
const iterations = values.iterations.split(',').map(Number);
const results: ChildResult[] = [];
for (const [i, side] of sides.entries()) {
  const budget = budgets[i] ?? 'auto';
  const its = iterations[i] ?? iterations[iterations.length - 1] ?? 1;
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/bench-memory.ts', '--child', `${side}:${budget}:${its}`, '--weights', values.weights, '--engine', values.engine], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 1 << 20,
  });
  if (r.status !== 0) {
    console.error(`bench: ${side} px failed (exit ${r.status ?? r.signal}); see above.`);
    continue;
  }
  const result = JSON.parse(r.stdout.trim().split('\n').pop()!) as ChildResult;
  results.push(result);
  console.error(`bench: ${side} px done: peak RSS ${result.peakRssMB} MB`);
}
console.log('\nsize        budget MB  plan                                     history  estimate MB  peak RSS MB  targets s  s/iteration  load');
for (const r of results) {
  console.log(
    [
      `${r.width}×${r.height}`.padEnd(12),
      String(r.budgetMB).padStart(9),
      `  ${r.plan}`.padEnd(43),
      String(r.historySize).padStart(7),
      String(r.estimatedMB).padStart(13),
      String(r.peakRssMB).padStart(13),
      r.targetSeconds.toFixed(1).padStart(11),
      r.secondsPerIteration.toFixed(2).padStart(13),
      r.loadAverage.toFixed(1).padStart(6),
    ].join(''),
  );
}
console.log(JSON.stringify({ results }));
