import {
  parseServerMessage,
  type ErrorCode,
  type ListedJob,
  type ServerMessage,
  type StatusMessage,
} from '../../protocol/index.ts';
import { JobRelay, keptRegionsFit, type JobListener, type JobRunner, type JobSpec, type RunnerInfo, type SubmitResult } from '../../daemon/server/index.ts';

/**
 * A scripted JobRunner (daemon/server/job-runner.ts) with no engine, so protocol tests of the
 * connection code run in milliseconds: the test says when a job starts, reports, finishes or
 * fails. It is at least as strict as the local runner (daemon/server/job-service.ts on
 * job-queue.ts), whose rules it copies and cites:
 * - one job runs at a time; positions are 0 (running) or n-th in line, and a job about to start
 *   with nothing running does not count as waiting (JobQueue.enqueue);
 * - refusals: `busy` past maxQueued waiting, `busy` past maxQueuedPerOwner of one owner,
 *   `shutting-down` once closed, each with a sentence (job-service.ts `refusal`);
 * - a job's messages go through a JobRelay to whoever follows it, and never before
 *   `submitAsync` resolved (JobQueue.schedule defers the start "so that whoever enqueued can
 *   answer accepted before the job's first event"): scripting a job before then throws;
 * - cancel and every lookup check the owner (JobQueue.cancel, JobService.reattachAsync);
 * - a closed connection's jobs without a placement are cancelled ('disconnect'), those with one
 *   run on unfollowed (JobService.connectionClosed);
 * - every message it sends is checked against the protocol (parseServerMessage), as a client
 *   would read it: a script that sends an invalid one fails the test;
 * - a spec whose regions name a content image or style it does not have is a bug of the
 *   connection code and throws (the runners keep regions by index: job-store.ts' and
 *   team-job-store.ts' records refuse such, kept-regions.ts `keptRegionsFit`).
 */

export interface FakeRunnerOptions {
  maxQueued?: number;
  maxQueuedPerOwner?: number;
  /** Null: not ready (`stylize` is `not-ready`), as the local runner before its engine exists. */
  info?: RunnerInfo | null;
}

export const FAKE_RUNNER_INFO: RunnerInfo = { engine: 'fake', backend: 'none', device: 'fake device', convention: 'torchvision' };

export class FakeJob {
  state: 'waiting' | 'running' | 'completed' | 'cancelled' | 'failed' = 'waiting';
  /** Set once submitAsync resolved: the connection has had its chance to answer `accepted`. */
  accepted = false;
  /** The position last told (JobQueue reports only changes). */
  toldPosition: number | null = null;
  readonly relay: JobRelay;
  private readonly endWaiters: Array<() => void> = [];

  constructor(
    readonly id: string,
    readonly spec: JobSpec,
    private readonly runner: FakeJobRunner,
  ) {
    this.relay = new JobRelay(spec.listener);
  }

  /** Resolves once the job ended (completed, cancelled or failed), however that came about. */
  endedAsync(): Promise<FakeJob['state']> {
    if (this.ended) return Promise.resolve(this.state);
    return new Promise((resolve) => this.endWaiters.push(() => resolve(this.state)));
  }

  get ended(): boolean {
    return this.state === 'completed' || this.state === 'cancelled' || this.state === 'failed';
  }

  /** The engine's `started` for one content image (the runner starts the job if it waits). */
  start(contentIndex = 0, extra: { worker?: string; resumedFromStage?: number } = {}): this {
    this.runner.startJob(this);
    return this.emit({ type: 'started', jobId: this.id, contentIndex, contentCount: this.spec.contents.length, backend: 'none', device: 'fake device', stages: [{ width: 32, height: 32, iterations: 4 }], ...extra });
  }

  progress(iteration: number, contentIndex = 0): this {
    this.expect('running');
    const losses = { content: 1, style: 1, tv: 1, total: 3 };
    return this.emit({ type: 'progress', jobId: this.id, contentIndex, contentCount: this.spec.contents.length, stage: 1, stages: 1, iteration, iterations: 4, losses, learningRate: 0.01, seconds: iteration, etaSeconds: 4 - iteration, stageSeconds: iteration, secondsPerIteration: 1 });
  }

  /** One result image (a PNG's bytes) for `contentIndex`. */
  result(png: Uint8Array, width: number, height: number, contentIndex = 0): this {
    this.expect('running');
    const losses = { content: 1, style: 1, tv: 1, total: 3 };
    const timings = { queuedSeconds: 0, decodeSeconds: 0, engineSeconds: 1, encodeSeconds: 0 };
    return this.emit(
      { type: 'result', jobId: this.id, contentIndex, contentCount: this.spec.contents.length, image: { id: 'result', mime: 'image/png', width, height }, losses, timings },
      new Map([['result', png]]),
    );
  }

