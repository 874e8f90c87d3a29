import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { planStageMemory, resolveOptions, stagePlan, summarizeStageMemory, writeRandomWeightsAsync } from '../../daemon/engine/index.ts';
import { formatMemoryPlan } from '../../daemon/cli/progress-line.ts';
import { writeKerasVgg19H5Async } from '../weights-download/keras-h5-fixture.ts';
import { parseStylizeArgs, STYLIZE_USAGE, UsageError } from '../../daemon/cli/stylize-args.ts';

const bin = fileURLToPath(new URL('../../bin/atelier.js', import.meta.url));
const dir = await mkdtemp(join(tmpdir(), 'atelier-cli-'));
after(() => rm(dir, { recursive: true, force: true }));
const weights = join(dir, 'weights');
await writeRandomWeightsAsync(weights, { seed: 2 });
const content = join(dir, 'content.png');
const style = join(dir, 'style.jpg');
await sharp({ create: { width: 80, height: 60, channels: 4, background: { r: 200, g: 120, b: 40, alpha: 0.5 } } }).png().toFile(content);
await sharp({ create: { width: 50, height: 50, channels: 3, background: '#2040c0' } }).jpeg().toFile(style);

function atelier(args: string[], env: NodeJS.ProcessEnv = {}) {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', env: { ...process.env, ATELIER_WEIGHTS: '', ...env } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('--json prints one object per progress event and a final one; the PNG has the size and the alpha', async () => {
  const out = join(dir, 'out.png');
  // classic: two stages of --iterations each, so the progress lines are predictable.
  const r = atelier(['stylize', content, style, '-o', out, '--weights', weights, '--backend', 'cpu', '--preset', 'classic', '--max-side', '48', '--iterations', '4', '--progress-every', '2', '--json']);
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(lines[0].type, 'start');
  assert.equal(lines[0].styleBalance, 1, 'classic keeps its absolute style weight');
  assert.equal(lines[0].engine, 'onnx', '--engine auto picks ONNX Runtime where it loads');
  const progress = lines.filter((l) => l.type === 'progress');
  assert.deepEqual(progress.map((p) => [p.stage, p.iteration]), [[1, 2], [1, 4], [2, 2], [2, 4]]);
  for (const p of progress) for (const k of ['content', 'style', 'tv', 'total', 'seconds']) assert.equal(typeof p[k], 'number', k);
  const result = lines[lines.length - 1];
  assert.equal(result.type, 'result');
  assert.equal(result.output, out);
  assert.deepEqual([result.width, result.height], [48, 36]);
  const meta = await sharp(out).metadata();
  assert.deepEqual([meta.width, meta.height, meta.hasAlpha], [48, 36, true]);
});

test('human output has d2l-style loss lines and names the backend', () => {
  const r = atelier(['stylize', content, style, '-o', join(dir, 'h.png'), '--engine', 'tfjs', '--backend', 'cpu', '--size', '32x32', '--stages', '1', '--iterations', '3', '--progress-every', '1'], {
    ATELIER_WEIGHTS: weights,
  });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /engine tfjs, backend cpu, device CPU/);
  assert.match(r.stderr, /memory budget \d+ MB: stage 1 whole, history \d+ \(≤ \d+ MB\)\n/);
  assert.match(r.stdout, /stage 1\/1 {2}iter 3\/3 {2}content \S+ {2}style \S+ {2}tv \S+ {2}total \S+/);
});

test('usage errors exit 2 with a sentence; bad files exit 1 with a code', () => {
  const noStyle = atelier(['stylize', content, '--weights', weights]);
  assert.equal(noStyle.code, 2);
  assert.match(noStyle.stderr, /at least one style image/);
  const badSize = atelier(['stylize', content, style, '--size', 'big', '--weights', weights]);
  assert.equal(badSize.code, 2);
  assert.match(badSize.stderr, /--size: use HxW/);
  const noWeights = atelier(['stylize', content, style]);
  assert.equal(noWeights.code, 2);
  assert.match(noWeights.stderr, /ATELIER_WEIGHTS/);
  const missing = atelier(['stylize', join(dir, 'nope.png'), style, '--weights', weights, '--backend', 'cpu']);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /does not exist.*image-unreadable/);
  const badWeights = atelier(['stylize', content, style, '--weights', dir, '--backend', 'cpu']);
  assert.equal(badWeights.code, 1);
  assert.match(badWeights.stderr, /has no weights_manifest\.json.*weights_not_found/);
});

