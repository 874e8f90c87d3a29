import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createEngineAsync, defaultMemoryBudgetMB, EngineError, estimateJob, MEMORY_LIMITS, planStageMemory, resolveOptions, writeRandomWeightsAsync } from '../../daemon/engine/index.ts';
import { weightBytesUpTo } from '../../daemon/engine/memory-budget.ts';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testImage } from '../engine-onnx/stage-fixture.ts';

const classic = (h: number, w: number) => resolveOptions({ preset: 'classic', height: h, width: w }, 'caffe', { width: w, height: h });

test('a stage that fits is evaluated whole with its history', () => {
  const plan = planStageMemory(384, 512, classic(384, 512), 16_000);
  assert.equal(plan.tiles, undefined);
  assert.equal(plan.historySize, 20);
});

test('larger stages are tiled inside the budget, with a shorter history at the largest', () => {
  const big = planStageMemory(3072, 4096, classic(3072, 4096), 8192);
  assert.ok(big.tiles && big.tiles.windows.length > 1);
  assert.ok(big.historySize < 20 && big.historySize >= 3, `history ${big.historySize}`);
  assert.ok(big.estimatedBytes <= 8192 * 2 ** 20);
  const mid = planStageMemory(1536, 2048, classic(1536, 2048), 4096);
  assert.ok(mid.tiles && mid.estimatedBytes <= 4096 * 2 ** 20);
  // Every window owns a part of the image, and together they own it all once.
  const owned = mid.tiles.windows.reduce((n, w) => n + (w.own.bottom - w.own.top) * (w.own.right - w.own.left), 0);
  assert.equal(owned, 1536 * 2048);
});

test('a budget that cannot hold one tile fails with the megabytes it needs', () => {
  assert.throws(
    () => planStageMemory(3072, 4096, classic(3072, 4096), 1024),
    (e: unknown) => e instanceof EngineError && e.code === 'memory-budget' && /needs at least \d+ MB/.test(e.message),
  );
});

test('the engine refuses such a job before it starts, and still runs the next one', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'atelier-budget-'));
  await writeRandomWeightsAsync(dir, { seed: 3 });
  const engine = await createEngineAsync({ weightsDir: dir, engine: 'tfjs', backend: 'wasm', memoryBudgetMB: 1500 });
  try {
    const content = testImage(1, 48, 64);
    const events: Array<"start" | "progress" | "result"> = [];
    await assert.rejects(async () => {
      for await (const ev of engine.stylize({ content, styles: [{ image: content, weight: 1 }], options: { maxSide: 4096, iterations: 1 } })) events.push(ev.type);
    }, (e: unknown) => e instanceof EngineError && e.code === 'memory-budget');
    assert.equal(events.length, 0, "no event before the refusal");
    for await (const ev of engine.stylize({ content, styles: [{ image: content, weight: 1 }], options: { iterations: 1, stages: 1, height: 48, width: 64 } })) events.push(ev.type);
    assert.equal(events.at(-1), 'result');
  } finally {
    engine.dispose();
  }
});

test('a stage the budget tiles gives the image the whole stage gives (engine wiring)', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'atelier-budget-'));
  await writeRandomWeightsAsync(dir, { seed: 5 });
  const [h, w] = [250, 300];
  const options = { preset: 'classic', height: h, width: w, stages: 1, iterations: 3 };
  const tiledPlan = planStageMemory(h, w, classic(h, w), 1350);
  assert.ok(tiledPlan.tiles && tiledPlan.tiles.windows.length > 1, 'the small budget tiles this stage');
  const images: Uint8Array[] = [];
  for (const memoryBudgetMB of [1350, 16_000]) {
    const engine = await createEngineAsync({ weightsDir: dir, engine: 'onnx', executionProvider: 'cpu', memoryBudgetMB });
    try {
      for await (const ev of engine.stylize({ content: testImage(1, h, w), styles: [{ image: testImage(2, h, w), weight: 1 }], options })) {
        if (ev.type === 'result') images.push(ev.image.data);
      }
    } finally {
      engine.dispose();
    }
  }
  const [tiled, whole] = images;
  let worst = 0;
  for (let i = 0; i < whole.length; i++) worst = Math.max(worst, Math.abs(tiled[i] - whole[i]));
  // Three L-BFGS steps from equal gradients (within float rounding) end within a level or two.
  assert.ok(worst <= 2, `tiled and whole results differ by ${worst} levels`);
});