  complete(): this {
    this.expect('running');
    this.emit({ type: 'completed', jobId: this.id, seconds: 1 });
    return this.end('completed');
  }

  /** The engine failed (bad input, out of memory): its sentence, once. */
  fail(code: ErrorCode, message: string): this {
    this.expect('running');
    this.emit({ type: 'error', code, message, jobId: this.id, requestId: this.spec.requestId });
    return this.end('failed');
  }

  /** Ends it as the runner does on a cancel. */
  cancelled(reason: 'client' | 'disconnect' | 'shutdown'): void {
    if (this.ended) return;
    this.emit({ type: 'cancelled', jobId: this.id, reason });
    this.end('cancelled');
  }

  private end(state: 'completed' | 'cancelled' | 'failed'): this {
    this.state = state;
    this.runner.jobEnded(this);
    for (const wake of this.endWaiters.splice(0)) wake();
    return this;
  }

  private expect(state: FakeJob['state']): void {
    if (this.state !== state) throw new Error(`fake job ${this.id} is ${this.state}, not ${state}`);
  }

  emit(message: ServerMessage, images?: ReadonlyMap<string, Uint8Array>): this {
    if (!this.accepted) throw new Error(`fake job ${this.id}: a message before submitAsync resolved (the connection has not answered accepted yet)`);
    const parsed = parseServerMessage(JSON.parse(JSON.stringify(message)));
    if (!parsed.ok) throw new Error(`fake job ${this.id} sent an invalid ${message.type}: ${parsed.message}`);
    this.relay.send(message, images);
    return this;
  }
}

export class FakeJobRunner implements JobRunner {
  readonly jobs: FakeJob[] = [];
  /** Every call, in order, for tests that check what the connection asked. */
  readonly calls: string[] = [];
  private infoValue: RunnerInfo | null;
  private closed = false;
  private counter = 0;
  private readonly waiters: Array<(job: FakeJob) => void> = [];
  /** The next async call rejects with this (a team runner whose Redis is unreachable rejects so). */
  private rejection: Error | null = null;
  private readonly maxQueued: number;
  private readonly maxQueuedPerOwner: number;

  constructor(options: FakeRunnerOptions = {}) {
    this.maxQueued = options.maxQueued ?? 8;
    this.maxQueuedPerOwner = options.maxQueuedPerOwner ?? 4;
    this.infoValue = options.info === undefined ? FAKE_RUNNER_INFO : options.info;
  }

  /** Makes the next async call reject with `error` (e.g. one carrying a wire `code` and a sentence). */
  rejectNext(error: Error): void {
    this.rejection = error;
  }

  private takeRejection(): void {
    const error = this.rejection;
    this.rejection = null;
    if (error) throw error;
  }

  setInfo(info: RunnerInfo | null): void {
    this.infoValue = info;
  }

  info(): RunnerInfo | null {
    return this.infoValue;
  }

  /** The next job submitted (or the first not yet taken), once submitAsync resolved. */
  nextJobAsync(): Promise<FakeJob> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  private get running(): FakeJob | null {
    return this.jobs.find((j) => j.state === 'running') ?? null;
  }

  private get waiting(): FakeJob[] {
    return this.jobs.filter((j) => j.state === 'waiting');
  }

  private position(job: FakeJob): number | null {
    if (job.state === 'running') return 0;
    const index = this.waiting.indexOf(job);
    if (index < 0) return null;
    return this.running ? index + 1 : index;
  }

  async submitAsync(spec: JobSpec): Promise<SubmitResult> {
    this.calls.push(`submit ${spec.requestId}`);
    if (!keptRegionsFit(spec.regions, spec.contents.length, spec.styles.length)) throw new Error(`spec ${spec.requestId}: a region names an image the job does not have`);
    this.takeRejection();
    if (this.closed) return { ok: false, code: 'shutting-down', message: 'The fake runner is closed; start it again and retry.' };
    const waitingAfter = this.running ? this.waiting.length + 1 : this.waiting.length;
    if (waitingAfter > this.maxQueued) return { ok: false, code: 'busy', message: `The fake runner already has ${this.maxQueued} jobs waiting; try again when one finishes.` };
    const line = this.running ? [...this.waiting.map((j) => j.spec), spec] : [...this.waiting.map((j) => j.spec), spec].slice(1);
    if (line.filter((s) => s.owner === spec.owner).length > this.maxQueuedPerOwner) {
      return { ok: false, code: 'busy', message: `You already have ${this.maxQueuedPerOwner} jobs waiting; send more when one has started.` };
    }
    const job = new FakeJob(`fake-job-${++this.counter}`, spec, this);
    this.jobs.push(job);
    const position = this.position(job)!;
    job.toldPosition = position;
    // Resolved first; the job's messages may follow from the next turn on.
    queueMicrotask(() => {
      job.accepted = true;
      this.waiters.shift()?.(job);
    });
    return { ok: true, jobId: job.id, position };
  }

