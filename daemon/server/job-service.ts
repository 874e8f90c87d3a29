import type { ListedJob, ServerMessage, StatusMessage } from '../../protocol/index.ts';
import type { Engine } from '../engine/index.ts';
import { JobQueue, type CancelReason, type EnqueueResult } from './job-queue.ts';
import type { JobRunner, JobSpec, RunnerInfo, SubmitResult } from './job-runner.ts';
import { JobRelay, type JobListener } from './job-relay.ts';
import type { JobInputs, JobRecord, JobStore, StoreBounds } from './job-store.ts';
import type { Logger } from './logger.ts';
import { keptJobPersistence } from './kept-job-persistence.ts';
import { keptRegionsOf, withMasks } from './kept-regions.ts';
import { runStylizeJobAsync, savedResultMessage, type JobPersistence, type JobProgressSnapshot, type StylizeJob } from './run-job.ts';
import { styleCacheKey } from './style-cache-key.ts';

/** A result waiting for its panel, as the tray lists it. */
export interface WaitingResult {
  jobId: string;
  label: string;
  /** The editor to open: "Figma" or "Photopea". */
  editor: string;
  finishedAt: string;
}

export interface JobServiceOptions {
  maxQueued: number;
  maxQueuedPerOwner: number;
  store: JobStore;
  bounds: StoreBounds;
  logger: Logger;
  engine(): Pick<Engine, 'info' | 'stylize'> | null;
  newJobId(): string;
  /** The queue changed (a job started or ended): the tray's activity. */
  onActivity(): void;
  /** A job finished with nobody following it, or the waiting results changed. */
  onWaitingChanged(waiting: WaitingResult[], ready: WaitingResult | null): void;
}

const INTERRUPTED_SENTENCE = 'This job stopped with the Atelier app and could not resume; apply the style again.';
const NOT_SAVED_SENTENCE = 'Atelier could not keep this job in its cache folder (is the disk full?); free some space and apply again.';

/** The queue's refusal as the designer reads it. */
function refusal(reason: Extract<EnqueueResult, { ok: false }>['reason'], o: Pick<JobServiceOptions, 'maxQueued' | 'maxQueuedPerOwner'>): SubmitResult {
  switch (reason) {
    case 'closed':
      return { ok: false, code: 'shutting-down', message: 'The Atelier daemon is shutting down; start it again and retry.' };
    case 'owner-busy':
      return { ok: false, code: 'busy', message: `You already have ${o.maxQueuedPerOwner} jobs waiting; send more when one has started.` };
    case 'busy':
      return { ok: false, code: 'busy', message: `The daemon already has ${o.maxQueued} jobs waiting; try again when one finishes.` };
  }
}

export function editorOf(clientName: string): string {
  return clientName === 'atelier-photopea' ? 'Photopea' : 'Figma';
}

/**
 * The local runner: the queue, the engine, and the jobs folder. Jobs belong to the pairing that
 * asked (its key id), not to a connection: a job with a placement runs on when its panel closes,
 * keeps each stage's end and its results on disk, and is listed, followed again (`reattach`) and
 * forgotten (`placed`) by any connection of that pairing. Only Cancel, a revoke, or a shutdown
 * (which a restart resumes) stop it. A job without a placement (the CLI, older plugins) still
 * ends with its connection: its results would have nowhere to go.
 */
export class JobService implements JobRunner {
  readonly queue: JobQueue<StylizeJob>;
  private readonly relays = new Map<string, JobRelay>();
  private readonly progress: JobProgressSnapshot = { contentIndex: 0, stage: 0, iteration: 0, startedAt: 0 };
  /** The recovery of a previous run's jobs, once started: lists and reattaches wait for it. */
  private recovery: Promise<void> | null = null;
  /**
   * Jobs whose results the editor placed before their record was marked finished: `result`
   * goes out before the job is saved as finished, and an editor that places it at once says
   * `placed` in between. Deleted when the job ends, else a later panel would place it again.
   */
  private readonly placedEarly = new Set<string>();

