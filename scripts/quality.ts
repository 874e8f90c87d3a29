// `npm run quality`: how stylised, how structured, how fast — per content × style pair (see
// scripts/quality/quality-args.ts for the flags and docs/quality.md for what the figures mean).
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { createFeatureExtractorAsync, type RgbImage } from '../daemon/engine/index.ts';
import { readImageAsync, resizeRgbAsync } from '../daemon/image/index.ts';
import { writeContactSheetAsync, type SheetCell } from './quality/contact-sheet.ts';
import { edgeCorrelation } from './quality/edge-correlation.ts';
import { pairName, parseQualityArgs, QUALITY_USAGE, QualityUsageError, type QualityArgs } from './quality/quality-args.ts';
import { runJobAsync, type JobOutcome } from './quality/run-job-async.ts';
import { StyleDistanceMeter } from './quality/style-distance.ts';

const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

interface Row {
  pair: string;
  variant: string;
  swdRatio: number;
  edgeCorrelation: number;
  perLayerRatio: Record<string, number>;
  job?: JobOutcome;
  result: string;
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
    '| pair | variant | SWD ratio | edge corr | wall s | peak RSS MB |',
    '| --- | --- | ---: | ---: | ---: | ---: |',
    ...rows.map(
      (r) =>
        `| ${r.pair} | ${r.variant} | ${r.swdRatio.toFixed(4)} | ${r.edgeCorrelation.toFixed(3)} | ${r.job ? r.job.seconds.toFixed(1) : '–'} | ${r.job ? (r.job.maxRssBytes / 2 ** 20).toFixed(0) : '–'} |`,
    ),
  ];
  const variants = [...new Set(rows.map((r) => r.variant))];
  lines.push('', '| variant | max SWD ratio | mean SWD ratio | min edge corr | mean wall s | max peak RSS MB |', '| --- | ---: | ---: | ---: | ---: | ---: |');
  for (const v of variants) {
    const rs = rows.filter((r) => r.variant === v);
    const jobs = rs.flatMap((r) => (r.job ? [r.job] : []));
    const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
    lines.push(
      `| ${v} | ${Math.max(...rs.map((r) => r.swdRatio)).toFixed(4)} | ${mean(rs.map((r) => r.swdRatio)).toFixed(4)} | ${Math.min(...rs.map((r) => r.edgeCorrelation)).toFixed(3)} | ${jobs.length ? mean(jobs.map((j) => j.seconds)).toFixed(1) : '–'} | ${jobs.length ? (Math.max(...jobs.map((j) => j.maxRssBytes)) / 2 ** 20).toFixed(0) : '–'} |`,
    );
  }
  return lines.join('\n');
}

/** A column of the table: a variant to run, or a result already on disk (with its run's figures when known). */
interface Column {
  label: string;
  flags?: string[];
  result?: string;
  job?: JobOutcome;
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

async function runAsync(args: QualityArgs): Promise<void> {
  await mkdir(args.out, { recursive: true });
  const earlier = await earlierJobsAsync(args);
  const extractor = await createFeatureExtractorAsync(args.weights);
  const meter = new StyleDistanceMeter(extractor);
  const rows: Row[] = [];
  const sheet: SheetCell[][] = [];
  try {
    for (const pair of args.pairs) {
      const name = pairName(pair);
      const content = await atSideAsync(await readRgbAsync(pair.content), args.measureSide);
      const style = await atSideAsync(await readRgbAsync(pair.style), args.measureSide);
      const baseline = await meter.distanceAsync(content, style, { image: pair.content, style: pair.style });
      const cells: SheetCell[] = [
        { image: content, label: basename(pair.content) },
        { image: style, label: basename(pair.style) },
      ];
      const columns: Column[] = pair.result
        ? [{ label: 'given', result: pair.result }]
        : [...args.given.map((g) => ({ label: g.label, result: join(g.dir, `${name}.png`), job: earlier.get(join(g.dir, `${name}.png`)) })), ...args.variants];
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
          perLayerRatio,
          job,
          result: resultPath,
        };
        rows.push(row);
        cells.push({ image: result, label: `${variant.label}: SWD ${row.swdRatio.toFixed(3)} edge ${row.edgeCorrelation.toFixed(2)}${job ? ` ${job.seconds.toFixed(0)} s` : ''}` });
        const layers = Object.entries(perLayerRatio).map(([l, v]) => `${l} ${v.toFixed(3)}`).join(' ');
        process.stdout.write(
          `${name} [${variant.label}]: SWD ratio ${row.swdRatio.toFixed(4)} (${layers}), edge corr ${row.edgeCorrelation.toFixed(3)}` +
            (job ? `, ${job.seconds.toFixed(1)} s (process ${job.processSeconds.toFixed(1)} s), peak RSS ${(job.maxRssBytes / 2 ** 20).toFixed(0)} MB` : '') +
            '\n',
        );
      }
      sheet.push(cells);
      // Written after every pair, so a long run stopped early keeps what it measured.
      await writeOutputsAsync(args, rows, sheet);
    }
  } finally {
    extractor.dispose();
  }
  const { table, sheetPath } = await writeOutputsAsync(args, rows, sheet);
  process.stdout.write(`\n${table}\n\ncontact sheet: ${sheetPath}\n`);
}

async function writeOutputsAsync(args: QualityArgs, rows: Row[], sheet: SheetCell[][]): Promise<{ table: string; sheetPath: string }> {
  const table = formatTable(rows);
  const sheetPath = join(args.out, 'contact-sheet.png');
  await writeContactSheetAsync(sheet, sheetPath);
  await writeFile(join(args.out, 'results.json'), `${JSON.stringify({ variants: args.variants, rows }, null, 2)}\n`);
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