  async cancelAsync(jobId: string, owner: string): Promise<boolean> {
    this.calls.push(`cancel ${jobId}`);
    this.takeRejection();
    const job = this.find(jobId, owner);
    if (!job || job.ended) return false;
    job.cancelled('client');
    return true;
  }

  connectionClosed(connectionId: string, listener: JobListener): number {
    this.calls.push(`connection-closed ${connectionId}`);
    let count = 0;
    for (const job of this.jobs) {
      job.relay.detach(listener);
      if (!job.ended && job.spec.placement === null && job.spec.connectionId === connectionId) {
        job.cancelled('disconnect');
        count += 1;
      }
    }
    return count;
  }

  async listAsync(owner: string, document: string): Promise<ListedJob[]> {
    this.takeRejection();
    return this.jobs
      .filter((j) => j.spec.owner === owner && j.spec.placement?.document === document)
      .map((j): ListedJob => {
        const base = { jobId: j.id, contentCount: j.spec.contents.length, placement: j.spec.placement!, acceptedAt: new Date(0).toISOString() };
        if (j.state === 'running') return { ...base, state: 'running' };
        if (j.state === 'waiting') return { ...base, state: 'queued', position: this.position(j)! };
        return { ...base, state: j.state === 'completed' ? 'finished' : 'failed' };
      });
  }

  async reattachAsync(jobId: string, owner: string, listener: JobListener): Promise<boolean> {
    this.takeRejection();
    const job = this.find(jobId, owner);
    if (!job) return false;
    job.relay.attach(listener);
    return true;
  }

  async placedAsync(jobId: string, owner: string): Promise<boolean> {
    this.takeRejection();
    const job = this.find(jobId, owner);
    if (!job || !job.ended || job.spec.placement === null) return false;
    this.jobs.splice(this.jobs.indexOf(job), 1);
    return true;
  }

  async statusAsync(owner: string | null): Promise<StatusMessage> {
    this.takeRejection();
    const running = this.running;
    return {
      type: 'status',
      running: running && { jobId: running.id, mine: running.spec.owner === owner, contentIndex: 0, contentCount: running.spec.contents.length, stage: 1, iteration: 0, seconds: 0 },
      queued: this.waiting.map((j, i) => ({ jobId: j.id, mine: j.spec.owner === owner, position: i + 1 })),
      maxQueuedJobs: this.maxQueued,
    };
  }

  async revokeOwnerAsync(owner: string): Promise<void> {
    this.calls.push(`revoke ${owner}`);
    for (const job of this.jobs) if (job.spec.owner === owner) job.cancelled('client');
  }

  async closeAsync(): Promise<void> {
    this.closed = true;
    for (const job of this.jobs) job.cancelled('shutdown');
  }

  /** Called by FakeJob.start: the job runs now (one at a time). */
  startJob(job: FakeJob): void {
    if (job.state === 'running') return;
    if (job.state !== 'waiting') throw new Error(`fake job ${job.id} is ${job.state}: it cannot start`);
    if (this.running) throw new Error(`fake job ${job.id} cannot start while ${this.running.id} runs (one job at a time)`);
    if (this.waiting[0] !== job) throw new Error(`fake job ${job.id} is not first in line`);
    job.state = 'running';
    this.reportPositions();
  }

  jobEnded(_job: FakeJob): void {
    this.reportPositions();
  }

  private reportPositions(): void {
    // The running one too: its 0 is how the local queue says "started" (JobQueue.reportPositions).
    for (const job of [this.running, ...this.waiting]) {
      if (!job) continue;
      const position = this.position(job)!;
      if (!job.accepted || job.toldPosition === position) continue;
      job.toldPosition = position;
      job.emit({ type: 'queue-position', jobId: job.id, position });
    }
  }

  private find(jobId: string, owner: string): FakeJob | null {
    return this.jobs.find((j) => j.id === jobId && j.spec.owner === owner) ?? null;
  }
}