  constructor(private readonly o: JobServiceOptions) {
    this.queue = new JobQueue<StylizeJob>({
      maxQueued: o.maxQueued,
      maxQueuedPerOwner: o.maxQueuedPerOwner,
      run: async (job, signal) => {
        Object.assign(this.progress, { contentIndex: 0, stage: 0, iteration: 0, startedAt: performance.now() });
        o.onActivity();
        const engine = o.engine();
        // Jobs are only accepted (and recovered) once the engine exists.
        if (!engine) throw new Error('a job reached the queue before the engine existed');
        const outcome = await runStylizeJobAsync(engine, job, signal, o.logger, this.progress);
        await this.endedAsync(job, outcome, signal.reason as CancelReason | undefined);
        // Let the next job start before reporting, so the tray does not flicker to idle.
        queueMicrotask(o.onActivity);
      },
      onPosition: (job, position) => job.sink.send({ type: 'queue-position', jobId: job.id, position }),
      onCancelledWaiting: (job, reason) => {
        o.logger.log('info', 'job-end', { jobId: job.id, outcome: 'cancelled', reason, seconds: 0 });
        job.sink.send({ type: 'cancelled', jobId: job.id, reason });
        void this.endedAsync(job, 'cancelled', reason);
        o.onActivity();
      },
      onRunFailed: (job, error) => o.logger.log('error', 'internal-error', { jobId: job.id, detail: String(error) }),
    });
  }

  /** The engine's, once it exists (the daemon downloads the weights first on a first run). */
  info(): RunnerInfo | null {
    const engine = this.o.engine();
    if (!engine) return null;
    const { engine: name, backend, device, convention } = engine.info;
    return { engine: name, backend, device, convention };
  }

  async submitAsync(spec: JobSpec): Promise<SubmitResult> {
    const jobId = this.o.newJobId();
    if (spec.placement) {
      // Kept before it is queued: a daemon killed from here on finds it at its next start.
      try {
        await this.o.store.createAsync(
        {
          jobId,
          owner: spec.owner,
          clientName: spec.clientName,
          requestId: spec.requestId,
          placement: spec.placement,
          acceptedAt: new Date().toISOString(),
          contentCount: spec.contents.length,
          styleWeights: spec.styles.map((s) => s.weight),
          regions: keptRegionsOf(spec.regions),
          featherPx: spec.featherPx,
          options: spec.options,
          progressEvery: spec.progressEvery,
        },
        { contents: spec.contents, styles: spec.styles.map((s) => s.bytes), masks: spec.regions.map((r) => r.mask) },
        );
      } catch (error) {
        this.o.logger.log('error', 'job-not-saved', { jobId, detail: error instanceof Error ? error.message : String(error) });
        await this.o.store.deleteAsync(jobId).catch(() => undefined);
        return { ok: false, code: 'storage-failed', message: NOT_SAVED_SENTENCE };
      }
    }
    const relay = new JobRelay(spec.listener);
    const job = this.jobOf(jobId, spec, relay);
    const queued = this.queue.enqueue(job);
    if (!queued.ok) {
      if (spec.placement) await this.o.store.deleteAsync(jobId);
      return refusal(queued.reason, this.o);
    }
    this.relays.set(jobId, relay);
    return { ok: true, jobId, position: queued.position };
  }

  async cancelAsync(jobId: string, owner: string): Promise<boolean> {
    return this.queue.cancel(jobId, owner, 'client');
  }

  /** A connection closed (or was cut off): its own jobs end, the pairing's others run on unfollowed. */
  connectionClosed(connectionId: string, listener: JobListener): number {
    for (const relay of this.relays.values()) relay.detach(listener);
    let count = 0;
    for (const job of [this.queue.running, ...this.queue.waitingJobs]) {
      if (job && job.connectionId === connectionId && this.queue.cancel(job.id, job.ownerId, 'disconnect')) count += 1;
    }
    return count;
  }

  /**
   * This pairing's jobs placed in `document`, oldest first. A recovery in progress is waited
   * for: until it ends, a job a previous run left active could be listed as queued when it is
   * about to be reported interrupted.
   */
  async listAsync(owner: string, document: string): Promise<ListedJob[]> {
    await this.settledRecoveryAsync();
    return this.o.store
      .all()
      .filter((r) => r.owner === owner && r.placement.document === document)
      .map((r): ListedJob => {
        const base = { jobId: r.jobId, contentCount: r.contentCount, placement: r.placement, acceptedAt: r.acceptedAt };
        if (r.state !== 'active') return { ...base, state: r.state, ...(r.message ? { message: r.message } : {}) };
        const position = this.queue.position(r.jobId);
        // Active but not in the queue: recovered after a restart, waiting for the engine.
        if (position === 0) return { ...base, state: 'running' };
        return { ...base, state: 'queued', ...(position !== null ? { position } : {}) };
      });
  }

