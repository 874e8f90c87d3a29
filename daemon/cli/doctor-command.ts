import { stat } from 'node:fs/promises';
import { arch, cpus, platform } from 'node:os';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { resolveUserDirs } from '../config/index.ts';
import { diagnoseEnginesAsync, MANIFEST_FILE, type EngineDiagnosis } from '../engine/index.ts';
import { findCachedWeightsAsync } from '../weights-download/index.ts';
import type { CliIo } from './stylize-command.ts';

export const DOCTOR_USAGE = `Usage: atelier doctor [--json] [--weights PATH]

Says what this machine can run: each engine (onnx, tfjs), each ONNX Runtime provider (cpu,
cuda, webgpu, …) and TensorFlow.js backend, whether it starts (and why not), the GPU adapter,
a tiny loss-and-gradient check of each GPU provider against the CPU, and which VGG-19
weights atelier would use (--weights, $ATELIER_WEIGHTS, else the daemon's cache).

Options:
  --json           one JSON object instead of text
  --weights PATH   check these weights instead
  -h, --help       this text`;

export interface WeightsFound {
  found: boolean;
  /** Where the path came from: --weights, ATELIER_WEIGHTS or the daemon's cache. */
  origin?: 'flag' | 'environment' | 'cache';
  path?: string;
  /** A weights folder (weights_manifest.json) or the Keras .h5, converted on first use. */
  kind?: 'folder' | 'keras-h5';
  problem?: string;
}

export interface DoctorReport {
  platform: string;
  node: string;
  cpus: number;
  weights: WeightsFound;
  engines: EngineDiagnosis;
}

async function findWeightsAsync(flag: string | undefined, env: NodeJS.ProcessEnv): Promise<WeightsFound> {
  const cacheDir = resolveUserDirs(env).cache;
  const named = flag ? { origin: 'flag' as const, path: flag } : env.ATELIER_WEIGHTS ? { origin: 'environment' as const, path: env.ATELIER_WEIGHTS } : undefined;
  if (!named) {
    const cached = await findCachedWeightsAsync(cacheDir);
    if (cached) return { found: true, origin: 'cache', path: cached, kind: 'folder' };
    return { found: false, problem: `none given and none in the cache (${cacheDir}); start Atelier once (atelier start, or npm start in a clone) to download them, or pass --weights` };
  }
  const path = resolve(named.path);
  const info = await stat(path).catch(() => undefined);
  if (info?.isFile()) return { found: true, ...named, path, kind: 'keras-h5' };
  if (info?.isDirectory()) {
    const manifest = await stat(resolve(path, MANIFEST_FILE)).catch(() => undefined);
    if (manifest?.isFile()) return { found: true, ...named, path, kind: 'folder' };
    return { found: false, ...named, path, problem: `the folder has no ${MANIFEST_FILE}` };
  }
  return { found: false, ...named, path, problem: 'no such file or folder' };
}

const exp = (x: number): string => x.toExponential(1);

export function formatDoctorReport(r: DoctorReport): string {
  const lines = [`atelier doctor: ${r.platform}, Node.js ${r.node}, ${r.cpus} CPU cores`];
  const w = r.weights;
  lines.push(w.found ? `weights: ${w.path} (${w.kind === 'keras-h5' ? 'Keras .h5, converted on first use' : 'weights folder'}, from ${w.origin})` : `weights: not found${w.path ? ` at ${w.path}` : ''}: ${w.problem}`);
  const { onnx, tfjs } = r.engines;
  if (!onnx.loads) lines.push(`engine onnx: does not load (${onnx.reason})`);
  else {
    lines.push(`engine onnx (onnxruntime-node ${onnx.version ?? '?'}): auto picks ${onnx.auto ?? 'nothing'}`);
    for (const p of onnx.providers) {
      if (!p.starts) {
        lines.push(`  ${p.name.padEnd(7)} no   ${p.reason}`);
        continue;
      }
      let parity = '';
      if (p.parity) {
        parity = 'error' in p.parity
          ? `; parity check failed: ${p.parity.error}`
          : `; vs cpu at ${p.parity.size}: loss ${exp(p.parity.lossRelative)}, gradient ${exp(p.parity.gradRelative)} ${p.parity.ok ? 'ok' : 'TOO FAR'}`;
      }
      lines.push(`  ${p.name.padEnd(7)} yes  ${p.device}${p.softwareAdapter ? ' [software Vulkan: auto passes it over]' : ''}${parity}`);
    }
  }
  lines.push('engine tfjs:');
  for (const b of tfjs.backends) lines.push(`  ${b.name.padEnd(10)} ${b.starts ? `yes  ${b.device}` : `no   ${b.reason}`}`);
  return `${lines.join('\n')}\n`;
}

/** `atelier doctor`: exit code 0 (the report is the answer, whatever it says), 2 for bad usage. */
export async function runDoctorCommandAsync(argv: string[], io: CliIo): Promise<number> {
  let values;
  try {
    values = parseArgs({ args: argv, strict: true, allowPositionals: false, options: { json: { type: 'boolean' }, weights: { type: 'string' }, help: { type: 'boolean', short: 'h' } } }).values;
  } catch (error) {
    io.stderr.write(`atelier doctor: ${(error as Error).message}\n\n${DOCTOR_USAGE}\n`);
    return 2;
  }
  if (values.help) {
    io.stdout.write(`${DOCTOR_USAGE}\n`);
    return 0;
  }
  const report: DoctorReport = {
    platform: `${platform()} ${arch()}`,
    node: process.versions.node,
    cpus: cpus().length,
    weights: await findWeightsAsync(values.weights, io.env),
    engines: await diagnoseEnginesAsync(),
  };
  io.stdout.write(values.json ? `${JSON.stringify(report)}\n` : formatDoctorReport(report));
  return 0;
}
