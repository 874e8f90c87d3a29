// `npm run quality`: how stylised, how structured, how fast — per content × style pair (see
// scripts/quality/quality-args.ts for the flags and docs/quality.md for what the figures mean).
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import sharp from 'sharp';
import { createFeatureExtractorAsync, REGION_LIMITS, type MaskImage, type RgbImage } from '../daemon/engine/index.ts';
import { resizeMask } from '../daemon/engine/region-mask.ts';
import { readImageAsync, readMaskAsync, resizeRgbAsync } from '../daemon/image/index.ts';
import { writeContactSheetAsync, type SheetCell } from './quality/contact-sheet.ts';
import { edgeCorrelation } from './quality/edge-correlation.ts';
import { highFrequencyRatio } from './quality/high-frequency.ts';
import { changedOutside, leftMask, maskZones } from './quality/masked-pairs.ts';
import { pairName, parseQualityArgs, QUALITY_USAGE, QualityUsageError, type QualityArgs } from './quality/quality-args.ts';
import { runJobAsync, type JobOutcome } from './quality/run-job-async.ts';
import { StyleDistanceMeter, type StyleDistance } from './quality/style-distance.ts';

const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

interface Row {
  pair: string;
  variant: string;
  swdRatio: number;
  edgeCorrelation: number;
  /** High-frequency energy over the style's (high-frequency.ts): well above 1 is noise. */
  highFrequencyRatio: number;
  perLayerRatio: Record<string, number>;
  job?: JobOutcome;
  result: string;
}

/** A variant's masked job beside its unmasked one on a pair (--mask). */
interface MaskedRow {
  pair: string;
  variant: string;
  /** SWD ratios over the mask's inside (past the feather): the masked job's and the unmasked job's. */
  insideMasked: number;
  insideUnmasked: number;
  /** Pixels past the feather outside the mask, and how many of them differ from the source. */
  outsidePixels: number;
  outsideChanged: number;
}

/** Longest side `side`, the aspect ratio kept, as the engine sizes its output. */
async function atSideAsync(image: RgbImage, side: number): Promise<RgbImage> {
  const s = side / Math.max(image.width, image.height);
  return resizeRgbAsync(image, Math.max(1, Math.round(image.width * s)), Math.max(1, Math.round(image.height * s)));
}

async function readRgbAsync(path: string): Promise<RgbImage> {
  return (await readImageAsync(path, { alpha: 'composite' })).rgb;
}

function formatTable(rows: readonly Row[]): string {
  const lines = [
    '| pair | variant | SWD ratio | edge corr | HF ratio | wall s | peak RSS MB |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: |',
    ...rows.map(
      (r) =>
        `| ${r.pair} | ${r.variant} | ${r.swdRatio.toFixed(4)} | ${r.edgeCorrelation.toFixed(3)} | ${r.highFrequencyRatio.toFixed(2)} | ${r.job ? r.job.seconds.toFixed(1) : '–'} | ${r.job ? (r.job.maxRssBytes / 2 ** 20).toFixed(0) : '–'} |`,
    ),
  ];
  const variants = [...new Set(rows.map((r) => r.variant))];
  lines.push('', '| variant | max SWD ratio | mean SWD ratio | min edge corr | max HF ratio | mean wall s | max peak RSS MB |', '| --- | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const v of variants) {
    const rs = rows.filter((r) => r.variant === v);
    const jobs = rs.flatMap((r) => (r.job ? [r.job] : []));
    const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
    lines.push(
      `| ${v} | ${Math.max(...rs.map((r) => r.swdRatio)).toFixed(4)} | ${mean(rs.map((r) => r.swdRatio)).toFixed(4)} | ${Math.min(...rs.map((r) => r.edgeCorrelation)).toFixed(3)} | ${Math.max(...rs.map((r) => r.highFrequencyRatio)).toFixed(2)} | ${jobs.length ? mean(jobs.map((j) => j.seconds)).toFixed(1) : '–'} | ${jobs.length ? (Math.max(...jobs.map((j) => j.maxRssBytes)) / 2 ** 20).toFixed(0) : '–'} |`,
    );
  }
  return lines.join('\n');
}

function formatMaskedTable(rows: readonly MaskedRow[]): string {
  if (rows.length === 0) return '';
  return [
    '',
    '',
    '| pair | variant | SWD ratio inside, masked | inside, unmasked | masked / unmasked | outside pixels changed |',
    '| --- | --- | ---: | ---: | ---: | ---: |',
    ...rows.map(
      (r) =>
        `| ${r.pair} | ${r.variant} | ${r.insideMasked.toFixed(4)} | ${r.insideUnmasked.toFixed(4)} | ${(r.insideMasked / r.insideUnmasked).toFixed(3)} | ${r.outsideChanged} of ${r.outsidePixels} |`,
    ),
  ].join('\n');
}

