import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ServerMessage } from '../../protocol/index.ts';
import { encodePngAsync } from '../../daemon/image/index.ts';
import type { JobListener, JobSpec } from '../../daemon/server/index.ts';

/** Shared pieces of the team runner tests: real worker processes, a recording listener, specs. */

const WORKER_ENTRY = join(dirname(fileURLToPath(import.meta.url)), 'stand-in-worker.ts');
const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');
/** A worker process's start (node + tsx on a busy 2-core machine) and any awaited event. */
export const WAIT_MS = 30_000;

export interface WorkerProcess {
  name: string;
  child: ChildProcess;
  /** Everything it wrote on stderr (its JSON log), for a failing test's message. */
  log(): string;
  /** Sends the signal and waits for the process to exit. */
  stopAsync(signal: 'SIGTERM' | 'SIGKILL'): Promise<void>;
}

export interface WorkerSettings {
  redisUrl: string;
  prefix: string;
  name: string;
  iterationMs: number;
  lockMs?: number;
  stalledMs?: number;
  heartbeatMs?: number;
  maxStalled?: number;
}

/** Starts the stand-in worker entry with `node --import tsx` and waits for its `ready` line. */
export async function spawnWorkerAsync(s: WorkerSettings): Promise<WorkerProcess> {
  const args = ['--import', 'tsx', WORKER_ENTRY, '--redis', s.redisUrl, '--prefix', s.prefix, '--name', s.name, '--iteration-ms', String(s.iterationMs)];
  if (s.lockMs) args.push('--lock-ms', String(s.lockMs));
  if (s.stalledMs) args.push('--stalled-ms', String(s.stalledMs));
  if (s.heartbeatMs) args.push('--heartbeat-ms', String(s.heartbeatMs));
  if (s.maxStalled) args.push('--max-stalled', String(s.maxStalled));
  const child = spawn(process.execPath, args, { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  await new Promise<void>((resolve, reject) => {
    let stdout = '';
    const timer = setTimeout(() => reject(new Error(`worker ${s.name} did not start in ${WAIT_MS} ms:\n${stderr}`)), WAIT_MS);
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
      if (stdout.includes(`ready ${s.name}`)) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`worker ${s.name} exited (${code}) before it was ready:\n${stderr}`));
    });
  });
  return { name: s.name, child, log: () => stderr, stopAsync: stopperOf(child) };
}

/** Sends a signal to a child process and waits for its exit (at once when it has exited). */
export function stopperOf(child: ChildProcess): (signal: 'SIGTERM' | 'SIGKILL') => Promise<void> {
  return async (signal) => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill(signal);
    await exited;
  };
}

/** `at`: performance.now() on arrival (the load run's waits). */
type Received = { message: ServerMessage; images: ReadonlyMap<string, Uint8Array> | undefined; at: number };

/** A connection's stand-in: records every message, and waits for one that matches. */
export class RecordingListener implements JobListener {
  readonly received: Received[] = [];
  private waiters: Array<{ match: (m: ServerMessage) => boolean; resolve: (m: ServerMessage) => void }> = [];
  congested = false;

  send(message: ServerMessage, images?: ReadonlyMap<string, Uint8Array>): void {
    this.received.push({ message, images, at: performance.now() });
    for (const waiter of [...this.waiters]) {
      if (waiter.match(message)) {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        waiter.resolve(message);
      }
    }
  }

  canTakePreview(): boolean {
    return !this.congested;
  }

  messages(jobId?: string): ServerMessage[] {
    return this.received.map((r) => r.message).filter((m) => jobId === undefined || ('jobId' in m && m.jobId === jobId));
  }

  of<T extends ServerMessage['type']>(type: T, jobId?: string): Array<Extract<ServerMessage, { type: T }>> {
    return this.messages(jobId).filter((m): m is Extract<ServerMessage, { type: T }> => m.type === type);
  }

  /** The first message (already received or to come) that matches. */
  waitForAsync(match: (m: ServerMessage) => boolean, what: string, timeoutMs = WAIT_MS): Promise<ServerMessage> {
    const seen = this.received.find((r) => match(r.message));
    if (seen) return Promise.resolve(seen.message);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ${what} within ${timeoutMs} ms; got: ${this.received.map((r) => r.message.type).join(', ')}`)), timeoutMs);
      this.waiters.push({
        match,
        resolve: (m) => {
          clearTimeout(timer);
          resolve(m);
        },
      });
    });
  }

  /** The job's end: completed, cancelled or its error. */
  endOfAsync(jobId: string, timeoutMs = WAIT_MS): Promise<ServerMessage> {
    return this.waitForAsync(
      (m) => (m.type === 'completed' || m.type === 'cancelled' || m.type === 'error') && 'jobId' in m && m.jobId === jobId,
      `end of ${jobId}`,
      timeoutMs,
    );
  }
}

let pngCache: Uint8Array | null = null;
/** A small real PNG (decoded by the worker's run-job like a designer's layer). */
export async function tinyPngAsync(): Promise<Uint8Array> {
  pngCache ??= await encodePngAsync({ width: 32, height: 32, data: new Uint8Array(32 * 32 * 3).fill(120) });
  return pngCache;
}

let specCounter = 0;
export interface SpecSettings {
  owner: string;
  listener: JobListener;
  document?: string | null;
  contents?: number;
  options?: JobSpec['options'];
  connectionId?: string;
}

/**
 * A stylize request as a connection would hand it over: 3 stages at 16/32/64 px with
 * `iterations` per stage (stand-in: `iterationMs` each).
 */
export async function specAsync(s: SpecSettings): Promise<JobSpec> {
  const png = await tinyPngAsync();
  const n = ++specCounter;
  const document = s.document === undefined ? 'doc-1' : s.document;
  return {
    requestId: `req-${n}`,
    owner: s.owner,
    clientName: 'atelier-figma',
    connectionId: s.connectionId ?? `conn-${s.owner}`,
    placement: document === null ? null : { document, label: `Layer ${n} · Style`, data: `{"n":${n}}` },
    contents: Array.from({ length: s.contents ?? 1 }, () => png),
    styles: [{ bytes: png, weight: 1 }],
    regions: [],
    featherPx: null,
    options: { maxSide: 64, stages: 3, iterations: 4, previewEvery: 0, ...s.options },
    progressEvery: 1,
    listener: s.listener,
  };
}

/** A fresh key prefix per test, so tests sharing one Redis never see each other's jobs. */
export function testPrefix(label: string): string {
  return `t-${label}-${process.pid}-${Date.now().toString(36)}:`;
}
