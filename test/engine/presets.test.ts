import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_PRESET, EngineError, PRESET_NAMES, PRESETS, resolveOptions } from '../../daemon/engine/index.ts';
import type { StyleOptions } from '../../daemon/engine/types.ts';
import { PYRAMID_FLOOR_SIDE } from '../../daemon/engine/limits.ts';
import { convertWeights, stagePlan } from '../../daemon/engine/presets.ts';

const landscape = { width: 1024, height: 768 };

test('reference reproduces d2l: layers, weights, Adam + StepLR, 500 at 150×225 then 500 at 300×450', () => {
  const o = resolveOptions({ preset: 'reference' }, 'torchvision', landscape);
  assert.deepEqual(o.styleLayers, ['relu1_1', 'relu2_1', 'relu3_1', 'relu4_1', 'conv5_1']);
  assert.deepEqual(o.contentLayers, ['relu4_4']);
  assert.deepEqual([o.contentWeight, o.styleWeight, o.tvWeight], [1, 1e3, 10]);
  assert.deepEqual([o.optimizer, o.learningRate, o.lrStep, o.lrGamma, o.init], ['adam', 0.01, 200, 0.1, 'content']);
  assert.deepEqual(stagePlan(o), [
    { height: 150, width: 225, iterations: 500 },
    { height: 300, width: 450, iterations: 500 },
  ]);
});

test('Caffe-convention defaults follow the documented conversion and round-trip', () => {
  const tv = resolveOptions({ preset: 'reference' }, 'torchvision', landscape);
  const caffe = resolveOptions({ preset: 'reference' }, 'caffe', landscape);
  assert.ok(Math.abs(caffe.learningRate - 0.01 * 57.63) < 0.01, `lr ${caffe.learningRate}`);
  // Ratios between the three weights change by k² and k⁴ and u; the values are what the code says.
  assert.ok(caffe.styleWeight < caffe.contentWeight && caffe.contentWeight < caffe.tvWeight);
  const back = convertWeights(caffe, 'caffe', 'torchvision', 'adam');
  for (const k of ['contentWeight', 'styleWeight', 'tvWeight', 'learningRate'] as const) {
    assert.ok(Math.abs(back[k] - tv[k]) <= 1e-9 * tv[k], k);
  }
});

test('classic is neural-style: relu4_2 content, relu1_1..relu5_1 style, weights 5 / 100 / 1e-3, L-BFGS', () => {
  const o = resolveOptions({ preset: 'classic' }, 'caffe', landscape);
  assert.deepEqual(o.contentLayers, ['relu4_2']);
  assert.deepEqual(o.styleLayers, ['relu1_1', 'relu2_1', 'relu3_1', 'relu4_1', 'relu5_1']);
  assert.deepEqual([o.contentWeight, o.styleWeight, o.tvWeight, o.optimizer], [5, 100, 1e-3, 'lbfgs']);
  // maxSide keeps the content's aspect ratio.
  assert.deepEqual([o.width, o.height], [512, 384]);
});

test('every option can be overridden; an explicit size or maxSide wins', () => {
  const o = resolveOptions(
    { preset: 'reference', maxSide: 200, iterations: 7, stages: 3, scale: 1.5, learningRate: 2, styleWeight: 3, init: 'noise', optimizer: 'lbfgs', historySize: 4 },
    'caffe',
    landscape,
  );
  assert.deepEqual([o.width, o.height, o.iterations, o.stages, o.learningRate, o.styleWeight, o.init, o.optimizer, o.historySize], [200, 150, 7, 3, 2, 3, 'noise', 'lbfgs', 4]);
  assert.deepEqual(stagePlan(o).map((s) => [s.height, s.width]), [[67, 89], [100, 133], [150, 200]]);
  const sized = resolveOptions({ preset: 'classic', height: 100, width: 50 }, 'caffe', landscape);
  assert.deepEqual([sized.height, sized.width], [100, 50]);
});

test('bad presets and impossible sizes are refused with a sentence', () => {
  const bad = (o: Parameters<typeof resolveOptions>[0]) =>
    assert.throws(() => resolveOptions(o, 'caffe', landscape), (e: unknown) => e instanceof EngineError && e.code === 'bad-options');
  bad({ preset: 'nope' });
  // Names of Object.prototype's members are no presets either.
  for (const preset of ['constructor', 'toString', '__proto__', 'hasOwnProperty']) bad({ preset });
  bad({ maxSide: 40, stages: 3 });
  bad({ contentLayers: ['relu9_1'] });
  bad({ learningRate: -1 });
  assert.ok(Object.keys(PRESETS).includes('reference'));
});