test('--style-balance turns the Gram-energy balance on or off; the preset decides when absent', () => {
  const off = parseStylizeArgs([content, style, '--style-balance', 'off']);
  assert.ok(off !== 'help');
  assert.equal(off.options.normalizeStyle, false);
  assert.equal(resolveOptions({ ...off.options }, 'caffe', { width: 512, height: 384 }).normalizeStyle, false, 'atelier without its balance');
  const on = parseStylizeArgs([content, style, '--preset', 'classic', '--style-balance', 'on']);
  assert.ok(on !== 'help');
  assert.equal(resolveOptions({ ...on.options }, 'caffe', { width: 512, height: 384 }).normalizeStyle, true, 'classic with it');
  const plain = parseStylizeArgs([content, style]);
  assert.ok(plain !== 'help' && plain.options.normalizeStyle === undefined);
  assert.throws(() => parseStylizeArgs([content, style, '--style-balance', 'yes']), (e: unknown) => e instanceof UsageError && /--style-balance/.test(e.message));
});

test('--style-scale passes a relative style strength; zero or words are usage errors', () => {
  const parsed = parseStylizeArgs([content, style, '--style-scale', '2.5']);
  assert.ok(parsed !== 'help');
  assert.equal(parsed.options.styleScale, 2.5);
  assert.equal(parsed.options.styleWeight, undefined, 'the preset keeps its absolute weight');
  const plain = parseStylizeArgs([content, style]);
  assert.ok(plain !== 'help' && plain.options.styleScale === undefined);
  assert.throws(() => parseStylizeArgs([content, style, '--style-scale', '0']), (e: unknown) => e instanceof UsageError && /--style-scale/.test(e.message));
  assert.throws(() => parseStylizeArgs([content, style, '--style-scale', 'lots']), (e: unknown) => e instanceof UsageError && /--style-scale/.test(e.message));
  assert.match(STYLIZE_USAGE, /--style-scale X/);
});

test('--weights also takes the Keras .h5 file, converted once into the cache', async () => {
  const h5 = join(dir, 'vgg19_notop.h5');
  await writeKerasVgg19H5Async(h5, { seed: 3 });
  const cache = join(dir, 'cache');
  const args = ['stylize', content, style, '-o', join(dir, 'h5.png'), '--weights', h5, '--backend', 'cpu', '--max-side', '32', '--stages', '1', '--iterations', '2', '--json'];
  const first = atelier(args, { XDG_CACHE_HOME: cache });
  assert.equal(first.code, 0, first.stderr);
  assert.equal(JSON.parse(first.stdout.trim().split('\n').pop()!).type, 'result');
  const converted = (await readdir(cache, { recursive: true })).filter((f) => f.endsWith('weights_manifest.json'));
  assert.equal(converted.length, 1, 'one conversion in the cache');
  const second = atelier(args, { XDG_CACHE_HOME: cache });
  assert.equal(second.code, 0, second.stderr);
});

test('--max-side goes up to 4096 and --memory-budget takes megabytes; a budget too small for one tile exits 1 with its code', () => {
  assert.equal((parseStylizeArgs([content, style, '--max-side', '4096']) as { options: { maxSide?: number } }).options.maxSide, 4096);
  assert.throws(() => parseStylizeArgs([content, style, '--max-side', '4097']), (e: unknown) => e instanceof UsageError && /--max-side: at most 4096/.test(e.message));
  assert.equal((parseStylizeArgs([content, style, '--memory-budget', '4096']) as { memoryBudgetMB?: number }).memoryBudgetMB, 4096);
  assert.throws(() => parseStylizeArgs([content, style, '--memory-budget', '100']), (e: unknown) => e instanceof UsageError && /--memory-budget/.test(e.message));
  const r = atelier(['stylize', content, style, '-o', join(dir, 'b.png'), '--weights', weights, '--max-side', '4096', '--memory-budget', '1100', '--json']);
  assert.equal(r.code, 1, r.stderr);
  const last = JSON.parse(r.stdout.trim().split('\n').pop()!);
  assert.equal(last.code, 'memory-budget');
  assert.match(last.message, /needs at least \d+ MB/);
});

