/**
 * Looks for seams at the tile borders of a tiled result (issue 11):
 *   node --import tsx scripts/seam-check.ts RESULT.png --budget MB [--preset classic] [--out DIR]
 * Plans the top stage as the engine would for the result's size, preset and budget (the same
 * planStageMemory the job used), and at every border between two windows' own regions prints
 * the mean colour step across the border beside the steps across the neighbouring columns (or
 * rows): a seam is a step larger than its neighbours'. Writes 256×256 crops at 100 % centred on
 * the borders and their crossings, and one sheet of them, into DIR (default seams-out/).
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { planStageMemory } from '../daemon/engine/memory-budget.ts';
import { resolveOptions, stagePlan } from '../daemon/engine/presets.ts';

const { values, positionals } = parseArgs({ allowPositionals: true, options: { budget: { type: 'string' }, preset: { type: 'string', default: 'classic' }, out: { type: 'string', default: 'seams-out' } } });
const file = positionals[0];
if (!file || !values.budget) throw new Error('usage: seam-check.ts RESULT.png --budget MB [--preset NAME] [--out DIR]');
const { data, info } = await sharp(file).removeAlpha().raw().toBuffer({ resolveWithObject: true });
const { width, height, channels } = info;
const options = resolveOptions({ preset: values.preset, width, height }, 'caffe', { width, height });
const top = stagePlan(options).at(-1)!;
const plan = planStageMemory(top.height, top.width, options, Number(values.budget));
if (!plan.tiles) {
  console.log(`${width}×${height} under ${values.budget} MB is one window: no tile borders.`);
  process.exit(0);
}
const windows = plan.tiles.windows;
const xs = [...new Set(windows.map((w) => w.left + w.own.right))].filter((x) => x < width).sort((a, b) => a - b);
const ys = [...new Set(windows.map((w) => w.top + w.own.bottom))].filter((y) => y < height).sort((a, b) => a - b);
console.log(`${width}×${height}, ${windows.length} windows of ${plan.tiles.windowWidth}×${plan.tiles.windowHeight} (halo ${plan.tiles.halo}); borders at x = ${xs.join(', ')} and y = ${ys.join(', ')}`);

const at = (x: number, y: number, c: number): number => data[(y * width + x) * channels + c]!;
/** Mean absolute step (0–255, over channels) between column x-1 and x, or row y-1 and y. */
const step = (axis: 'x' | 'y', k: number): number => {
  let sum = 0;
  const n = axis === 'x' ? height : width;
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < channels; c++) sum += axis === 'x' ? Math.abs(at(k, i, c) - at(k - 1, i, c)) : Math.abs(at(i, k, c) - at(i, k - 1, c));
  }
  return sum / (n * channels);
};
const SPAN = 32;
for (const [axis, borders] of [['x', xs], ['y', ys]] as const) {
  for (const b of borders) {
    const across = step(axis, b);
    const around = [];
    for (let k = b - SPAN; k <= b + SPAN; k++) if (k !== b && k > 0 && k < (axis === 'x' ? width : height)) around.push(step(axis, k));
    around.sort((p, q) => p - q);
    const median = around[around.length >> 1]!;
    const rank = around.filter((s) => s >= across).length;
    console.log(
      `  ${axis} = ${b}: step ${across.toFixed(2)}, neighbours (±${SPAN}) median ${median.toFixed(2)}, max ${around.at(-1)!.toFixed(2)}; ratio ${(across / median).toFixed(2)}, ${rank} of ${around.length} neighbours step as much or more`,
    );
  }
}

// Crops at 100 %: each vertical border halfway down each window row, each horizontal border
// halfway across each window column, and every crossing.
const SIDE = 256;
const mid = (edges: number[], size: number) => [0, ...edges, size].slice(0, -1).map((e, i) => Math.round((e + ([...edges, size][i] ?? size)) / 2));
const centres: Array<{ x: number; y: number; name: string }> = [
  ...xs.flatMap((x) => mid(ys, height).map((y) => ({ x, y, name: `x${x}-y${y}` }))),
  ...ys.flatMap((y) => mid(xs, width).map((x) => ({ x, y, name: `y${y}-x${x}` }))),
  ...xs.flatMap((x) => ys.map((y) => ({ x, y, name: `cross-x${x}-y${y}` }))),
];
await mkdir(values.out!, { recursive: true });
const clamp = (v: number, size: number) => Math.max(0, Math.min(size - SIDE, v - SIDE / 2));
// Cut from the pixels decoded above, not by decoding the PNG again for each crop.
const raw = { raw: { width, height, channels } } as const;
const crops = await Promise.all(
  centres.map(async (c) => {
    const png = await sharp(data, raw).extract({ left: clamp(c.x, width), top: clamp(c.y, height), width: SIDE, height: SIDE }).png().toBuffer();
    await sharp(png).toFile(join(values.out!, `${c.name}.png`));
    return png;
  }),
);
const GAP = 8;
const perRow = 4;
const rows = Math.ceil(crops.length / perRow);
await sharp({ create: { width: perRow * SIDE + (perRow - 1) * GAP, height: rows * SIDE + (rows - 1) * GAP, channels: 3, background: '#ffffff' } })
  .composite(crops.map((input, i) => ({ input, left: (i % perRow) * (SIDE + GAP), top: Math.floor(i / perRow) * (SIDE + GAP) })))
  .png()
  .toFile(join(values.out!, 'sheet.png'));
console.log(`${crops.length} crops (${centres.map((c) => c.name).join(', ')}), centred on the borders, and sheet.png in ${values.out}`);