test('styleScale multiplies the style weight, the preset\'s or the caller\'s, and is folded in once', () => {
  const base = resolveOptions({ preset: 'classic' }, 'caffe', landscape);
  assert.equal(base.styleScale, 1, 'the default is neutral');
  const doubled = resolveOptions({ preset: 'classic', styleScale: 2 }, 'caffe', landscape);
  assert.equal(doubled.styleWeight, 2 * base.styleWeight);
  assert.equal(doubled.contentWeight, base.contentWeight, 'only the style weight moves');
  assert.equal(doubled.styleScale, 1, 'resolved options report the scale as applied');
  assert.deepEqual(resolveOptions(doubled, 'caffe', landscape), doubled, 'resolving again changes nothing');
  // Relative to the converted preset weight, whatever the convention.
  const tv = resolveOptions({ preset: 'reference' }, 'caffe', landscape);
  const tvHalf = resolveOptions({ preset: 'reference', styleScale: 0.5 }, 'caffe', landscape);
  assert.ok(Math.abs(tvHalf.styleWeight - tv.styleWeight / 2) <= 1e-12 * tv.styleWeight);
  // And relative to an explicit weight.
  assert.equal(resolveOptions({ preset: 'classic', styleWeight: 10, styleScale: 3 }, 'caffe', landscape).styleWeight, 30);
  for (const styleScale of [0, -1, Number.NaN]) {
    assert.throws(() => resolveOptions({ styleScale }, 'caffe', landscape), (e: unknown) => e instanceof EngineError && e.code === 'bad-options', String(styleScale));
  }
  assert.throws(() => resolveOptions({ styleWeight: 1e300, styleScale: 1e300 }, 'caffe', landscape), (e: unknown) => e instanceof EngineError && e.code === 'bad-options');
});

test('an iteration schedule multiplies iterations per stage, smallest first, and belongs to its stage count', () => {
  const o = resolveOptions({ preset: 'classic', stages: 3, iterations: 50, iterationSchedule: [2, 1, 0.5] }, 'caffe', landscape);
  assert.deepEqual(stagePlan(o).map((s) => s.iterations), [100, 50, 25]);
  // Another stage count without a schedule of its own runs `iterations` at each stage.
  const p = resolveOptions({ preset: 'painterly', stages: 3 }, 'caffe', landscape);
  assert.deepEqual(stagePlan(p).map((s) => s.iterations), [p.iterations, p.iterations, p.iterations]);
  assert.throws(
    () => resolveOptions({ preset: 'classic', iterationSchedule: [1, 1, 1] }, 'caffe', landscape),
    (e: unknown) => e instanceof EngineError && e.code === 'bad-options' && /3 factors for 2 stages/.test(e.message),
  );
});

test('painterly is a √2 pyramid from 128 px to 512 px that spends most iterations at the small stages', () => {
  const o = resolveOptions({ preset: 'painterly' }, 'caffe', landscape);
  const plan = stagePlan(o);
  assert.deepEqual(plan.map((s) => s.width), [128, 181, 256, 362, 512]);
  const cost = (stages: typeof plan) => stages.reduce((sum, s) => sum + s.iterations * s.width * s.height, 0);
  const classic = stagePlan(resolveOptions({ preset: 'classic' }, 'caffe', landscape));
  assert.ok(cost(plan) <= cost(classic), `pixel-iterations ${cost(plan)} vs classic ${cost(classic)}`);
  assert.ok(plan[0].iterations > plan[plan.length - 1].iterations);
});

test('atelier, the default, is three stages from 128 px that cost fewer pixel-iterations than classic', () => {
  assert.equal(DEFAULT_PRESET, 'atelier');
  const o = resolveOptions({}, 'caffe', landscape);
  assert.equal(o.preset, 'atelier');
  assert.equal(o.normalizeStyle, true);
  assert.equal(o.init, 'content-recolored');
  assert.deepEqual(o.contentLayers, ['relu2_2', 'relu4_2']);
  const plan = stagePlan(o);
  assert.deepEqual(plan.map((s) => [s.width, s.iterations]), [[128, 90], [256, 60], [512, 42]]);
  const cost = (stages: typeof plan) => stages.reduce((sum, s) => sum + s.iterations * s.width * s.height, 0);
  const classic = stagePlan(resolveOptions({ preset: 'classic' }, 'caffe', landscape));
  assert.ok(cost(plan) < 0.85 * cost(classic), `pixel-iterations ${cost(plan)} vs classic ${cost(classic)}`);
  assert.equal(PRESET_NAMES[0], 'atelier', 'the default is listed first');
});

