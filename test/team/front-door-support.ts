import { after, before } from 'node:test';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Writable } from 'node:stream';
import type { Redis } from 'ioredis';
import { DaemonClient, hostKeyStore, type ConnectionState, type JobMessage, type StoredKey } from '../../client/index.ts';
import type { StatusMessage } from '../../protocol/index.ts';
import type { JobListener, JobRunner, JobSpec, Logger, RunnerInfo, SubmitResult } from '../../daemon/server/index.ts';
import { frontDoorRedis, patientRedis } from '../../daemon/team/redis-connection.ts';
import { redisMissing, startRedisAsync, type TestRedis } from '../support/redis-server.ts';
import { WAIT_MS } from './runner-harness.ts';
import { openWsSocket } from '../client/ws-socket.ts';

/** Shared pieces of the designers' and front door's tests (test/team/designers-*, front-door-*). */

/**
 * A JobRunner that computes nothing, for the front door's pairing and revoke tests (jobs and
 * their faults run on the real BullMQ runner in front-door-faults.test.ts). As strict as the
 * seam (daemon/server/job-runner.ts): refusals carry code and sentence, a job belongs to its
 * owner (another owner's cancel/reattach is false), a revoke drops the owner's jobs.
 */
export class IdleRunner implements JobRunner {
  readonly revoked: string[] = [];
  private readonly jobs = new Map<string, { owner: string; listener: JobListener }>();
  private counter = 0;
  /** What the runner's workers are (null: none alive); a test sets it to start or stop the "workers". */
  constructor(public workerInfo: RunnerInfo | null = { engine: 'onnx', backend: 'cpu', device: 'test', convention: 'caffe' }) {}
  info(): RunnerInfo | null {
    return this.workerInfo;
  }
  async submitAsync(spec: JobSpec): Promise<SubmitResult> {
    if (!this.workerInfo) return { ok: false, code: 'not-ready', message: 'No GPU worker is running.' };
    const jobId = `job-${++this.counter}`;
    this.jobs.set(jobId, { owner: spec.owner, listener: spec.listener });
    return { ok: true, jobId, position: this.jobs.size };
  }
  async cancelAsync(jobId: string, owner: string): Promise<boolean> {
    const job = this.jobs.get(jobId);
    if (!job || job.owner !== owner) return false;
    this.jobs.delete(jobId);
    return true;
  }
  connectionClosed(): number {
    return 0;
  }
  async listAsync(): Promise<[]> {
    return [];
  }
  async reattachAsync(jobId: string, owner: string): Promise<boolean> {
    return this.jobs.get(jobId)?.owner === owner;
  }
  async placedAsync(): Promise<boolean> {
    return false;
  }
  async statusAsync(): Promise<StatusMessage> {
    return { type: 'status', running: null, queued: [], maxQueuedJobs: 0 };
  }
  async revokeOwnerAsync(owner: string): Promise<void> {
    this.revoked.push(owner);
    for (const [id, job] of this.jobs) if (job.owner === owner) this.jobs.delete(id);
  }
  jobsOf(owner: string): number {
    return [...this.jobs.values()].filter((j) => j.owner === owner).length;
  }
  async closeAsync(): Promise<void> {}
}

/** A self-signed certificate for localhost and 127.0.0.1 (openssl, as an admin would make one), in `dir`. */
export async function selfSignedAsync(dir: string): Promise<{ certFile: string; keyFile: string; cert: Buffer; key: Buffer }> {
  const certFile = join(dir, 'cert.pem');
  const keyFile = join(dir, 'key.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', keyFile, '-out', certFile, '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1'], { stdio: 'ignore' });
  return { certFile, keyFile, cert: await readFile(certFile), key: await readFile(keyFile) };
}

export function opensslMissing(): string | null {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return null;
  } catch {
    return 'openssl is not installed: the TLS tests make their self-signed certificate with it';
  }
}

/** A stream that keeps what a command wrote (stdout, stderr of a CLI run in this process). */
export function textSink(): Writable & { text: string } {
  const stream = new Writable({
    write(chunk, _encoding, done) {
      stream.text += String(chunk);
      done();
    },
  }) as Writable & { text: string };
  stream.text = '';
  return stream;
}

/** A port nothing listens on now: for a server to take, or a Redis that is "down". */
export async function freePortAsync(): Promise<number> {
  return new Promise((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => resolve(typeof address === 'object' && address ? address.port : 1));
    });
  });
}