test('the default budget is a share of the free memory, and at least a quarter of the machine’s', () => {
  const GB = 2 ** 30;
  assert.equal(defaultMemoryBudgetMB(10 * GB, 16 * GB), 6144);
  // macOS reports little free memory (its cache counts as used): a quarter of 16 GB still.
  assert.equal(defaultMemoryBudgetMB(0.3 * GB, 16 * GB), 4096);
});

const MB = 2 ** 20;

test('a masked job plans its regions: every region’s masks, and in tiles a second region’s kernel', () => {
  // Whole: each region adds its masks (at the stage's size and at the style taps' strides).
  const o = classic(384, 512);
  const [none, one, two] = [0, 1, 2].map((r) => planStageMemory(384, 512, o, 16_000, r));
  assert.ok(none.tiles === undefined && two.tiles === undefined);
  const perRegion = two.estimatedBytes - one.estimatedBytes;
  // At least the region's mask at the stage's size, float32.
  assert.ok(perRegion >= 4 * 384 * 512, `a region adds ${perRegion} bytes`);
  assert.ok(one.estimatedBytes - none.estimatedBytes > perRegion, 'the first region also brings the composite’s arrays');
  // Tiled, a second region holds one more tile kernel: its sessions’ copies of the weights.
  const [h, w] = [250, 300];
  const small = classic(h, w);
  const oneTiled = planStageMemory(h, w, small, 1350, 1);
  assert.ok(oneTiled.tiles && oneTiled.tiles.windows.length > 1, 'one region tiles in 1350 MB');
  assert.ok(MEMORY_LIMITS.tileKernelWeightCopies * weightBytesUpTo(small.styleLayers) > 100 * MB);
  let needed = 0;
  assert.throws(
    () => planStageMemory(h, w, small, 1350, 2),
    (e: unknown) => {
      const m = e instanceof EngineError && e.code === 'memory-budget' ? /raise memoryBudgetMB \(--memory-budget\) to (\d+)/.exec(e.message) : null;
      needed = m ? Number(m[1]) : 0;
      return needed > 1350;
    },
  );
  // The budget the refusal names is enough.
  const fits = planStageMemory(h, w, small, needed, 2);
  assert.ok(fits.estimatedBytes <= needed * MB * MEMORY_LIMITS.planningShare);
  // The daemon's estimate takes the count too.
  assert.equal(estimateJob(small, 1350, 1).fits, true);
  assert.equal(estimateJob(small, 1350, 2).fits, false);
});

test('the engine plans a masked job with its region count: two regions that cannot fit are refused before any work', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'atelier-budget-'));
  await writeRandomWeightsAsync(dir, { seed: 4 });
  const [h, w] = [250, 300];
  const engine = await createEngineAsync({ weightsDir: dir, engine: 'onnx', executionProvider: 'cpu', memoryBudgetMB: 1350 });
  try {
    const half = (left: boolean) => ({ width: w, height: h, data: Float32Array.from({ length: w * h }, (_, i) => ((i % w < w / 2) === left ? 1 : 0)) });
    const events: string[] = [];
    await assert.rejects(
      async () => {
        for await (const ev of engine.stylize({
          content: testImage(1, h, w),
          styles: [
            { image: testImage(2, 60, 60), weight: 1, mask: half(true) },
            { image: testImage(3, 60, 60), weight: 1, mask: half(false) },
          ],
          options: { preset: 'classic', height: h, width: w, stages: 1, iterations: 1 },
        })) events.push(ev.type);
      },
      (e: unknown) => e instanceof EngineError && e.code === 'memory-budget',
    );
    assert.deepEqual(events, [], 'no event before the refusal');
  } finally {
    engine.dispose();
  }
});