test('the memory line says how each stage of a large job runs under its budget, from the engine’s own plan', () => {
  const options = resolveOptions({ preset: 'classic', width: 2048, height: 1536 }, 'caffe', { width: 2048, height: 1536 });
  const line = formatMemoryPlan(stagePlan(options).map((st) => summarizeStageMemory(planStageMemory(st.height, st.width, options, 4096))), 4096);
  assert.match(line, /^memory budget 4096 MB: stage 1 whole, history \d+ \(≤ \d+ MB\); stage 2 in \d+ windows of \d+×\d+ \(halo \d+\), history \d+ \(≤ \d+ MB\)$/);
  const mbs = [...line.matchAll(/≤ (\d+) MB/g)].map((m) => Number(m[1]));
  assert.ok(mbs.every((mb) => mb <= 4096), `each stage is planned inside the budget: ${line}`);
});

test('--content-layers and --style-layers take comma-separated VGG-19 names; a name the network lacks exits 1 with bad-options', () => {
  const parsed = parseStylizeArgs([content, style, '--content-layers', 'relu2_2, relu4_2', '--style-layers', 'relu1_1,relu3_1']);
  assert.ok(parsed !== 'help');
  assert.deepEqual(parsed.options.contentLayers, ['relu2_2', 'relu4_2']);
  assert.deepEqual(parsed.options.styleLayers, ['relu1_1', 'relu3_1']);
  const plain = parseStylizeArgs([content, style]);
  assert.ok(plain !== 'help' && plain.options.contentLayers === undefined && plain.options.styleLayers === undefined);
  assert.throws(() => parseStylizeArgs([content, style, '--style-layers', 'pool4']), (e: unknown) => e instanceof UsageError && /--style-layers: layers are VGG-19 names/.test(e.message));
  const unknown = atelier(['stylize', content, style, '--weights', weights, '--backend', 'cpu', '--engine', 'tfjs', '--style-layers', 'relu6_1']);
  assert.equal(unknown.code, 1);
  assert.match(unknown.stderr, /bad-options/);
  assert.match(STYLIZE_USAGE, /--content-layers L,L/);
});

test('--mask applies to every style, --region pairs a style with a mask each, --feather goes with them; misuse is a usage error', () => {
  const masked = parseStylizeArgs([content, style, style, '--mask', 'm.png', '--feather', '6']);
  assert.ok(masked !== 'help');
  assert.deepEqual([masked.styles, masked.masks, masked.featherPx], [[style, style], ['m.png', 'm.png'], 6]);
  const regions = parseStylizeArgs([content, '--region', 'a.jpg:ma.png', '--region', 'C:\\s\\b.jpg:C:\\m\\mb.png']);
  assert.ok(regions !== 'help');
  assert.deepEqual([regions.styles, regions.masks, regions.featherPx], [['a.jpg', 'C:\\s\\b.jpg'], ['ma.png', 'C:\\m\\mb.png'], undefined]);
  assert.equal(regions.output, 'content.a.png');
  const plain = parseStylizeArgs([content, style]);
  assert.ok(plain !== 'help' && plain.masks === undefined && plain.featherPx === undefined, 'no mask: the unmasked job');
  const usage = (argv: string[], pattern: RegExp): void => {
    assert.throws(() => parseStylizeArgs(argv), (e: unknown) => e instanceof UsageError && pattern.test(e.message), argv.join(' '));
  };
  usage([content, style, '--region', 'a.jpg:m.png'], /either after the content image or as --region/);
  usage([content, '--region', 'a.jpg:m.png', '--mask', 'm.png'], /either --mask .* or --region/);
  usage([content, '--region', 'a.jpg:m.png', '--region', 'b.jpg:n.png', '--style-blend', '1,2'], /--style-blend blends styles over one area/);
  usage([content, style, '--feather', '4'], /--feather goes with --mask or --region/);
  usage([content, style, '--mask', 'm.png', '--feather', '-1'], /--feather/);
  usage([content, style, '--mask', 'm.png', '--feather', '257'], /--feather: at most 256 px/);
  usage([content, '--region', 'a.jpg'], /--region.*STYLE:MASK/);
  assert.match(STYLIZE_USAGE, /--region STYLE:MASK/);
});

