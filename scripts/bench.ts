/**
 * `npm run bench`: median seconds per optimisation iteration (loss, gradient and Adam step)
 * after warm-up, at d2l's two sizes, for each engine here, and for the PyTorch reference
 * (scripts/torch_reference.py) when /usr/bin/python3 has torch; peak RSS; the ratios.
 *
 *   npm run bench -- [--weights DIR] [--sizes 150x225,300x450] [--warmup 1] [--repeat 3]
 *                    [--engines tfjs,onnx] [--backend auto] [--no-torch]
 *
 *   npm run bench -- --memory [...]   peak RSS and s/iteration at 512–4096 px (bench-memory.ts)
 *
 * Timing goals live here, not in tests. Run it on an idle machine: other load skews the medians.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { BACKEND_NAMES, createEngineAsync, ENGINE_NAMES, jobPeakRssBytes, type BackendName, type EngineName, type RgbImage } from '../daemon/engine/index.ts';
import { readImageAsync, resizeRgbAsync } from '../daemon/image/index.ts';

// `--memory`: peak RSS and time by output size, one child process per size (bench-memory.ts).
if (process.argv.includes('--memory')) {
  await import('./bench-memory.ts');
  process.exit(0);
}

const { values } = parseArgs({
  options: {
    weights: { type: 'string', default: process.env.ATELIER_WEIGHTS ?? '../shared/vgg19-keras-uint8' },
    sizes: { type: 'string', default: '150x225,300x450' },
    warmup: { type: 'string', default: '1' },
    repeat: { type: 'string', default: '3' },
    engines: { type: 'string', default: ENGINE_NAMES.filter((e) => e !== 'auto').join(',') },
    backend: { type: 'string', default: 'auto' },
    'no-torch': { type: 'boolean', default: false },
  },
});
const sizes = values.sizes.split(',').map((s) => s.split('x').map(Number) as [number, number]);
const warmup = Number(values.warmup);
const repeat = Number(values.repeat);
const backend = values.backend as BackendName;
if (!BACKEND_NAMES.includes(backend)) throw new Error(`--backend must be one of ${BACKEND_NAMES.join(', ')}`);
if (!existsSync(`${values.weights}/weights_manifest.json`)) {
  console.error(`bench: no weights at ${values.weights}; pass --weights DIR (the real VGG-19 weights are in ../shared).`);
  process.exit(2);
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

const images = ['../shared/images/content/tubingen.jpg', '../shared/images/style/starry_night.jpg'];
async function inputAsync(path: string, fallbackSeed: number, width: number, height: number): Promise<RgbImage> {
  if (existsSync(path)) return resizeRgbAsync((await readImageAsync(path, { alpha: 'composite' })).rgb, width, height);
  const data = new Uint8Array(width * height * 3).map((_, i) => (i * fallbackSeed) % 256);
  return { width, height, data };
}

interface Row {
  engine: string;
  backend: string;
  device: string;
  sizes: Record<string, { median: number; runs: number[] }>;
}

async function benchEngineAsync(engineName: EngineName): Promise<Row> {
  const engine = await createEngineAsync({ weightsDir: values.weights, backend, engine: engineName });
  const row: Row = { engine: engine.info.engine, backend: engine.info.backend, device: engine.info.device, sizes: {} };
  try {
    for (const [h, w] of sizes) {
      const content = await inputAsync(images[0], 7, w, h);
      const style = await inputAsync(images[1], 13, w, h);
      const stamps: number[] = [];
      for await (const ev of engine.stylize({
        content,
        styles: [{ image: style, weight: 1 }],
        options: { preset: 'reference', height: h, width: w, stages: 1, iterations: warmup + repeat, progressEvery: 1 },
      })) {
        if (ev.type === 'progress') stamps.push(ev.seconds);
      }
      // The first interval also holds the stage's target computation: warm-up drops it.
      const runs = stamps.slice(1).map((t, i) => t - stamps[i]).slice(Math.max(0, warmup - 1));
      row.sizes[`${h}x${w}`] = { median: median(runs), runs };
      console.error(`bench: ${row.engine}/${row.backend} ${h}x${w}: median ${median(runs).toFixed(3)} s/iteration (${runs.map((r) => r.toFixed(2)).join(', ')})`);
    }
  } finally {
    engine.dispose();
  }
  return row;
}

function torchRow(): Row | undefined {
  if (values['no-torch']) return undefined;
  const probe = spawnSync('/usr/bin/python3', ['-c', 'import torch'], { encoding: 'utf8' });
  if (probe.status !== 0) {
    console.error('bench: /usr/bin/python3 has no torch; skipping the PyTorch reference (apt-get install python3-torch).');
    return undefined;
  }
  const r = spawnSync(
    '/usr/bin/python3',
    ['scripts/torch_reference.py', 'bench', '--weights', values.weights, '--sizes', values.sizes, '--warmup', String(warmup + 1), '--repeat', String(repeat), ...images.flatMap((p, i) => (existsSync(p) ? [i ? '--style' : '--content', p] : []))],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] },
  );
  if (r.status !== 0) {
    console.error('bench: the PyTorch reference failed; see above.');
    return undefined;
  }
  const out = JSON.parse(r.stdout.trim().split('\n').pop()!);
  return { engine: 'pytorch', backend: `torch ${out.torch}`, device: `CPU (${out.threads} threads)`, sizes: out.sizes };
}

const rows: Row[] = [];
for (const name of values.engines.split(',') as EngineName[]) {
  try {
    rows.push(await benchEngineAsync(name));
  } catch (error) {
    console.error(`bench: engine ${name} unavailable here: ${(error as Error).message}`);
  }
}
const peakRssMB = jobPeakRssBytes() / 2 ** 20;
const torch = torchRow();
if (torch) rows.push(torch);

const keys = sizes.map(([h, w]) => `${h}x${w}`);
console.log(`\nseconds per iteration (median of ${repeat} after ${warmup} warm-up), load average ${loadavg()[0].toFixed(1)}`);
console.log(['engine'.padEnd(28), ...keys.map((k) => k.padStart(10)), ...(torch ? keys.map((k) => `×torch ${k}`.padStart(16)) : [])].join(''));
for (const r of rows) {
  const label = `${r.engine}/${r.backend}`.padEnd(28);
  const cells = keys.map((k) => (r.sizes[k] ? r.sizes[k].median.toFixed(3) : '-').padStart(10));
  const ratios = torch ? keys.map((k) => (r.sizes[k] && torch.sizes[k] ? (r.sizes[k].median / torch.sizes[k].median).toFixed(2) : '-').padStart(16)) : [];
  console.log(label + cells.join('') + ratios.join(''));
}
console.log(`peak RSS of this process and its ONNX worker (node engines): ${peakRssMB.toFixed(0)} MB`);
console.log(JSON.stringify({ rows, peakRssMB, loadAverage: loadavg()[0] }));
