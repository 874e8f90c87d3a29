/**
 * Team mode's load run (issue 30): designers × jobs against 1, 2 and 4 GPU worker processes
 * with the stand-in engine (a fixed duration per iteration: the queue alone), then one run with
 * the real engine at 64×96 (weights from ../shared; skipped with a message when absent). Each
 * run has its own redis-server (test/support/redis-server.ts) and its own front-door runner in
 * this process. Prints jobs per minute, the longest wait of any designer's first job, and jobs
 * lost and duplicated (both must be 0: the exit code is 1 otherwise).
 *
 *   node --import tsx scripts/team-load.ts [--designers 20] [--jobs 5] [--workers 1,2,4]
 *     [--iteration-ms 25] [--real-designers 20] [--real-jobs 1] [--real-iterations 10] [--no-real]
 *
 * Duplicated counts both what designers saw (results and ends per job after the front door's
 * once-only delivery) and what workers sent on the Redis channel (a job completed twice).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import type { ServerMessage } from '../protocol/index.ts';
import { runWorkerCommandAsync } from '../daemon/cli/worker-command.ts';
import { createMemoryLogger, type JobSpec } from '../daemon/server/index.ts';
import { startBullRunnerAsync } from '../daemon/team/bull-runner.ts';
import { teamKeys } from '../daemon/team/redis-keys.ts';
import { decodeTeamEvent } from '../daemon/team/team-events.ts';
import { redisMissing, startRedisAsync, type TestRedis } from '../test/support/redis-server.ts';
import { REAL_WEIGHTS_DIR, SHARED_IMAGES_DIR, skipWithoutSharedWeights } from '../test/support/shared-data.ts';
import { RecordingListener, specAsync, spawnWorkerAsync, stopperOf } from '../test/team/runner-harness.ts';

const REAL_WORKER_FLAG = '--as-real-worker';
/** A job that has not ended this long after the last submit counts as lost. */
const LOST_AFTER_MS = 10 * 60_000;

// This file is also the real-engine worker process of the last run (argv: the worker's flags).
if (process.argv[2] === REAL_WORKER_FLAG) {
  const controller = new AbortController();
  process.once('SIGTERM', () => controller.abort());
  process.exitCode = await runWorkerCommandAsync(process.argv.slice(3), { stdout: process.stdout, stderr: process.stderr, env: process.env, signal: controller.signal });
} else {
  process.exitCode = await mainAsync();
}

interface Stoppable {
  stopAsync(signal: 'SIGTERM' | 'SIGKILL'): Promise<void>;
}

interface RunSettings {
  label: string;
  workers: number;
  designers: number;
  jobsEach: number;
  startWorkersAsync(redis: TestRedis, prefix: string): Promise<Stoppable[]>;
  specOfAsync(owner: string, listener: RecordingListener): Promise<JobSpec>;
}

interface RunRow {
  label: string;
  workers: number;
  jobs: number;
  seconds: number;
  jobsPerMinute: number;
  longestFirstWait: number;
  lost: number;
  duplicatedSeen: number;
  duplicatedSent: number;
}

async function mainAsync(): Promise<number> {
  const missing = redisMissing();
  if (missing) {
    process.stderr.write(`team-load: ${missing}\n`);
    return 1;
  }
  const { values } = parseArgs({
    options: {
      designers: { type: 'string', default: '20' },
      jobs: { type: 'string', default: '5' },
      workers: { type: 'string', default: '1,2,4' },
      'iteration-ms': { type: 'string', default: '25' },
      'real-designers': { type: 'string', default: '20' },
      'real-jobs': { type: 'string', default: '1' },
      'real-iterations': { type: 'string', default: '10' },
      'no-real': { type: 'boolean', default: false },
    },
  });
  const designers = Number(values.designers);
  const jobsEach = Number(values.jobs);
  const iterationMs = Number(values['iteration-ms']);
  const rows: RunRow[] = [];
  for (const count of values.workers.split(',').map(Number)) {
    rows.push(
      await runAsync({
        label: `stand-in ${iterationMs} ms × 12 iterations`,
        workers: count,
        designers,
        jobsEach,
        startWorkersAsync: (redis, prefix) =>
          Promise.all(Array.from({ length: count }, (_, i) => spawnWorkerAsync({ redisUrl: redis.url, prefix, name: `stand-in-${i + 1}`, iterationMs }))),
        specOfAsync: (owner, listener) => specAsync({ owner, listener }),
      }),
    );
  }
  if (values['no-real']) process.stdout.write('real engine: skipped (--no-real)\n');
  else if (skipWithoutSharedWeights) process.stdout.write(`real engine: skipped: ${skipWithoutSharedWeights}\n`);
  else {
    const content = new Uint8Array(await readFile(join(SHARED_IMAGES_DIR, 'content', 'chelsea.png')));
    const style = new Uint8Array(await readFile(join(SHARED_IMAGES_DIR, 'style', 'starry_night.jpg')));
    const iterations = Number(values['real-iterations']);
    rows.push(
      await runAsync({
        label: `real engine 64×96, iterations ${iterations}`,
        workers: 1,
        designers: Number(values['real-designers']),
        jobsEach: Number(values['real-jobs']),
        startWorkersAsync: async (redis, prefix) => [await spawnRealWorkerAsync(redis.url, prefix)],
        specOfAsync: async (owner, listener) => ({
          ...(await specAsync({ owner, listener })),
          contents: [content],
          styles: [{ bytes: style, weight: 1 }],
          options: { height: 64, width: 96, iterations, previewEvery: 0 },
        }),
      }),
    );
  }
  process.stdout.write(formatRows(rows));
  const bad = rows.some((r) => r.lost > 0 || r.duplicatedSeen > 0 || r.duplicatedSent > 0);
  return bad ? 1 : 0;
}