/** A column of the table: a variant to run, or a result already on disk (with its run's figures when known). */
interface Column {
  label: string;
  flags?: string[];
  result?: string;
  job?: JobOutcome;
  /** A masked job's: the label of the same flags' unmasked column (run before it). */
  unmasked?: string;
}

/** The jobs an earlier run recorded, by result path, from each --given folder's ../results.json. */
async function earlierJobsAsync(args: QualityArgs): Promise<Map<string, JobOutcome>> {
  const jobs = new Map<string, JobOutcome>();
  for (const g of args.given) {
    const file = join(dirname(g.dir), 'results.json');
    if (!existsSync(file)) continue;
    const parsed = earlierResultsSchema.safeParse(JSON.parse(await readFile(file, 'utf8')));
    if (!parsed.success) throw new Error(`${file} is not a quality run's results.json: ${parsed.error.issues[0].message}`);
    for (const row of parsed.data.rows) if (row.job) jobs.set(resolve(row.result), row.job);
  }
  return jobs;
}

const earlierResultsSchema = z.object({
  rows: z.array(
    z.object({
      result: z.string(),
      job: z.object({ seconds: z.number(), processSeconds: z.number(), maxRssBytes: z.number() }).passthrough().optional(),
    }),
  ),
});

/** The pair's mask as stylize reads it, and the file the masked jobs get (a generated one is written into --out). */
async function pairMaskAsync(args: QualityArgs, contentPath: string, original: RgbImage): Promise<{ file: string; mask: MaskImage }> {
  const spec = args.mask!;
  if (spec.kind === 'file') return { file: spec.path, mask: await readMaskAsync(spec.path) };
  const mask = leftMask(original.width, original.height, spec.percent);
  const file = join(args.out, 'masks', `${basename(contentPath, extname(contentPath))}-left${spec.percent}.png`);
  await mkdir(dirname(file), { recursive: true });
  const grey = Buffer.from(mask.data.map((v) => Math.round(v * 255)));
  await sharp(grey, { raw: { width: mask.width, height: mask.height, channels: 1 } }).png().toFile(file);
  return { file, mask };
}

/**
 * The masked job's figures beside the unmasked job's, at the results' own size (the source is
 * the content resized there as stylize resizes it, so pixels past the feather compare exactly).
 */
async function measureMaskedAsync(
  meter: StyleDistanceMeter,
  pair: { content: string; style: string },
  original: RgbImage,
  style: RgbImage,
  mask: MaskImage,
  featherPx: number,
  maskedPath: string,
  unmaskedPath: string,
): Promise<Omit<MaskedRow, 'pair' | 'variant'>> {
  const masked = await readRgbAsync(maskedPath);
  const { width, height } = masked;
  const unmaskedRaw = await readRgbAsync(unmaskedPath);
  const unmasked = unmaskedRaw.width === width && unmaskedRaw.height === height ? unmaskedRaw : await resizeRgbAsync(unmaskedRaw, width, height);
  const source = await resizeRgbAsync(original, width, height);
  const { outside, inside } = maskZones(resizeMask(mask, width, height), width, height, featherPx);
  const region = { key: `mask ${width}x${height} feather ${featherPx}`, inside };
  const at = `${pair.content}@${width}x${height}`;
  const ratio = async (image: RgbImage, base: StyleDistance): Promise<number> =>
    (await meter.distanceAsync(image, style, { style: pair.style }, region)).swd / base.swd;
  const base = await meter.distanceAsync(source, style, { image: at, style: pair.style }, region);
  return {
    insideMasked: await ratio(masked, base),
    insideUnmasked: await ratio(unmasked, base),
    outsidePixels: outside.reduce((n, v) => n + v, 0),
    outsideChanged: changedOutside(masked, source, outside),
  };
}