  /** Follows a job of this pairing on `listener`; false when there is none such. */
  async reattachAsync(jobId: string, owner: string, listener: JobListener): Promise<boolean> {
    // A recovered job gets its relay during the recovery: wait, or the panel would follow nothing.
    await this.settledRecoveryAsync();
    const record = this.o.store.get(jobId);
    if (!record || record.owner !== owner) return false;
    const relay = this.relays.get(jobId);
    if (record.state === 'active') {
      if (!relay) return true;
      relay.attach(listener);
      const position = this.queue.position(jobId);
      if (position !== null && position > 0) listener.send({ type: 'queue-position', jobId, position });
      return true;
    }
    if (record.state === 'finished') {
      for (let contentIndex = 0; contentIndex < record.contentCount; contentIndex++) {
        const png = await this.o.store.readResultAsync(jobId, contentIndex);
        const saved = png && savedResultMessage(jobId, contentIndex, record.contentCount, png);
        if (!saved) return this.sendLost(listener, record);
        listener.send(...saved);
      }
      listener.send({ type: 'completed', jobId, seconds: 0 });
      return true;
    }
    listener.send({ type: 'error', code: record.state === 'failed' ? 'internal' : 'shutting-down', message: record.message ?? INTERRUPTED_SENTENCE, jobId });
    return true;
  }

  /** The pairing placed (or dropped) the job's results: forgotten, files deleted. */
  async placedAsync(jobId: string, owner: string): Promise<boolean> {
    const record = this.o.store.get(jobId);
    if (!record || record.owner !== owner) return false;
    if (record.state === 'active') {
      // Only a running job's end can follow: one still queued has no result to place.
      if (this.queue.running?.id !== jobId) return false;
      this.placedEarly.add(jobId);
      return true;
    }
    await this.o.store.deleteAsync(jobId);
    this.o.logger.log('info', 'job-placed', { jobId });
    this.o.onWaitingChanged(this.waiting(), null);
    return true;
  }

  /** One pairing was revoked: its jobs are cancelled and its kept results deleted. */
  async revokeOwnerAsync(owner: string): Promise<void> {
    this.queue.cancelOwner(owner, 'client');
    for (const record of this.o.store.all()) if (record.owner === owner) await this.o.store.deleteAsync(record.jobId);
    this.o.onWaitingChanged(this.waiting(), null);
  }

  /** Every pairing was revoked: every job is cancelled and every kept result deleted. */
  async revokeAllAsync(): Promise<void> {
    for (const job of [...this.queue.waitingJobs, this.queue.running]) if (job) this.queue.cancel(job.id, job.ownerId, 'client');
    for (const record of this.o.store.all()) await this.o.store.deleteAsync(record.jobId);
    this.o.onWaitingChanged([], null);
  }

  /**
   * Once the engine exists: jobs a previous run left active resume (from their last stage's
   * image), those of pairings that no longer exist are deleted, and those that cannot resume
   * are marked interrupted (the panel says so on reopening). Expired results go.
   */
  recoverAsync(knowsOwner: (owner: string) => boolean): Promise<void> {
    this.recovery ??= this.recoverOnceAsync(knowsOwner);
    return this.recovery;
  }

  private async settledRecoveryAsync(): Promise<void> {
    await this.recovery?.catch(() => undefined);
  }

  private async recoverOnceAsync(knowsOwner: (owner: string) => boolean): Promise<void> {
    for (const record of this.o.store.all()) {
      if (!knowsOwner(record.owner)) {
        await this.o.store.deleteAsync(record.jobId);
        continue;
      }
      if (record.state !== 'active') continue;
      const inputs = await this.o.store.readInputsAsync(record.jobId);
      const job = inputs && this.recoveredJob(record, inputs);
      const queued = job ? this.queue.enqueue(job) : null;
      if (job && queued?.ok) {
        this.relays.set(record.jobId, job.sink as JobRelay);
        this.o.logger.log('info', 'job-recovered', { jobId: record.jobId, position: queued.position });
      } else {
        await this.o.store.finishAsync(record.jobId, 'interrupted', INTERRUPTED_SENTENCE);
        this.o.logger.log('warn', 'job-interrupted', { jobId: record.jobId });
      }
    }
    await this.pruneAsync();
    this.o.onWaitingChanged(this.waiting(), null);
  }

  /** Results waiting for their panel, oldest first. */
  waiting(): WaitingResult[] {
    return this.o.store
      .all()
      .filter((r) => r.state === 'finished')
      .map((r) => ({ jobId: r.jobId, label: r.placement.label, editor: editorOf(r.clientName), finishedAt: r.finishedAt ?? r.acceptedAt }));
  }