async function runAsync(s: RunSettings): Promise<RunRow> {
  const redis = await startRedisAsync();
  const prefix = 'atelier:';
  const keys = teamKeys(prefix);
  const workers = await s.startWorkersAsync(redis, prefix);
  const runner = await startBullRunnerAsync({ redisUrl: redis.url, prefix, logger: createMemoryLogger(), workerPollMs: 500 });
  // What workers sent, before the front door's once-only delivery.
  const tap = new Redis(redis.url);
  const sent = new Map<string, { results: Map<number, number>; ends: number }>();
  tap.on('messageBuffer', (_channel: Buffer, bytes: Buffer) => {
    const event = decodeTeamEvent(bytes);
    if (event?.kind !== 'message') return;
    const entry = sent.get(event.jobId) ?? { results: new Map<number, number>(), ends: 0 };
    sent.set(event.jobId, entry);
    const m: ServerMessage = event.message;
    if (m.type === 'result') entry.results.set(m.contentIndex, (entry.results.get(m.contentIndex) ?? 0) + 1);
    if (m.type === 'completed' || m.type === 'cancelled' || m.type === 'error') entry.ends += 1;
  });
  await tap.subscribe(keys.events);
  try {
    const listeners = Array.from({ length: s.designers }, () => new RecordingListener());
    const submittedAt = new Map<string, number>();
    const firstJobs: string[] = [];
    const started = performance.now();
    // Each designer sends all their jobs at once, one designer after another: the order that
    // makes the last designer's first job wait longest without fairness.
    for (let d = 0; d < s.designers; d++) {
      for (let j = 0; j < s.jobsEach; j++) {
        const submitted = await runner.submitAsync(await s.specOfAsync(`designer-${d + 1}`, listeners[d]!));
        if (!submitted.ok) throw new Error(`designer ${d + 1} job ${j + 1} refused: ${submitted.message}`);
        submittedAt.set(submitted.jobId, performance.now());
        if (j === 0) firstJobs.push(submitted.jobId);
      }
    }
    const ends = await Promise.all(
      [...submittedAt.keys()].map((jobId, i) =>
        listeners[Math.floor(i / s.jobsEach)]!.endOfAsync(jobId, LOST_AFTER_MS).then(
          (m) => ({ jobId, m, at: performance.now() }),
          () => ({ jobId, m: null, at: performance.now() }),
        ),
      ),
    );
    const seconds = (Math.max(...ends.map((e) => e.at)) - started) / 1000;
    const completed = ends.filter((e) => e.m?.type === 'completed').length;
    let longestFirstWait = 0;
    firstJobs.forEach((jobId, d) => {
      const startedMessage = listeners[d]!.received.find((r) => r.message.type === 'started' && r.message.jobId === jobId);
      const wait = (startedMessage?.at ?? performance.now()) - submittedAt.get(jobId)!;
      longestFirstWait = Math.max(longestFirstWait, wait / 1000);
    });
    let duplicatedSeen = 0;
    for (const [i, jobId] of [...submittedAt.keys()].entries()) {
      const listener = listeners[Math.floor(i / s.jobsEach)]!;
      const results = listener.of('result', jobId).length;
      const jobEnds = listener.messages(jobId).filter((m) => m.type === 'completed' || m.type === 'cancelled' || m.type === 'error').length;
      if (results > 1 || jobEnds > 1) duplicatedSeen += 1;
    }
    const duplicatedSent = [...sent.values()].filter((e) => e.ends > 1 || [...e.results.values()].some((n) => n > 1)).length;
    return {
      label: s.label,
      workers: s.workers,
      jobs: submittedAt.size,
      seconds,
      jobsPerMinute: (completed / seconds) * 60,
      longestFirstWait,
      lost: submittedAt.size - completed,
      duplicatedSeen,
      duplicatedSent,
    };
  } finally {
    tap.disconnect();
    await runner.closeAsync();
    for (const worker of workers) await worker.stopAsync('SIGTERM');
    await redis.stopAsync();
  }
}

/** This script again, as `atelier worker` with the real engine. */
async function spawnRealWorkerAsync(redisUrl: string, prefix: string): Promise<Stoppable> {
  const script = new URL(import.meta.url).pathname;
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', script, REAL_WORKER_FLAG, '--redis', redisUrl, '--prefix', prefix, '--name', 'real-1', '--weights', REAL_WEIGHTS_DIR], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  await new Promise<void>((resolve, reject) => {
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
      if (/real-1 ready/.test(stderr)) resolve();
    });
    child.once('exit', (code) => reject(new Error(`the real worker exited (${code}):\n${stderr}`)));
  });
  return { stopAsync: stopperOf(child) };
}

function formatRows(rows: RunRow[]): string {
  const header = ['run', 'workers', 'jobs', 'seconds', 'jobs/min', 'longest first-job wait (s)', 'lost', 'duplicated (seen/sent)'];
  const lines = rows.map((r) => [
    r.label,
    String(r.workers),
    String(r.jobs),
    r.seconds.toFixed(1),
    r.jobsPerMinute.toFixed(1),
    r.longestFirstWait.toFixed(2),
    String(r.lost),
    `${r.duplicatedSeen}/${r.duplicatedSent}`,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const row = (cells: string[]): string => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  return `${[row(header), row(widths.map((w) => '-'.repeat(w))), ...lines.map(row)].join('\n')}\n`;
}