async function runAsync(args: QualityArgs): Promise<void> {
  await mkdir(args.out, { recursive: true });
  const earlier = await earlierJobsAsync(args);
  const extractor = await createFeatureExtractorAsync(args.weights);
  const meter = new StyleDistanceMeter(extractor);
  const rows: Row[] = [];
  const maskedRows: MaskedRow[] = [];
  const sheet: SheetCell[][] = [];
  const featherPx = args.featherPx ?? REGION_LIMITS.defaultFeatherPx;
  try {
    for (const pair of args.pairs) {
      const name = pairName(pair);
      const original = await readRgbAsync(pair.content);
      const content = await atSideAsync(original, args.measureSide);
      const style = await atSideAsync(await readRgbAsync(pair.style), args.measureSide);
      const baseline = await meter.distanceAsync(content, style, { image: pair.content, style: pair.style });
      const mask = args.mask && !pair.result ? await pairMaskAsync(args, pair.content, original) : undefined;
      const pairMask = mask && { flags: ['--mask', mask.file, ...(args.featherPx === undefined ? [] : ['--feather', String(args.featherPx)])] };
      const cells: SheetCell[] = [
        { image: content, label: basename(pair.content) },
        { image: style, label: basename(pair.style) },
      ];
      const runVariants: Column[] = args.variants.flatMap((v) => [v, ...(pairMask ? [{ label: `${v.label}-masked`, flags: [...v.flags, ...pairMask.flags], unmasked: v.label }] : [])]);
      const columns: Column[] = pair.result
        ? [{ label: 'given', result: pair.result }]
        : [...args.given.map((g) => ({ label: g.label, result: join(g.dir, `${name}.png`), job: earlier.get(join(g.dir, `${name}.png`)) })), ...runVariants];
      for (const variant of columns) {
        let resultPath = variant.result;
        let job = variant.job;
        if (resultPath && !existsSync(resultPath)) throw new QualityUsageError(`${variant.label}: no result ${resultPath} for ${name}.`);
        if (!resultPath) {
          resultPath = join(args.out, variant.label, `${name}.png`);
          await mkdir(dirname(resultPath), { recursive: true });
          job = await runJobAsync(pair.content, pair.style, resultPath, args.weights, variant.flags ?? []);
        }
        const raw = await readRgbAsync(resultPath);
        const result = await resizeRgbAsync(raw, content.width, content.height);
        const distance = await meter.distanceAsync(result, style, { style: pair.style });
        const perLayerRatio = Object.fromEntries(Object.entries(distance.perLayer).map(([l, v]) => [l, v / baseline.perLayer[l]]));
        const row: Row = {
          pair: name,
          variant: variant.label,
          swdRatio: distance.swd / baseline.swd,
          edgeCorrelation: edgeCorrelation(result, content),
          highFrequencyRatio: highFrequencyRatio(result, style),
          perLayerRatio,
          job,
          result: resultPath,
        };
        rows.push(row);
        cells.push({ image: result, label: `${variant.label}: SWD ${row.swdRatio.toFixed(3)} edge ${row.edgeCorrelation.toFixed(2)} HF ${row.highFrequencyRatio.toFixed(2)}${job ? ` ${job.seconds.toFixed(0)} s` : ''}` });
        if (mask && variant.unmasked) {
          const m = await measureMaskedAsync(meter, pair, original, style, mask.mask, featherPx, resultPath, join(args.out, variant.unmasked, `${name}.png`));
          maskedRows.push({ pair: name, variant: variant.unmasked, ...m });
          process.stdout.write(
            `${name} [${variant.label}]: SWD ratio inside the mask ${m.insideMasked.toFixed(4)} (unmasked job ${m.insideUnmasked.toFixed(4)}, ×${(m.insideMasked / m.insideUnmasked).toFixed(3)}), ` +
              `${m.outsideChanged} of ${m.outsidePixels} pixels past the feather differ from the source\n`,
          );
        }
        const layers = Object.entries(perLayerRatio).map(([l, v]) => `${l} ${v.toFixed(3)}`).join(' ');
        process.stdout.write(
          `${name} [${variant.label}]: SWD ratio ${row.swdRatio.toFixed(4)} (${layers}), edge corr ${row.edgeCorrelation.toFixed(3)}, HF ratio ${row.highFrequencyRatio.toFixed(2)}` +
            (job ? `, ${job.seconds.toFixed(1)} s (process ${job.processSeconds.toFixed(1)} s), peak RSS ${(job.maxRssBytes / 2 ** 20).toFixed(0)} MB` : '') +
            '\n',
        );
      }
      sheet.push(cells);
      // Written after every pair, so a long run stopped early keeps what it measured.
      await writeOutputsAsync(args, rows, maskedRows, sheet);
    }
  } finally {
    extractor.dispose();
  }
  const { table, sheetPath } = await writeOutputsAsync(args, rows, maskedRows, sheet);
  process.stdout.write(`\n${table}\n\ncontact sheet: ${sheetPath}\n`);
}

async function writeOutputsAsync(args: QualityArgs, rows: Row[], maskedRows: MaskedRow[], sheet: SheetCell[][]): Promise<{ table: string; sheetPath: string }> {
  const table = formatTable(rows) + formatMaskedTable(maskedRows);
  const sheetPath = join(args.out, 'contact-sheet.png');
  await writeContactSheetAsync(sheet, sheetPath);
  await writeFile(join(args.out, 'results.json'), `${JSON.stringify({ variants: args.variants, rows, ...(args.mask ? { mask: args.mask, featherPx: args.featherPx ?? REGION_LIMITS.defaultFeatherPx, masked: maskedRows } : {}) }, null, 2)}\n`);
  await writeFile(join(args.out, 'table.md'), `${table}\n`);
  return { table, sheetPath };
}

try {
  const args = parseQualityArgs(process.argv.slice(2), process.env, REPO_ROOT);
  if (args === 'help') process.stdout.write(`${QUALITY_USAGE}\n`);
  else await runAsync(args);
} catch (error) {
  if (!(error instanceof QualityUsageError)) throw error;
  process.stderr.write(`quality: ${error.message}\n\n${QUALITY_USAGE}\n`);
  process.exitCode = 2;
}