test('a preset’s pyramid drops the stages a small image cannot fill; stages the caller asks for are refused', () => {
  const o = resolveOptions({ preset: 'painterly', maxSide: 64 }, 'caffe', { width: 64, height: 48 });
  const plan = stagePlan(o);
  assert.ok(plan.length < 5 && plan.length >= 1);
  assert.ok(Math.min(plan[0].width, plan[0].height) >= 16, JSON.stringify(plan));
  assert.equal(o.iterationSchedule.length, plan.length);
  assert.throws(
    () => resolveOptions({ preset: 'painterly', maxSide: 64, stages: 5 }, 'caffe', { width: 64, height: 48 }),
    (e: unknown) => e instanceof EngineError && e.code === 'bad-options',
  );
});

test('Draft (256 px) runs atelier in one stage with relu2_2 as content, relu1_1…relu4_1 as style and 6× the iterations; painterly starts at 128 px, the floor; 512 px and above keep every stage', () => {
  const plan = (preset: string, maxSide: number, content = landscape) =>
    stagePlan(resolveOptions({ preset, maxSide, iterations: 20 }, 'caffe', content)).map((s) => [s.width, s.height, s.iterations]);
  const contentLayers = (maxSide: number, overrides: Partial<StyleOptions> = {}) =>
    resolveOptions({ preset: 'atelier', maxSide, ...overrides }, 'caffe', landscape).contentLayers;
  // Was 64×48 at 30, 128×96 at 20, 256×192 at 14 (a 64 px stage that lost chelsea under The
  // Scream), then 128×96 at 30, 256×192 at 14 (tubingen × the_scream SWD ratio 0.142).
  assert.deepEqual(plan('atelier', 256), [[256, 192, 120]]);
  assert.deepEqual(plan('atelier', 256, { width: 768, height: 1024 }), [[192, 256, 120]]);
  assert.deepEqual(plan('atelier', 128), [[128, 96, 120]]);
  assert.deepEqual(contentLayers(256), ['relu2_2']);
  // relu5_1 alone would need conv4_2…conv5_1 on a small job (presets.ts says why it goes).
  const styleLayers = (maxSide: number, overrides: Partial<StyleOptions> = {}) =>
    resolveOptions({ preset: 'atelier', maxSide, ...overrides }, 'caffe', landscape).styleLayers;
  assert.deepEqual(styleLayers(256), ['relu1_1', 'relu2_1', 'relu3_1', 'relu4_1']);
  assert.deepEqual(styleLayers(257), ['relu1_1', 'relu2_1', 'relu3_1', 'relu4_1', 'relu5_1']);
  assert.deepEqual(styleLayers(256, { styleLayers: ['relu5_1'] }), ['relu5_1']);
  // Just above the small side, the pyramid and both content layers.
  assert.deepEqual(plan('atelier', 257), [[129, 97, 30], [257, 193, 14]]);
  assert.deepEqual(contentLayers(257), ['relu2_2', 'relu4_2']);
  // What the caller sets stays the caller's.
  assert.deepEqual(contentLayers(256, { contentLayers: ['relu4_2'] }), ['relu4_2']);
  assert.deepEqual(
    stagePlan(resolveOptions({ preset: 'atelier', maxSide: 256, iterations: 20, iterationSchedule: [1.5, 1, 0.7] }, 'caffe', landscape)).map((s) => s.width),
    [128, 256],
  );
  assert.deepEqual(plan('painterly', 256), [[128, 96, 40], [181, 136, 10], [256, 192, 6]]);
  for (const preset of ['atelier', 'painterly']) {
    for (const maxSide of [256, 300, 400]) {
      const first = stagePlan(resolveOptions({ preset, maxSide }, 'caffe', landscape))[0];
      assert.ok(Math.max(first.width, first.height) >= PYRAMID_FLOOR_SIDE, `${preset} at ${maxSide}: ${first.width}×${first.height}`);
    }
  }
  // Unchanged at Balanced, Best and full size: the floor is where these pyramids start at 512 px
  // (painterly's 512/√2⁴ rounds to 128 as its stage does).
  assert.deepEqual(plan('atelier', 512), [[128, 96, 30], [256, 192, 20], [512, 384, 14]]);
  assert.deepEqual(plan('atelier', 1024).map(([w]) => w), [256, 512, 1024]);
  assert.deepEqual(plan('atelier', 4096, { width: 4096, height: 3072 }).map(([w]) => w), [1024, 2048, 4096]);
  assert.deepEqual(plan('painterly', 512).map(([w]) => w), [128, 181, 256, 362, 512]);
  // classic and reference reproduce their papers' pyramids at every size.
  assert.deepEqual(plan('classic', 256).map(([w]) => w), [128, 256]);
  assert.deepEqual(plan('classic', 200).map(([w]) => w), [100, 200]);
  // Stages the caller names are kept.
  assert.equal(resolveOptions({ preset: 'atelier', maxSide: 256, stages: 3 }, 'caffe', landscape).stages, 3);
});

