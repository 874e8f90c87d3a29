import { randomBytes } from 'node:crypto';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { ListedJob, ServerMessage, StatusMessage } from '../../protocol/index.ts';
import { DEFAULT_PRESET, PRESETS, type StyleOptions } from '../engine/index.ts';
import { keptRegionsOf, savedResultMessage, type JobListener, type JobRunner, type JobSpec, type Logger, type RunnerInfo, type SubmitResult } from '../server/index.ts';
import { reprioritizeOwnerAsync, waitingOrderAsync, waitingPositionAsync, waitingPositionsAsync } from './fairness.ts';
import { JobFollows } from './job-follows.ts';
import { COMMAND_TIMEOUT_MS, DEFAULT_MAX_QUEUED_JOBS, DEFAULT_MAX_SIDE_PER_DESIGNER, DEFAULT_MAX_WAITING_PER_DESIGNER, REVOKE_TIMEOUT_MS, SUBMIT_TIMEOUT_MS, WORKER_POLL_MS } from './limits.ts';
import { frontDoorRedis, patientRedis, REDIS_DOWN_SENTENCE, storeCallAsync, TeamStoreError } from './redis-connection.ts';
import { teamKeys, type TeamKeys } from './redis-keys.ts';
import { decodeTeamEvent, encodeCancel, encodeJobEvent, QUEUE_MOVED_EVENT } from './team-events.ts';
import { TeamJobStore, type TeamCancelReason, type TeamJobRecord } from './team-job-store.ts';
import { readBeatsAsync, runnerInfoOf } from './worker-heartbeat.ts';

/** `stylize` while no worker's heartbeat is alive. */
export const NO_WORKER_SENTENCE = 'No GPU worker is running for this team server; ask whoever runs it.';
const LOST_RESULT_SENTENCE = 'This result is gone from the team server (kept results expire after a week); apply the style again.';

export interface BullRunnerOptions {
  redisUrl: string;
  /** Key prefix (default `atelier:`): tests give each run its own. */
  prefix?: string;
  logger: Logger;
  maxQueued?: number;
  maxWaitingPerDesigner?: number;
  maxSidePerDesigner?: number;
  workerPollMs?: number;
}

/** The job's BullMQ payload: everything else is in the job's Redis record. */
export interface TeamJobData {
  jobId: string;
}

/** The longest side a job's options ask for (its own size, else its maxSide, else its preset's). */
export function largestSideOf(options: Partial<StyleOptions>): number {
  if (options.height && options.width) return Math.max(options.height, options.width);
  if (options.maxSide) return options.maxSide;
  const name = options.preset ?? DEFAULT_PRESET;
  const preset = Object.hasOwn(PRESETS, name) ? PRESETS[name] : PRESETS[DEFAULT_PRESET];
  return preset ? Math.max(preset.options.maxSide, preset.options.height, preset.options.width) : 0;
}

/**
 * The JobRunner of a team front door: jobs go to BullMQ over Redis and are computed by GPU
 * workers (gpu-worker.ts); their messages come back on a pub/sub channel. It keeps no job
 * state beyond which of its connections follow which job (job-follows.ts): list, reattach,
 * status and cancel read Redis, so two front doors serve the same designers and a restarted
 * one finds the running jobs again. With Redis unreachable every call answers at once with a
 * sentence (redis-connection.ts), and it recovers by itself when Redis is back.
 */
export class BullRunner implements JobRunner {
  private readonly keys: TeamKeys;
  private readonly redis: Redis;
  private readonly subscriber: Redis;
  private readonly queue: Queue<TeamJobData>;
  private readonly store: TeamJobStore;
  private readonly follows = new JobFollows();
  /** Jobs without a placement, by the connection they end with, and their owner. */
  private readonly placementless = new Map<string, Map<string, string>>();
  private readonly maxQueued: number;
  private readonly maxWaitingPerDesigner: number;
  private readonly maxSidePerDesigner: number;
  private workerInfo: RunnerInfo | null = null;
  private poll: NodeJS.Timeout | undefined;
  private closed = false;
  private positionsDirty = false;
  private positionsRunning = false;
  private subscribedOnce = false;

