/**
 * One job computes at a time (one engine, one device); later jobs wait in order. The queue
 * knows nothing of sockets or the engine: it is given a `run` function, and tells its owner
 * when positions change and when a waiting job is cancelled.
 */

export type CancelReason = 'client' | 'disconnect' | 'shutdown';

export interface QueueJob {
  readonly id: string;
  /** The connection that asked for it: cancelling an owner cancels all its jobs. */
  readonly ownerId: string;
}

export interface JobQueueOptions<J extends QueueJob> {
  /** Waiting jobs (besides the running one) before `enqueue` answers busy. */
  maxQueued: number;
  /** Waiting jobs of one owner (its running one aside) before `enqueue` answers owner-busy. */
  maxQueuedPerOwner?: number;
  /** Computes a job. `signal.reason` is the CancelReason when it is aborted. Should not throw. */
  run: (job: J, signal: AbortSignal) => Promise<void>;
  /** A job's place changed: 0 means it is computing now. */
  onPosition?: (job: J, position: number) => void;
  /** A job was removed before it ran. */
  onCancelledWaiting?: (job: J, reason: CancelReason) => void;
  /** `run` threw (a bug): the queue goes on with the next job. */
  onRunFailed?: (job: J, error: unknown) => void;
}

export type EnqueueResult = { ok: true; position: number } | { ok: false; reason: 'busy' | 'owner-busy' | 'closed' };

export class JobQueue<J extends QueueJob> {
  private readonly waiting: J[] = [];
  private current: { job: J; controller: AbortController; done: Promise<void> } | null = null;
  private readonly reported = new Map<string, number>();
  private closed = false;
  private scheduled = false;

  constructor(private readonly options: JobQueueOptions<J>) {}

  get running(): J | null {
    return this.current?.job ?? null;
  }

  get waitingJobs(): readonly J[] {
    return this.waiting;
  }

  get maxQueued(): number {
    return this.options.maxQueued;
  }

  /** 0: running (or about to start), n: n-th in line; null: not in the queue. */
  position(jobId: string): number | null {
    if (this.current?.job.id === jobId) return 0;
    const index = this.waiting.findIndex((j) => j.id === jobId);
    if (index < 0) return null;
    return this.current ? index + 1 : index;
  }

  enqueue(job: J): EnqueueResult {
    if (this.closed) return { ok: false, reason: 'closed' };
    // Without a running job, the first waiting one is about to start and does not count.
    const waitingAfter = this.current ? this.waiting.length + 1 : this.waiting.length;
    if (waitingAfter > this.options.maxQueued) return { ok: false, reason: 'busy' };
    const perOwner = this.options.maxQueuedPerOwner;
    if (perOwner !== undefined) {
      // As for the whole queue, a job about to start (nothing running) is not waiting.
      const line = this.current ? [...this.waiting, job] : [...this.waiting, job].slice(1);
      if (line.filter((j) => j.ownerId === job.ownerId).length > perOwner) return { ok: false, reason: 'owner-busy' };
    }
    this.waiting.push(job);
    const position = this.position(job.id)!;
    this.reported.set(job.id, position);
    this.schedule();
    return { ok: true, position };
  }

  /** Cancels one job if `ownerId` owns it. */
  cancel(jobId: string, ownerId: string, reason: CancelReason = 'client'): boolean {
    if (this.current?.job.id === jobId && this.current.job.ownerId === ownerId) {
      this.current.controller.abort(reason);
      return true;
    }
    const index = this.waiting.findIndex((j) => j.id === jobId && j.ownerId === ownerId);
    if (index < 0) return false;
    const [job] = this.waiting.splice(index, 1);
    this.dropWaiting(job!, reason);
    this.reportPositions();
    return true;
  }

  /** Cancels every job of one owner (its connection closed). */
  cancelOwner(ownerId: string, reason: CancelReason): number {
    let count = 0;
    for (let i = this.waiting.length - 1; i >= 0; i--) {
      if (this.waiting[i]!.ownerId === ownerId) {
        const [job] = this.waiting.splice(i, 1);
        this.dropWaiting(job!, reason);
        count += 1;
      }
    }
    if (this.current?.job.ownerId === ownerId) {
      this.current.controller.abort(reason);
      count += 1;
    }
    if (count > 0) this.reportPositions();
    return count;
  }

  /** Refuses new jobs, cancels waiting ones, aborts the running one and waits for it to stop. */
  async closeAsync(): Promise<void> {
    this.closed = true;
    for (const job of this.waiting.splice(0)) this.dropWaiting(job, 'shutdown');
    const current = this.current;
    if (current) {
      current.controller.abort('shutdown');
      await current.done;
    }
  }

  private dropWaiting(job: J, reason: CancelReason): void {
    this.reported.delete(job.id);
    this.options.onCancelledWaiting?.(job, reason);
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    // Deferred so that whoever enqueued can answer "accepted" before the job's first event.
    queueMicrotask(() => {
      this.scheduled = false;
      this.startNext();
    });
  }

  private startNext(): void {
    if (this.current || this.closed) return;
    const job = this.waiting.shift();
    if (!job) return;
    const controller = new AbortController();
    const done = this.options
      .run(job, controller.signal)
      .catch((error: unknown) => this.options.onRunFailed?.(job, error))
      .finally(() => {
        this.current = null;
        this.reported.delete(job.id);
        this.startNext();
      });
    this.current = { job, controller, done };
    this.reportPositions();
  }

  private reportPositions(): void {
    const jobs = this.current ? [this.current.job, ...this.waiting] : this.waiting;
    for (const job of jobs) {
      const position = this.position(job.id)!;
      if (this.reported.get(job.id) !== position) {
        this.reported.set(job.id, position);
        this.options.onPosition?.(job, position);
      }
    }
  }
}
