import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A real `redis-server` per test file (issue 30): its own free port on 127.0.0.1 and its own
 * temporary folder, never daemonized (so it dies with the test's kill), no RDB snapshots.
 * Tests that need it skip with `redisMissing()`'s sentence where it is not installed.
 */

const REDIS_BINARY = 'redis-server';
/** How long a start (an AOF replay included) may take before the test fails rather than hangs. */
const READY_TIMEOUT_MS = 10_000;
const READY_LINE = 'Ready to accept connections';

/** Null when `redis-server` runs here; else the sentence a skipped test shows. */
export function redisMissing(): string | null {
  const probe = spawnSync(REDIS_BINARY, ['--version'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) {
    return 'redis-server is not installed: team-mode tests need a real Redis (apt-get install redis-server, or .ci/run installs it)';
  }
  return null;
}

export interface RedisOptions {
  /** Append-only file on, fsync'd after every write: what survives a restart. */
  appendOnly?: boolean;
}

export interface RestartOptions {
  /** SIGTERM (default) shuts down cleanly; SIGKILL is a crash (only the AOF survives it). */
  signal?: 'SIGTERM' | 'SIGKILL';
  /** Runs while the server is down (asserting what clients see then); it starts again after. */
  whileDownAsync?: () => Promise<void>;
}

export interface TestRedis {
  url: string;
  port: number;
  dir: string;
  /** Stops the server and starts it again on the same port and folder. */
  restartAsync(options?: RestartOptions): Promise<void>;
  /** Stops the server and deletes its folder. */
  stopAsync(): Promise<void>;
}

async function freePortAsync(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

function argsFor(port: number, dir: string, appendOnly: boolean): string[] {
  return [
    '--port', String(port),
    '--bind', '127.0.0.1',
    '--dir', dir,
    '--save', '',
    '--appendonly', appendOnly ? 'yes' : 'no',
    '--appendfsync', 'always',
    '--daemonize', 'no',
    '--loglevel', 'notice',
  ];
}

async function spawnReadyAsync(args: string[]): Promise<ChildProcess> {
  const child = spawn(REDIS_BINARY, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`redis-server did not become ready in ${READY_TIMEOUT_MS} ms:\n${output}`));
    }, READY_TIMEOUT_MS);
    const onData = (chunk: Buffer): void => {
      output += chunk.toString('utf8');
      if (output.includes(READY_LINE)) {
        clearTimeout(timer);
        child.stdout?.off('data', onData);
        // Keep draining, or a full pipe would block the server's log writes.
        child.stdout?.resume();
        child.stderr?.resume();
        resolve(child);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`redis-server exited (${code}) before it was ready:\n${output}`));
    });
  });
}

async function stopChildAsync(child: ChildProcess, signal: 'SIGTERM' | 'SIGKILL'): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill(signal);
  await exited;
}

/** Starts a redis-server for one test file; call `stopAsync()` in its `after`. */
export async function startRedisAsync(options: RedisOptions = {}): Promise<TestRedis> {
  const dir = await mkdtemp(join(tmpdir(), 'atelier-redis-'));
  const port = await freePortAsync();
  const args = argsFor(port, dir, options.appendOnly ?? false);
  let child = await spawnReadyAsync(args);
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    dir,
    async restartAsync(restart: RestartOptions = {}) {
      await stopChildAsync(child, restart.signal ?? 'SIGTERM');
      await restart.whileDownAsync?.();
      child = await spawnReadyAsync(args);
    },
    async stopAsync() {
      await stopChildAsync(child, 'SIGKILL');
      await rm(dir, { recursive: true, force: true });
    },
  };
}