  constructor(private readonly o: BullRunnerOptions) {
    this.keys = teamKeys(o.prefix);
    this.redis = frontDoorRedis(o.redisUrl, o.logger);
    this.subscriber = patientRedis(o.redisUrl, o.logger, 'front-door-events');
    this.queue = new Queue<TeamJobData>(this.keys.queueName, { connection: this.redis, prefix: this.keys.bullPrefix });
    // The Queue reports connection errors as events; the connection's own watcher logs them once.
    this.queue.on('error', () => undefined);
    this.store = new TeamJobStore(this.redis, this.keys);
    this.maxQueued = o.maxQueued ?? DEFAULT_MAX_QUEUED_JOBS;
    this.maxWaitingPerDesigner = o.maxWaitingPerDesigner ?? DEFAULT_MAX_WAITING_PER_DESIGNER;
    this.maxSidePerDesigner = o.maxSidePerDesigner ?? DEFAULT_MAX_SIDE_PER_DESIGNER;
  }

  /** Subscribes to job events and reads the workers once; with Redis down it still starts (and recovers). */
  async startAsync(): Promise<void> {
    this.subscriber.on('messageBuffer', (_channel: Buffer, message: Buffer) => this.onEvent(message));
    // After a reconnect (Redis restarted, a network cut) events may have been missed: what the
    // followed jobs became is read back from Redis.
    this.subscriber.on('ready', () => {
      if (this.subscribedOnce) void this.whenCommandsReadyAsync().then(() => this.reconcileAsync());
      this.subscribedOnce = true;
    });
    const subscribed = this.subscriber.subscribe(this.keys.events).catch((error: unknown) => this.o.logger.log('warn', 'team-subscribe-failed', { detail: String(error) }));
    await this.whenCommandsReadyAsync();
    // Redis down at start: the front door starts anyway (designers get the Redis sentence) and
    // the subscription completes when Redis comes.
    if (this.redis.status === 'ready') await subscribed;
    await this.pollWorkersAsync();
    this.poll = setInterval(() => void this.pollWorkersAsync(), this.o.workerPollMs ?? WORKER_POLL_MS);
    this.poll.unref();
  }

  info(): RunnerInfo | null {
    return this.workerInfo;
  }

  async submitAsync(spec: JobSpec): Promise<SubmitResult> {
    if (this.closed) return { ok: false, code: 'shutting-down', message: 'The team server is stopping; try again in a minute.' };
    if (this.redis.status !== 'ready') return { ok: false, code: 'not-ready', message: REDIS_DOWN_SENTENCE };
    if (!this.workerInfo) await this.pollWorkersAsync();
    if (!this.workerInfo) return { ok: false, code: 'not-ready', message: NO_WORKER_SENTENCE };
    const side = largestSideOf(spec.options);
    if (side > this.maxSidePerDesigner) {
      return {
        ok: false,
        code: 'bad-options',
        message: `This team server computes images up to ${this.maxSidePerDesigner} pixels on the longest side; choose a smaller size (this job asks for ${side}).`,
      };
    }
    const jobId = `job-${randomBytes(9).toString('base64url')}`;
    // Set when the answer went out as a refusal (too slow): a job queued after that is withdrawn.
    let abandoned = false;
    try {
      return await storeCallAsync(this.redis, async () => {
        const refusal = await this.admissionAsync(spec.owner);
        if (refusal) return refusal;
        const acceptedMs = Date.now();
        const rank = await this.store.createAsync(
          {
            jobId,
            owner: spec.owner,
            clientName: spec.clientName,
            requestId: spec.requestId,
            connectionId: spec.placement ? null : spec.connectionId,
            placement: spec.placement,
            acceptedAt: new Date(acceptedMs).toISOString(),
            contentCount: spec.contents.length,
            styleWeights: spec.styles.map((s) => s.weight),
            regions: keptRegionsOf(spec.regions),
            featherPx: spec.featherPx,
            options: spec.options,
            progressEvery: spec.progressEvery,
          },
          { contents: spec.contents, styles: spec.styles.map((s) => s.bytes), masks: spec.regions.map((r) => r.mask) },
          acceptedMs,
        );
        // Followed before it is queued: an idle worker may start it at once.
        this.follows.follow(jobId, spec.listener);
        if (!spec.placement) this.placementlessOf(spec.connectionId).set(jobId, spec.owner);
        try {
          await this.queue.add('stylize', { jobId }, { jobId, priority: rank, attempts: 1, removeOnComplete: true, removeOnFail: true });
        } catch (error) {
          this.follows.unfollow(jobId, spec.listener);
          this.placementless.get(spec.connectionId)?.delete(jobId);
          await this.store.deleteAsync(jobId, spec.owner).catch(() => undefined);
          throw error;
        }
        if (abandoned) {
          this.follows.unfollow(jobId, spec.listener);
          await this.cancelJobAsync(jobId, spec.owner, 'client');
        }
        const position = (await waitingPositionAsync(this.redis, this.queue, jobId)) ?? 0;
        this.o.logger.log('info', 'team-job-queued', { jobId, owner: spec.owner, priority: rank, position });
        return { ok: true as const, jobId, position };
      }, SUBMIT_TIMEOUT_MS);
    } catch (error) {
      abandoned = true;
      return this.refusal(error, jobId);
    }
  }

