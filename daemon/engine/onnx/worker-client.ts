import { fork, type ChildProcess } from 'node:child_process';
import { platform } from 'node:os';
import { fileURLToPath } from 'node:url';
import { EngineError } from '../engine-error.ts';
import { WORKER_MALLOC_MMAP_THRESHOLD_BYTES } from './limits.ts';
import { deserializeError, type ReplyValues, type WorkerReply, type WorkerRequest } from './worker-messages.ts';

type Call = Extract<WorkerRequest, { id: number }>;
type CallType = Call['type'] & keyof ReplyValues;
type CallOf<K extends CallType> = Omit<Extract<Call, { type: K }>, 'id'>;
type Notice = Exclude<WorkerRequest, Call | { type: 'close' }>;

interface Pending {
  resolve(value: unknown): void;
  reject(error: Error): void;
}

/** The largest high-water mark of RSS any ONNX worker process of this process reported. */
let workerPeakRssBytes = 0;

/**
 * The peak RSS of the ONNX worker processes this process started, as of their last replies (a
 * worker's high-water mark only rises, and it does its work between a request and its reply).
 * Added to this process' own, it bounds a job's memory from above: what benchmarks report.
 */
export function onnxWorkerPeakRssBytes(): number {
  return workerPeakRssBytes;
}

/**
 * The environment of the worker: glibc reads its mmap threshold only when a process starts, so
 * this is where it can be set (limits.ts says why). One the designer set is kept.
 */
function workerEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  if (platform() !== 'linux' || env.MALLOC_MMAP_THRESHOLD_ !== undefined) return env;
  return { ...env, MALLOC_MMAP_THRESHOLD_: String(WORKER_MALLOC_MMAP_THRESHOLD_BYTES) };
}

/**
 * The calling process' end of the ONNX worker, a child process (onnx-worker.ts): numbered
 * requests and their replies, and the worker's life. A process rather than a thread so that
 * its allocator can be tuned at its start (above) and a crash in native code cannot take the
 * daemon with it. The worker keeps this process alive only while a request is outstanding (so a
 * backend nobody disposed cannot hold `node --test` or the CLI open), it exits when this process
 * goes (its IPC channel closes), and every outstanding request settles: with its reply, or with
 * an EngineError when the worker is closed or dies.
 */
export class OnnxWorkerClient {
  private readonly child: ChildProcess;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  /** Set once the worker is closed or gone: every later request is refused with it. */
  private stopped: EngineError | undefined;

  constructor() {
    // No inherited Node options: the worker needs none, and some break it (a parent run as
    // `node --input-type=module -e …` would make the worker refuse to load its file).
    this.child = fork(fileURLToPath(new URL('./onnx-worker-bootstrap.mjs', import.meta.url)), [], {
      execArgv: [],
      env: workerEnv(process.env),
      serialization: 'advanced',
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.setHeld(false);
    this.child.on('message', (reply: WorkerReply) => this.settle(reply));
    this.child.on('error', (error: Error) => this.fail(error));
    this.child.on('exit', (code, signal) => this.fail(new Error(signal ? `it was stopped by ${signal}` : `it exited with code ${code}`)));
  }

  callAsync<K extends CallType>(message: CallOf<K> & { type: K }): Promise<ReplyValues[K]> {
    if (this.stopped) return Promise.reject(this.stopped);
    const id = this.nextId++;
    return new Promise<ReplyValues[K]>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      if (this.pending.size === 1) this.setHeld(true);
      this.send({ ...message, id });
    });
  }

  /** A request without a reply (stage disposal, cache clearing); dropped once the worker is gone. */
  post(message: Notice): void {
    if (!this.stopped) this.send(message);
  }

  /**
   * Refuses what is outstanding and asks the worker to release its sessions and exit, which it
   * does after the evaluation it may be running. Unreferenced, it holds no process open meanwhile.
   */
  close(): void {
    if (this.stopped) return;
    this.stop(new EngineError('cancelled', 'The ONNX Runtime engine was closed before this step finished.'));
    this.send({ type: 'close' } satisfies WorkerRequest);
  }

  private send(message: WorkerRequest | (CallOf<CallType> & { id: number })): void {
    if (!this.child.connected) return;
    // A worker that died meanwhile fails the send here; its 'exit' says why to every waiter.
    this.child.send(message, (error) => error && this.fail(error));
  }

  /** Whether the worker holds this process open (its process handle and its channel both). */
  private setHeld(held: boolean): void {
    if (held) {
      this.child.ref();
      this.child.channel?.ref();
    } else {
      this.child.unref();
      this.child.channel?.unref();
    }
  }

  private settle(reply: WorkerReply): void {
    workerPeakRssBytes = Math.max(workerPeakRssBytes, reply.maxRssBytes);
    const waiter = this.pending.get(reply.id);
    if (!waiter) return;
    this.pending.delete(reply.id);
    if (this.pending.size === 0) this.setHeld(false);
    if (reply.ok) waiter.resolve(reply.value);
    else waiter.reject(deserializeError(reply.error));
  }

  private fail(cause: Error): void {
    if (this.stopped) return;
    this.stop(
      new EngineError(
        'backend-unavailable',
        `The ONNX Runtime worker stopped (${cause.message.split('\n')[0]}); restart the job, or use --engine tfjs if it keeps happening.`,
        { cause },
      ),
    );
  }

  private stop(reason: EngineError): void {
    this.stopped = reason;
    this.setHeld(false);
    for (const waiter of this.pending.values()) waiter.reject(reason);
    this.pending.clear();
  }
}