test('atelier on a photo smaller than the job: its pyramid ends at the photo’s own side, at half its schedule per doubling, then a detail stage per doubling at an eighth of the iterations', () => {
  const plan = (maxSide: number, content: { width: number; height: number; enlargedOctaves?: () => number }, overrides: Partial<StyleOptions> = {}) =>
    stagePlan(resolveOptions({ maxSide, iterations: 120, ...overrides }, 'caffe', content)).map((s) => [s.width, s.iterations]);
  // A Balanced job's 90, 60 and 42 iterations up to 512 px, then 15 at 1024 px.
  const best = [[128, 90], [256, 60], [512, 42], [1024, 15]];
  // Best on the astronaut (512 px), given at its size or already enlarged in the editor's export.
  assert.deepEqual(plan(1024, { width: 512, height: 512 }), best);
  assert.deepEqual(plan(1024, { width: 1024, height: 1024, enlargedOctaves: () => 1 }), best);
  // coffee (600 px) is 1.7× from 1024: counted as a doubling. Under √2 it is not.
  assert.deepEqual(plan(1024, { width: 600, height: 400 }).map(([w]) => w), [128, 256, 512, 1024]);
  assert.deepEqual(plan(1024, { width: 800, height: 600 }), [[256, 180], [512, 120], [1024, 84]]);
  // A photo with the job's resolution of its own (tubingen at Best) keeps the 256 px start.
  assert.deepEqual(plan(1024, { width: 1024, height: 768 }), [[256, 180], [512, 120], [1024, 84]]);
  // Full size: an export at 2× of a 1024 px frame, and a 1024 px photo enlarged 4×.
  assert.deepEqual(plan(2048, { width: 2048, height: 1536, enlargedOctaves: () => 1 }), [[256, 90], [512, 60], [1024, 42], [2048, 15]]);
  assert.deepEqual(plan(4096, { width: 1024, height: 768 }), [[256, 45], [512, 30], [1024, 21], [2048, 15], [4096, 15]]);
  // Within half a doubling of the floor (125 px) the first stage is taken; a quarter under it (64 px) is not.
  assert.deepEqual(plan(1000, { width: 500, height: 500 }).map(([w]) => w), [125, 250, 500, 1000]);
  // Balanced (512 px) on a 256 px photo: a first stage at 64 px is under the floor, so nothing changes.
  assert.deepEqual(plan(512, { width: 256, height: 192 }), [[128, 180], [256, 120], [512, 84]]);
  // The pixels are read only where a stage could be added: not at Draft or Balanced.
  const unread = { width: 2048, height: 1536, enlargedOctaves: (): number => assert.fail('pixels read') };
  assert.deepEqual(plan(512, unread).map(([w]) => w), [128, 256, 512]);
  assert.deepEqual(plan(256, unread).map(([w]) => w), [256]);
  // A thin photo keeps its shortest side over MIN_STAGE_SIDE.
  assert.deepEqual(plan(1024, { width: 512, height: 40 }).map(([w]) => w), [256, 512, 1024]);
  // Small jobs, the caller's stages, schedule or scale, and the other presets are as they were.
  assert.deepEqual(plan(256, { width: 64, height: 48 }), [[256, 720]]);
  assert.deepEqual(plan(1024, { width: 512, height: 512 }, { stages: 3 }).map(([w]) => w), [256, 512, 1024]);
  assert.deepEqual(plan(1024, { width: 512, height: 512 }, { iterationSchedule: [1, 1, 1] }).map(([w]) => w), [256, 512, 1024]);
  assert.deepEqual(plan(1024, { width: 512, height: 512 }, { scale: 2 }).map(([w]) => w), [256, 512, 1024]);
  assert.deepEqual(plan(1024, { width: 512, height: 512 }, { preset: 'classic' }).map(([w]) => w), [512, 1024]);
  assert.deepEqual(plan(1024, { width: 512, height: 512 }, { preset: 'painterly' }).map(([w]) => w), [256, 362, 512, 724, 1024]);
});