  async cancelAsync(jobId: string, owner: string): Promise<boolean> {
    return storeCallAsync(this.redis, () => this.cancelJobAsync(jobId, owner, 'client'));
  }

  connectionClosed(connectionId: string, listener: JobListener): number {
    this.follows.unfollowAll(listener);
    const jobs = this.placementless.get(connectionId);
    this.placementless.delete(connectionId);
    if (!jobs) return 0;
    for (const [jobId, owner] of jobs) {
      void storeCallAsync(this.redis, () => this.cancelJobAsync(jobId, owner, 'disconnect')).catch((error: unknown) =>
        this.o.logger.log('warn', 'team-cancel-failed', { jobId, detail: String(error) }),
      );
    }
    return jobs.size;
  }

  async listAsync(owner: string, document: string): Promise<ListedJob[]> {
    return storeCallAsync(this.redis, async () => {
      const records = (await this.store.ownerRecordsAsync(owner)).filter((r) => r.placement?.document === document);
      const listed: ListedJob[] = [];
      for (const r of records) {
        const base = { jobId: r.jobId, contentCount: r.contentCount, placement: r.placement!, acceptedAt: r.acceptedAt };
        if (r.state === 'queued') {
          const position = await waitingPositionAsync(this.redis, this.queue, r.jobId);
          listed.push({ ...base, state: 'queued', ...(position !== null ? { position } : {}) });
        } else if (r.state === 'failed') listed.push({ ...base, state: 'failed', ...(r.message ? { message: r.message } : {}) });
        else listed.push({ ...base, state: r.state });
      }
      return listed;
    });
  }

  async reattachAsync(jobId: string, owner: string, listener: JobListener): Promise<boolean> {
    // Followed first, read second: an end between the two arrives as an event, one before as the record.
    this.follows.follow(jobId, listener);
    try {
      const record = await storeCallAsync(this.redis, () => this.store.getAsync(jobId));
      if (!record || record.owner !== owner) {
        this.follows.unfollow(jobId, listener);
        return false;
      }
      await storeCallAsync(this.redis, () => this.catchUpAsync(record, listener));
      return true;
    } catch (error) {
      this.follows.unfollow(jobId, listener);
      throw error;
    }
  }

  async placedAsync(jobId: string, owner: string): Promise<boolean> {
    return storeCallAsync(this.redis, async () => {
      const record = await this.store.getAsync(jobId);
      if (!record || record.owner !== owner || record.state === 'queued' || record.state === 'running') return false;
      await this.store.deleteAsync(jobId, owner);
      this.o.logger.log('info', 'job-placed', { jobId });
      return true;
    });
  }

  async statusAsync(owner: string | null): Promise<StatusMessage> {
    return storeCallAsync(this.redis, async () => {
      const order = await waitingOrderAsync(this.redis, this.queue, this.maxQueued);
      const waiting = await this.store.getManyAsync(order);
      const activeIds = await this.redis.lrange(this.queue.keys.active, 0, -1);
      const active = (await this.store.getManyAsync(activeIds)).filter((r): r is TeamJobRecord => r !== null);
      const running = active.find((r) => r.owner === owner) ?? active[0] ?? null;
      const progress = running?.lastProgress;
      const startedMs = running?.startedAt ? Date.parse(running.startedAt) : Date.now();
      return {
        type: 'status',
        running: running && {
          jobId: running.jobId,
          mine: running.owner === owner,
          contentIndex: progress?.contentIndex ?? 0,
          contentCount: running.contentCount,
          stage: progress?.stage ?? 0,
          iteration: progress?.iteration ?? 0,
          seconds: Math.max(0, (Date.now() - startedMs) / 1000),
        },
        queued: order.map((jobId, i) => ({ jobId, mine: waiting[i]?.owner === owner, position: i + 1 })),
        maxQueuedJobs: this.maxQueued,
      };
    });
  }