/**
 * One redis-server for a test file (started before its tests, stopped after) and front-door
 * connections to it (designers' commands and their subscriber), closed with it.
 */
export function useTeamRedis(logger: Logger): { skip: string | false; url(): string; connectAsync(): Promise<{ redis: Redis; subscriber: Redis }> } {
  const skip = redisMissing() ?? false;
  let server: TestRedis | null = null;
  const connections: Redis[] = [];
  before(async () => {
    if (!skip) server = await startRedisAsync();
  });
  after(async () => {
    for (const c of connections) c.disconnect();
    await server?.stopAsync();
  });
  const url = (): string => server!.url;
  return {
    skip,
    url,
    async connectAsync() {
      const redis = frontDoorRedis(url(), logger);
      const subscriber = patientRedis(url(), logger, 'test-subscriber');
      connections.push(redis, subscriber);
      if (redis.status !== 'ready') await new Promise((resolve) => redis.once('ready', resolve));
      return { redis, subscriber };
    },
  };
}

export interface TestPlugin {
  client: DaemonClient;
  states: ConnectionState[];
  saved: Array<StoredKey | null>;
  /** Close codes of its sockets, in order. */
  closes: number[];
  jobs: JobMessage[];
  /** The first state from index `from` on (default: any) that matches. */
  untilAsync(predicate: (state: ConnectionState) => boolean, what: string, from?: number): Promise<ConnectionState>;
  messageAsync(predicate: (message: JobMessage) => boolean, what: string, timeoutMs?: number): Promise<JobMessage>;
}

async function pollAsync<T>(probe: () => T | undefined, what: string, explain: () => string, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = probe();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; ${explain()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * The real plugin client (Figma's: Origin null) on `url` (wss:// trusting `ca`), with what it
 * showed, stored, received and how its sockets closed. `explain` adds to a timeout's message.
 */
export function startTestPlugin(url: string, key: StoredKey | null, ca: Buffer, explain: () => string = () => ''): TestPlugin {
  const states: ConnectionState[] = [];
  const saved: Array<StoredKey | null> = [];
  const closes: number[] = [];
  const jobs: JobMessage[] = [];
  const client = new DaemonClient({
    url,
    keyStore: hostKeyStore(key, (next) => saved.push(next)),
    clientVersion: '0.1.0',
    createSocket: (target) => {
      const socket = openWsSocket(target, { origin: 'null' }, { ca });
      // The client sets its handlers right after this returns: wrap its onclose then.
      queueMicrotask(() => {
        const onclose = socket.onclose;
        socket.onclose = (event) => {
          closes.push(event.code);
          onclose?.(event);
        };
      });
      return socket;
    },
    onState: (state) => states.push(state),
    onJobMessage: (message) => jobs.push(message),
    onConnectionLost: () => undefined,
  });
  client.start();
  return {
    client,
    states,
    saved,
    closes,
    jobs,
    untilAsync: (predicate, what, from = 0) => pollAsync(() => states.slice(from).find(predicate), what, () => `states: ${states.map((s) => s.kind).join(', ')}\n${explain()}`, WAIT_MS),
    messageAsync: (predicate, what, timeoutMs = WAIT_MS) => pollAsync(() => jobs.find(predicate), what, () => `messages: ${jobs.map((m) => m.type).join(', ')}\n${explain()}`, timeoutMs),
  };
}

const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');

/** A Node.js process of the test's (a front door, a worker), with its log for a failing test's message. */
export interface NodeProcess {
  child: ChildProcess;
  /** Everything it wrote on stderr (its JSON log). */
  log(): string;
  /** Sends the signal and waits for the process to exit. */
  stopAsync(signal: 'SIGTERM' | 'SIGKILL'): Promise<void>;
}

/** Runs `node --import tsx ARGS` from the repository root until its stdout says `ready` (WAIT_MS at most). */
export async function spawnNodeUntilAsync(args: string[], ready: string, what: string): Promise<NodeProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', ...args], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  let stdout = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what} did not start in ${WAIT_MS} ms:\n${stdout}\n${stderr}`)), WAIT_MS);
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
      if (stdout.includes(ready)) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${what} exited (${code}) before it was ready:\n${stdout}\n${stderr}`));
    });
  });
  return {
    child,
    log: () => stderr,
    async stopAsync(signal) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill(signal);
      await exited;
    },
  };
}
