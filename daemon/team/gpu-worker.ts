import { hostname } from 'node:os';
import { Queue, UnrecoverableError, WaitingError, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { clipText, type ErrorMessage, type ServerMessage } from '../../protocol/index.ts';
import {
  keptJobPersistence,
  runStylizeJobAsync,
  styleCacheKey,
  withMasks,
  type JobEngine,
  type JobProgressSnapshot,
  type JobSink,
  type Logger,
  type RunnerInfo,
  type StylizeJob,
} from '../server/index.ts';
import type { TeamJobData } from './bull-runner.ts';
import { reprioritizeOwnerAsync } from './fairness.ts';
import { HEARTBEAT_MS, HEARTBEAT_TTL_BEATS, LOCK_DURATION_MS, MAX_STALLED_COUNT, STALLED_INTERVAL_MS, WORKER_CLOSE_TIMEOUT_MS } from './limits.ts';
import { patientRedis } from './redis-connection.ts';
import { teamKeys, type TeamKeys } from './redis-keys.ts';
import { decodeCancel, encodeJobEvent, QUEUE_MOVED_EVENT } from './team-events.ts';
import { TeamJobStore, type TeamJobRecord } from './team-job-store.ts';
import { removeBeatAsync, writeBeatAsync, type WorkerBeat } from './worker-heartbeat.ts';

/** Longest worker name the wire's `started.worker` carries. */
const MAX_WORKER_NAME = 64;
const INPUTS_LOST_SENTENCE = 'This job’s images are gone from the team server; apply the style again.';
/** A job that stalled past MAX_STALLED_COUNT (it took down every worker that ran it, e.g. the OOM killer). */
export const STALLED_OUT_SENTENCE = 'This job stopped every GPU worker that took it; try a smaller size, or tell whoever runs the team server.';

export interface GpuWorkerOptions {
  redisUrl: string;
  prefix?: string;
  /** Shown to designers (`started.worker`) and in `team status`; unique per process. */
  name: string;
  engine: JobEngine;
  engineInfo: RunnerInfo;
  logger: Logger;
  /** BullMQ lock and stalled-job checks (limits.ts); tests shorten them. */
  lockDurationMs?: number;
  stalledIntervalMs?: number;
  maxStalledCount?: number;
  heartbeatMs?: number;
}

export interface GpuWorker {
  readonly name: string;
  jobsDone(): number;
  /** Stops taking jobs; a running job is handed back to the queue (another worker resumes it). */
  closeAsync(): Promise<void>;
}

/** The default worker name: host and device, so `team status` says which GPU is which. */
export function defaultWorkerName(device: string): string {
  return clipText(`${hostname()}-${device}`.replace(/[^A-Za-z0-9._:-]+/g, '-'), MAX_WORKER_NAME);
}

/**
 * Where a job's messages go from a worker: the team's event channel (front doors forward them
 * to whoever follows the job), with the running content image's latest `started`/`progress`
 * noted in its record for a panel that reattaches. Messages go out in order on one connection.
 */
class WorkerSink implements JobSink {
  error: ErrorMessage | null = null;
  /**
   * A cancelled job's last message, held back until the worker has deleted what it kept: sent at
   * once, a panel that lists its jobs on hearing it still saw the job running.
   */
  cancelled: ServerMessage | null = null;

  constructor(
    private readonly redis: Redis,
    private readonly store: TeamJobStore,
    private readonly keys: TeamKeys,
    private readonly jobId: string,
    private readonly worker: string,
    private readonly logger: Logger,
  ) {}

  send(message: ServerMessage, images?: ReadonlyMap<string, Uint8Array>): void {
    // A worker that stops hands its job back to the queue: for the designer it goes on.
    if (message.type === 'cancelled' && message.reason === 'shutdown') return;
    const out: ServerMessage = message.type === 'started' ? { ...message, worker: this.worker } : message;
    if (out.type === 'error') this.error = out;
    if (out.type === 'cancelled') {
      this.cancelled = out;
      return;
    }
    const fail = (error: unknown): void => this.logger.log('warn', 'team-event-not-sent', { jobId: this.jobId, type: out.type, detail: String(error) });
    if (out.type === 'started') void this.store.noteMessageAsync(this.jobId, 'lastStarted', out).catch(fail);
    if (out.type === 'progress') {
      const { preview: _preview, ...plain } = out;
      void this.store.noteMessageAsync(this.jobId, 'lastProgress', plain).catch(fail);
    }
    void this.redis.publish(this.keys.events, encodeJobEvent(out, images)).catch(fail);
  }

  /** Front doors drop previews for congested links; the worker cannot see them. */
  canTakePreview(): boolean {
    return true;
  }

  /** Sends the held-back `cancelled`, once what the job kept is gone. */
  async sendCancelledAsync(): Promise<void> {
    if (this.cancelled) await this.redis.publish(this.keys.events, encodeJobEvent(this.cancelled));
  }
}

/**
 * One GPU worker process's part: a BullMQ Worker of concurrency 1 whose processor is
 * run-job.ts (the local runner's own), with the job's inputs, stage images and results in
 * Redis. It announces itself with a heartbeat, stops its job within one iteration when a
 * cancel for it arrives on the cancel channel, and fails a job the engine refuses once (no
 * retry); only a stall (its worker killed) hands a job to another worker, which resumes at the
 * last stage saved.
 */
export async function startGpuWorkerAsync(o: GpuWorkerOptions): Promise<GpuWorker> {
  const name = clipText(o.name, MAX_WORKER_NAME);
  const keys = teamKeys(o.prefix);
  const redis = patientRedis(o.redisUrl, o.logger, 'worker');
  const subscriber = patientRedis(o.redisUrl, o.logger, 'worker-cancel');
  const store = new TeamJobStore(redis, keys);
  const queue = new Queue<TeamJobData>(keys.queueName, { connection: redis, prefix: keys.bullPrefix });
  queue.on('error', () => undefined);
  const heartbeatMs = o.heartbeatMs ?? HEARTBEAT_MS;
  const beat: WorkerBeat = {
    name,
    ...o.engineInfo,
    currentJob: null,
    jobsDone: 0,
    lastHeartbeat: new Date().toISOString(),
    startedAt: new Date().toISOString(),
    pid: process.pid,
    host: hostname(),
  };
  const beatAsync = async (): Promise<void> => {
    beat.lastHeartbeat = new Date().toISOString();
    await writeBeatAsync(redis, keys, beat, HEARTBEAT_TTL_BEATS * heartbeatMs).catch((error: unknown) => o.logger.log('warn', 'team-heartbeat-failed', { detail: String(error) }));
  };
  let current: { jobId: string; controller: AbortController } | null = null;
  const progress: JobProgressSnapshot = { contentIndex: 0, stage: 0, iteration: 0, startedAt: 0 };

  subscriber.on('message', (_channel: string, text: string) => {
    const note = decodeCancel(text);
    if (note && current?.jobId === note.jobId) current.controller.abort(note.reason);
  });
  await subscriber.subscribe(keys.cancel);

  /** The job left the queue for good: its owner's later jobs move up, and front doors re-read positions. */
  const endedAsync = async (owner: string): Promise<void> => {
    await reprioritizeOwnerAsync(queue, store, owner);
    await redis.publish(keys.events, QUEUE_MOVED_EVENT);
  };

  const processor = async (bullJob: Job<TeamJobData>, token?: string): Promise<string> => {
    const jobId = bullJob.data.jobId;
    const record = await store.getAsync(jobId);
    // Revoked or cancelled as it was taken: nothing left to compute.
    if (!record) return 'gone';
    // Finished already (its worker lost the lock while completing it): done, not run again.
    if (record.state === 'finished' || record.state === 'failed') return record.state;
    if (record.cancel) {
      await store.deleteAsync(jobId, record.owner);
      await redis.publish(keys.events, encodeJobEvent({ type: 'cancelled', jobId, reason: record.cancel }));
      await endedAsync(record.owner);
      return 'cancelled';
    }
    const inputs = await store.readInputsAsync(record);
    if (!inputs) return failAsync(record, { type: 'error', code: 'internal', message: INPUTS_LOST_SENTENCE, jobId, requestId: record.requestId }, true);
    const controller = new AbortController();
    current = { jobId, controller };
    beat.currentJob = jobId;
    await store.markRunningAsync(jobId, name);
    void beatAsync();
    await redis.publish(keys.events, QUEUE_MOVED_EVENT);
    // A cancel published between reading the record and `current` being set is in the flag.
    const late = await store.cancelReasonAsync(jobId);
    if (late) controller.abort(late);
    const sink = new WorkerSink(redis, store, keys, jobId, name, o.logger);
    const acceptedMs = Date.parse(record.acceptedAt);
    const job: StylizeJob = {
      id: jobId,
      ownerId: record.owner,
      requestId: record.requestId,
      contents: inputs.contents,
      styles: inputs.styles.map((bytes, i) => ({ bytes, weight: record.styleWeights[i] ?? 1, cacheKey: styleCacheKey(bytes) })),
      regions: withMasks(record.regions, inputs.masks),
      featherPx: record.featherPx,
      options: record.options,
      progressEvery: record.progressEvery,
      acceptedAt: performance.now() - Math.max(0, Date.now() - (Number.isFinite(acceptedMs) ? acceptedMs : Date.now())),
      sink,
      connectionId: record.connectionId,
      // Stage images and results in Redis (TeamJobStore has the KeptJobFiles shape); finished before `completed` goes out.
      persist: keptJobPersistence(store, jobId, () => store.finishAsync(record, 'finished')),
    };
    Object.assign(progress, { contentIndex: 0, stage: 0, iteration: 0, startedAt: performance.now() });
    let outcome: 'completed' | 'cancelled' | 'failed';
    try {
      outcome = await runStylizeJobAsync(o.engine, job, controller.signal, o.logger, progress);
    } finally {
      current = null;
      beat.currentJob = null;
    }
    if (outcome === 'cancelled' && controller.signal.reason === 'shutdown') {
      // This worker is stopping: the job goes back to the queue, and the next worker resumes it.
      await bullJob.moveToWait(token);
      throw new WaitingError();
    }
    // run-job sent its error; without one (it never fails silently) the designer still gets a sentence.
    if (outcome === 'failed') return sink.error ? failAsync(record, sink.error) : failAsync(record, { type: 'error', code: 'internal', message: 'This job failed on the team server.', jobId }, true);
    if (outcome === 'cancelled') {
      await store.deleteAsync(jobId, record.owner);
      await sink.sendCancelledAsync();
    } else beat.jobsDone += 1;
    void beatAsync();
    await endedAsync(record.owner);
    return outcome;
  };

  /**
   * Kept as failed with the engine's sentence, counted in the recent failures; never retried.
   * `publish`: the error has not gone out yet (run-job sends its own).
   */
  const failAsync = async (record: TeamJobRecord, error: ErrorMessage, publish = false): Promise<never> => {
    await store.finishAsync(record, 'failed', { code: error.code, message: error.message });
    await store.pushFailureAsync({ jobId: record.jobId, owner: record.owner, worker: name, message: error.message, at: new Date().toISOString() });
    if (publish) await redis.publish(keys.events, encodeJobEvent(error));
    await endedAsync(record.owner);
    throw new UnrecoverableError(error.message);
  };

  // BullMQ leaves a connection it was given open on close: this one is closed below.
  const workerRedis = patientRedis(o.redisUrl, o.logger, 'worker-queue');
  const worker = new Worker<TeamJobData>(keys.queueName, processor, {
    connection: workerRedis,
    prefix: keys.bullPrefix,
    concurrency: 1,
    lockDuration: o.lockDurationMs ?? LOCK_DURATION_MS,
    stalledInterval: o.stalledIntervalMs ?? STALLED_INTERVAL_MS,
    maxStalledCount: o.maxStalledCount ?? MAX_STALLED_COUNT,
    name,
    autorun: false,
  });
  worker.on('error', (error) => o.logger.log('warn', 'team-worker-error', { detail: error.message }));
  worker.on('stalled', (jobId) => o.logger.log('warn', 'team-job-stalled', { jobId }));
  // A job that stalled past the limit fails in BullMQ without reaching a processor: the
  // designer still gets its sentence.
  worker.on('failed', (bullJob) => {
    const jobId = bullJob?.data.jobId;
    if (!jobId) return;
    void (async () => {
      const record = await store.getAsync(jobId);
      if (record && (record.state === 'queued' || record.state === 'running')) {
        await failAsync(record, { type: 'error', code: 'engine-failed', message: STALLED_OUT_SENTENCE, jobId, requestId: record.requestId }, true);
      }
    })().catch(() => undefined);
  });

  await beatAsync();
  const heartbeat = setInterval(() => void beatAsync(), heartbeatMs);
  void worker.run();
  o.logger.log('info', 'team-worker-start', { name, device: o.engineInfo.device, backend: o.engineInfo.backend });

  let closing: Promise<void> | null = null;
  return {
    name,
    jobsDone: () => beat.jobsDone,
    closeAsync() {
      closing ??= (async () => {
        current?.controller.abort('shutdown');
        const closed = worker.close();
        await Promise.race([closed, new Promise((resolve) => setTimeout(resolve, WORKER_CLOSE_TIMEOUT_MS).unref())]);
        clearInterval(heartbeat);
        await removeBeatAsync(redis, keys, name).catch(() => undefined);
        await queue.close().catch(() => undefined);
        subscriber.disconnect();
        workerRedis.disconnect();
        redis.disconnect();
        o.logger.log('info', 'team-worker-stop', { name, jobsDone: beat.jobsDone });
      })();
      return closing;
    },
  };
}