  async pruneAsync(): Promise<void> {
    const dropped = await this.o.store.pruneAsync(this.o.bounds);
    if (dropped.length > 0) this.o.onWaitingChanged(this.waiting(), null);
  }

  async statusAsync(owner: string | null): Promise<StatusMessage> {
    const running = this.queue.running;
    return {
      type: 'status',
      running: running && {
        jobId: running.id,
        mine: running.ownerId === owner,
        contentIndex: this.progress.contentIndex,
        contentCount: running.contents.length,
        stage: this.progress.stage,
        iteration: this.progress.iteration,
        seconds: Math.max(0, (performance.now() - this.progress.startedAt) / 1000),
      },
      queued: this.queue.waitingJobs.map((job, i) => ({ jobId: job.id, mine: job.ownerId === owner, position: i + 1 })),
      maxQueuedJobs: this.queue.maxQueued,
    };
  }

  /** Stops the queue; jobs with a placement stay active on disk and resume at the next start. */
  closeAsync(): Promise<void> {
    return this.queue.closeAsync();
  }

  private sendLost(listener: JobListener, record: JobRecord): boolean {
    const message: ServerMessage = { type: 'error', code: 'internal', message: 'This result’s file is gone from the Atelier cache; apply the style again.', jobId: record.jobId };
    listener.send(message);
    return true;
  }

  private async endedAsync(job: StylizeJob, outcome: 'completed' | 'cancelled' | 'failed', reason: CancelReason | undefined): Promise<void> {
    this.relays.delete(job.id);
    const placed = this.placedEarly.delete(job.id);
    if (!job.persist) return;
    // A shutdown leaves the job active on disk: the next start resumes it (unless it was placed).
    if (outcome === 'cancelled' && reason === 'shutdown' && !placed) return;
    const relay = job.sink as JobRelay;
    try {
      // Placed already, cancelled, or failed in front of a panel that showed the error: nothing left to place.
      if (placed || outcome === 'cancelled' || (outcome === 'failed' && relay.followed)) {
        if (placed) this.o.logger.log('info', 'job-placed', { jobId: job.id });
        await this.o.store.deleteAsync(job.id);
        return;
      }
      const record = outcome === 'completed' ? this.o.store.get(job.id) : await this.o.store.finishAsync(job.id, 'failed', relay.error?.message);
      await this.pruneAsync();
      const ready = record && record.state === 'finished' && !relay.followed && this.o.store.get(job.id)
        ? { jobId: record.jobId, label: record.placement.label, editor: editorOf(record.clientName), finishedAt: record.finishedAt ?? record.acceptedAt }
        : null;
      this.o.onWaitingChanged(this.waiting(), ready);
    } catch (error) {
      this.o.logger.log('error', 'job-not-saved', { jobId: job.id, detail: error instanceof Error ? error.message : String(error) });
    }
  }

  private jobOf(jobId: string, spec: JobSpec, relay: JobRelay): StylizeJob {
    return {
      id: jobId,
      ownerId: spec.owner,
      requestId: spec.requestId,
      contents: spec.contents,
      styles: spec.styles.map((s) => ({ ...s, cacheKey: styleCacheKey(s.bytes) })),
      regions: spec.regions,
      featherPx: spec.featherPx,
      options: spec.options,
      progressEvery: spec.progressEvery,
      acceptedAt: performance.now(),
      sink: relay,
      connectionId: spec.placement ? null : spec.connectionId,
      persist: spec.placement ? this.persistence(jobId) : null,
    };
  }

  private recoveredJob(record: JobRecord, { contents, styles, masks }: JobInputs): StylizeJob {
    const spec: JobSpec = {
      requestId: record.requestId,
      owner: record.owner,
      clientName: record.clientName,
      connectionId: '',
      placement: record.placement,
      contents,
      styles: styles.map((bytes, i) => ({ bytes, weight: record.styleWeights[i]! })),
      regions: withMasks(record.regions, masks),
      featherPx: record.featherPx,
      options: record.options,
      progressEvery: record.progressEvery,
      listener: { send: () => undefined, canTakePreview: () => false },
    };
    return this.jobOf(record.jobId, spec, new JobRelay());
  }

  private persistence(jobId: string): JobPersistence {
    return keptJobPersistence(this.o.store, jobId, async () => {
      await this.o.store.finishAsync(jobId, 'finished');
    });
  }
}