  async revokeOwnerAsync(owner: string): Promise<void> {
    await storeCallAsync(this.redis, async () => {
      const kept = await this.store.ownerRecordsAsync(owner);
      const active = await this.store.ownerActiveIdsAsync(owner);
      const ids = new Set([...kept.map((r) => r.jobId), ...active]);
      for (const jobId of ids) {
        // A running job is stopped by its worker, which then deletes what it kept.
        if (!(await this.cancelJobAsync(jobId, owner, 'client'))) await this.store.deleteAsync(jobId, owner);
      }
      this.o.logger.log('info', 'team-owner-revoked', { owner, jobs: ids.size });
    }, REVOKE_TIMEOUT_MS);
  }

  async closeAsync(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.poll);
    await this.queue.close().catch(() => undefined);
    this.subscriber.disconnect();
    this.redis.disconnect();
  }

  /** Queue-wide and per-designer room; null when the job may be queued. */
  private async admissionAsync(owner: string): Promise<SubmitResult | null> {
    const waitingTotal = await this.queue.getPrioritizedCount();
    if (waitingTotal >= this.maxQueued) {
      return { ok: false, code: 'busy', message: `The team server has ${waitingTotal} jobs waiting already; try again when some have finished.` };
    }
    const active = await this.store.getManyAsync(await this.store.ownerActiveIdsAsync(owner));
    const waitingMine = active.filter((r) => r?.state === 'queued').length;
    if (waitingMine >= this.maxWaitingPerDesigner) {
      return {
        ok: false,
        code: 'busy',
        message: `You have ${waitingMine} jobs waiting on the team server, the most one designer may; wait for one to finish or cancel one.`,
      };
    }
    return null;
  }

  private refusal(error: unknown, jobId: string): SubmitResult {
    if (!(error instanceof TeamStoreError)) this.o.logger.log('error', 'team-submit-failed', { jobId, detail: String(error) });
    else this.o.logger.log('warn', 'team-submit-refused', { jobId, detail: String(error.cause ?? error.message) });
    return { ok: false, code: 'not-ready', message: REDIS_DOWN_SENTENCE };
  }

  private placementlessOf(connectionId: string): Map<string, string> {
    let jobs = this.placementless.get(connectionId);
    if (!jobs) this.placementless.set(connectionId, (jobs = new Map()));
    return jobs;
  }

  /**
   * A waiting job is removed from the queue here; a running one is flagged and its worker told
   * on the cancel channel (it stops within one iteration, and deletes what the job kept).
   */
  private async cancelJobAsync(jobId: string, owner: string, reason: TeamCancelReason): Promise<boolean> {
    const record = await this.store.getAsync(jobId);
    if (!record || record.owner !== owner || (record.state !== 'queued' && record.state !== 'running')) return false;
    const removed = record.state === 'queued' ? await this.queue.remove(jobId) : 0;
    if (removed === 1) {
      await this.store.deleteAsync(jobId, owner);
      await this.publishAsync({ type: 'cancelled', jobId, reason });
      await reprioritizeOwnerAsync(this.queue, this.store, owner);
      await this.redis.publish(this.keys.events, QUEUE_MOVED_EVENT);
      this.o.logger.log('info', 'job-end', { jobId, outcome: 'cancelled', reason, seconds: 0 });
    } else {
      // Running (or taken by a worker since): the flag covers a worker between two hands.
      await this.store.setCancelAsync(jobId, reason);
      await this.redis.publish(this.keys.cancel, encodeCancel(jobId, reason));
    }
    return true;
  }

  private async publishAsync(message: ServerMessage, images?: ReadonlyMap<string, Uint8Array>): Promise<void> {
    await this.redis.publish(this.keys.events, encodeJobEvent(message, images));
  }

  private onEvent(bytes: Buffer): void {
    const event = decodeTeamEvent(bytes);
    if (!event) {
      this.o.logger.log('warn', 'team-event-invalid', { bytes: bytes.length });
      return;
    }
    if (event.kind === 'queue-moved') {
      void this.sendPositionsAsync();
      return;
    }
    this.follows.deliver(event.jobId, event.message, event.images);
    if (!this.follows.isFollowed(event.jobId)) for (const jobs of this.placementless.values()) jobs.delete(event.jobId);
  }

  /** Positions of followed waiting jobs, re-read once per burst of queue changes. */
  private async sendPositionsAsync(): Promise<void> {
    this.positionsDirty = true;
    if (this.positionsRunning) return;
    this.positionsRunning = true;
    try {
      while (this.positionsDirty) {
        this.positionsDirty = false;
        const positions = await storeCallAsync(this.redis, () => waitingPositionsAsync(this.redis, this.queue, this.follows.jobIds()));
        for (const [jobId, position] of positions) this.follows.deliver(jobId, { type: 'queue-position', jobId, position });
      }
    } catch {
      // Redis went away meanwhile: the reconciliation after it returns catches up.
    } finally {
      this.positionsRunning = false;
    }
  }

  /** What a listener that (re)attached has missed: position, latest progress, or the ending. */
  private async catchUpAsync(record: TeamJobRecord, listener: JobListener): Promise<void> {
    const jobId = record.jobId;
    if (record.state === 'queued') {
      const position = await waitingPositionAsync(this.redis, this.queue, jobId);
      if (position !== null) this.follows.deliverTo(jobId, listener, { type: 'queue-position', jobId, position });
    } else if (record.state === 'running') {
      if (record.lastStarted) this.follows.deliverTo(jobId, listener, record.lastStarted);
      if (record.lastProgress) this.follows.deliverTo(jobId, listener, record.lastProgress);
    } else {
      for (const message of await this.endingOfAsync(record)) this.follows.deliverTo(jobId, listener, ...message);
    }
  }

  /** A finished job's results and `completed`, or a failed one's error, as messages. */
  private async endingOfAsync(record: TeamJobRecord): Promise<Array<[ServerMessage, ReadonlyMap<string, Uint8Array>?]>> {
    const jobId = record.jobId;
    if (record.state === 'failed') {
      return [[{ type: 'error', code: record.code ?? 'engine-failed', message: record.message ?? 'This job failed on the team server.', jobId, requestId: record.requestId }]];
    }
    const messages: Array<[ServerMessage, ReadonlyMap<string, Uint8Array>?]> = [];
    for (let contentIndex = 0; contentIndex < record.contentCount; contentIndex++) {
      const png = await this.store.readResultAsync(jobId, contentIndex);
      const saved = png && savedResultMessage(jobId, contentIndex, record.contentCount, png);
      if (!saved) return [...messages, [{ type: 'error', code: 'internal', message: LOST_RESULT_SENTENCE, jobId }]];
      messages.push(saved);
    }
    messages.push([{ type: 'completed', jobId, seconds: 0 }]);
    return messages;
  }

  /** Resolves once the command connection is ready, or after COMMAND_TIMEOUT_MS (Redis down: calls refuse meanwhile). */
  private async whenCommandsReadyAsync(): Promise<void> {
    if (this.redis.status === 'ready') return;
    await new Promise<void>((resolve) => {
      const redis = this.redis;
      const timer = setTimeout(done, COMMAND_TIMEOUT_MS);
      redis.once('ready', done);
      function done(): void {
        clearTimeout(timer);
        redis.off('ready', done);
        resolve();
      }
    });
  }

  /** After the event subscription came back: each followed job's fate as Redis has it. */
  private async reconcileAsync(): Promise<void> {
    for (const jobId of this.follows.jobIds()) {
      try {
        const record = await storeCallAsync(this.redis, () => this.store.getAsync(jobId));
        if (!record) {
          this.follows.deliver(jobId, { type: 'cancelled', jobId, reason: 'client' });
        } else if (record.state === 'finished' || record.state === 'failed') {
          for (const message of await storeCallAsync(this.redis, () => this.endingOfAsync(record))) this.follows.deliver(jobId, ...message);
        }
      } catch (error) {
        this.o.logger.log('warn', 'team-reconcile-failed', { jobId, detail: String(error) });
      }
    }
    void this.sendPositionsAsync();
  }

  private async pollWorkersAsync(): Promise<void> {
    if (this.redis.status !== 'ready') return;
    try {
      this.workerInfo = runnerInfoOf(await storeCallAsync(this.redis, () => readBeatsAsync(this.redis, this.keys)));
    } catch {
      // Redis unreachable: the last answer stands; submit refuses with the Redis sentence meanwhile.
    }
  }
}

/** A started front-door runner. */
export async function startBullRunnerAsync(options: BullRunnerOptions): Promise<BullRunner> {
  const runner = new BullRunner(options);
  await runner.startAsync();
  return runner;
}
