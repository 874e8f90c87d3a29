import { Worker } from 'node:worker_threads';
import { EngineError } from '../engine-error.ts';
import { deserializeError, type ReplyValues, type WorkerReply, type WorkerRequest } from './worker-messages.ts';

type Call = Extract<WorkerRequest, { id: number }>;
type CallType = Call['type'] & keyof ReplyValues;
type CallOf<K extends CallType> = Omit<Extract<Call, { type: K }>, 'id'>;
type Notice = Exclude<WorkerRequest, Call | { type: 'close' }>;

interface Pending {
  resolve(value: unknown): void;
  reject(error: Error): void;
}

/**
 * The main thread's end of the ONNX worker: numbered requests and their replies, and the
 * worker's life. The worker keeps the process alive only while a request is outstanding (so a
 * backend nobody disposed cannot hold `node --test` or the CLI open), and every outstanding
 * request settles: with its reply, or with an EngineError when the worker is closed or dies.
 */
export class OnnxWorkerClient {
  private readonly worker: Worker;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  /** Set once the worker is closed or gone: every later request is refused with it. */
  private stopped: EngineError | undefined;

  constructor() {
    // No inherited Node options: the worker needs none, and some break it (a parent run as
    // `node --input-type=module -e …` would make the worker refuse to load its file).
    this.worker = new Worker(new URL('./onnx-worker-bootstrap.mjs', import.meta.url), { execArgv: [] });
    this.worker.unref();
    this.worker.on('message', (reply: WorkerReply) => this.settle(reply));
    this.worker.on('error', (error: Error) => this.fail(error));
    this.worker.on('exit', (code: number) => this.fail(new Error(`it exited with code ${code}`)));
  }

  callAsync<K extends CallType>(message: CallOf<K> & { type: K }, transfer: ArrayBuffer[] = []): Promise<ReplyValues[K]> {
    if (this.stopped) return Promise.reject(this.stopped);
    const id = this.nextId++;
    return new Promise<ReplyValues[K]>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      if (this.pending.size === 1) this.worker.ref();
      this.worker.postMessage({ ...message, id }, transfer);
    });
  }

  /** A request without a reply (stage disposal, cache clearing); dropped once the worker is gone. */
  post(message: Notice): void {
    if (!this.stopped) this.worker.postMessage(message);
  }

  /**
   * Refuses what is outstanding and asks the worker to release its sessions and exit, which it
   * does after the evaluation it may be running. Unreferenced, it holds no process open meanwhile.
   */
  close(): void {
    if (this.stopped) return;
    this.stop(new EngineError('cancelled', 'The ONNX Runtime engine was closed before this step finished.'));
    this.worker.postMessage({ type: 'close' } satisfies WorkerRequest);
  }

  private settle(reply: WorkerReply): void {
    const waiter = this.pending.get(reply.id);
    if (!waiter) return;
    this.pending.delete(reply.id);
    if (this.pending.size === 0) this.worker.unref();
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
    this.worker.unref();
    for (const waiter of this.pending.values()) waiter.reject(reason);
    this.pending.clear();
  }
}