/** Pixels of `image` [height, width] farther than `px` along rows or columns from the rectangle [x0, x1) × [y0, y1). */
function outsideRect(width: number, height: number, [x0, y0, x1, y1]: [number, number, number, number], px: number): number[] {
  const far: number[] = [];
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) if (x < x0 - px || x >= x1 + px || y < y0 - px || y >= y1 + px) far.push(y * width + x);
  return far;
}

test('a masked job (a mask of another size, by luminance; or regions by alpha) keeps the content’s pixels past the feather exactly', async () => {
  const [w, h] = [64, 48];
  const pixels = Buffer.alloc(w * h * 3);
  for (let i = 0; i < pixels.length; i++) pixels[i] = (i * 7 + ((i / (w * 3)) | 0) * 13) % 256;
  const photo = join(dir, 'photo.png');
  await sharp(pixels, { raw: { width: w, height: h, channels: 3 } }).png().toFile(photo);
  // Half the content's size: white on black over [4, 12) × [4, 16), so [8, 24) × [8, 32) on the content.
  const grey = Buffer.alloc(32 * 24);
  for (let y = 4; y < 16; y++) grey.fill(255, y * 32 + 4, y * 32 + 12);
  const lumaMask = join(dir, 'luma-mask.png');
  await sharp(grey, { raw: { width: 32, height: 24, channels: 1 } }).png().toFile(lumaMask);
  // Opaque black on transparency over [40, 60) × [10, 40): the alpha decides, not the colour.
  const rgba = Buffer.alloc(w * h * 4);
  for (let y = 10; y < 40; y++) for (let x = 40; x < 60; x++) rgba[(y * w + x) * 4 + 3] = 255;
  const alphaMask = join(dir, 'alpha-mask.png');
  await sharp(rgba, { raw: { width: w, height: h, channels: 4 } }).png().toFile(alphaMask);
  const source = new Uint8Array(await sharp(photo).raw().toBuffer());
  const common = ['--weights', weights, '--preset', 'classic', '--stages', '1', '--max-side', '64', '--iterations', '3', '--json'];
  const runs = [
    { args: [photo, style, '--mask', lumaMask, '--feather', '2'], rects: [[8, 8, 24, 32]], feather: 2 },
    { args: [photo, '--region', `${style}:${lumaMask}`, '--region', `${style}:${alphaMask}`], rects: [[8, 8, 24, 32], [40, 10, 60, 40]], feather: 4 },
  ] as const;
  for (const [k, run] of runs.entries()) {
    const out = join(dir, `masked-${k}.png`);
    const r = atelier(['stylize', ...run.args, '-o', out, ...common]);
    assert.equal(r.code, 0, r.stderr);
    const result = new Uint8Array(await sharp(out).removeAlpha().raw().toBuffer());
    const outside = run.rects.map((rect) => new Set(outsideRect(w, h, [...rect], run.feather)));
    const far = [...outside[0]].filter((p) => outside.every((o) => o.has(p)));
    assert.ok(far.length > 1000);
    for (const p of far) for (let c = 0; c < 3; c++) assert.equal(result[p * 3 + c], source[p * 3 + c], `run ${k}: pixel ${p} past the feather`);
    for (const [x0, y0, x1, y1] of run.rects) {
      const centre = (((y0 + y1) >> 1) * w + ((x0 + x1) >> 1)) * 3;
      assert.ok([0, 1, 2].some((c) => result[centre + c] !== source[centre + c]), `run ${k}: the region at ${x0},${y0} is stylised`);
    }
  }
  const missing = atelier(['stylize', photo, style, '--mask', join(dir, 'no-mask.png'), ...common]);
  assert.equal(missing.code, 1);
  assert.match(missing.stdout, /"code":"image-unreadable".*The mask .*no-mask\.png does not exist/);
});
