import type { Redis } from 'ioredis';
import { z } from 'zod';
import { errorCodeSchema, placementSchema, progressSchema, startedSchema, type ErrorCode, type Placement, type ProgressMessage, type StartedMessage } from '../../protocol/index.ts';
import type { StyleOptions } from '../engine/index.ts';
import { keptFeatherSchema, keptRegionsFit, keptRegionsSchema, type KeptRegion } from '../server/index.ts';
import { MAX_RECENT_FAILURES, RESULT_TTL_MS, UNPLACED_RESULT_TTL_MS } from './limits.ts';
import type { TeamKeys } from './redis-keys.ts';

/**
 * A team job as Redis keeps it (redis-keys.ts): its record, inputs, last finished stage per
 * content image, and results. Front doors and workers share it; neither keeps a copy.
 */

/** queued → running → finished | failed (cancelled jobs are deleted, not kept). */
export const TEAM_JOB_STATES = ['queued', 'running', 'finished', 'failed'] as const;
export type TeamJobState = (typeof TEAM_JOB_STATES)[number];
export type TeamCancelReason = 'client' | 'disconnect';

export interface TeamJobRecord {
  jobId: string;
  owner: string;
  clientName: string;
  requestId: string;
  /** The asking connection, for a job without a placement (it ends with that connection). */
  connectionId: string | null;
  placement: Placement | null;
  acceptedAt: string;
  contentCount: number;
  styleWeights: number[];
  /** Masked regions (issue 31), their masks among the inputs (`mask:<i>`); none for a job from before them. */
  regions: KeptRegion[];
  featherPx: number | null;
  options: Partial<StyleOptions>;
  progressEvery: number;
  state: TeamJobState;
  /** A failed job's wire code and sentence, as the engine gave them. */
  code: ErrorCode | null;
  message: string | null;
  worker: string | null;
  startedAt: string | null;
  finishedAt: string | null;
  /** A cancel asked while the job was between two workers' hands: the next one ends it at once. */
  cancel: TeamCancelReason | null;
  /** The running content image's latest `started` and `progress` (for a reattach and the status). */
  lastStarted: StartedMessage | null;
  lastProgress: ProgressMessage | null;
}

/** A job's encoded images: one mask per region of its record, in its order. */
export interface TeamJobInputs {
  contents: Uint8Array[];
  styles: Uint8Array[];
  masks: Uint8Array[];
}

export type NewTeamJob = Omit<TeamJobRecord, 'state' | 'code' | 'message' | 'worker' | 'startedAt' | 'finishedAt' | 'cancel' | 'lastStarted' | 'lastProgress'>;

const optionalJson = <T extends z.ZodTypeAny>(schema: T) =>
  z
    .string()
    .optional()
    .transform((s, ctx) => {
      if (!s) return null;
      try {
        return JSON.parse(s) as unknown;
      } catch {
        ctx.addIssue({ code: z.ZodIssueCode.custom, message: 'not JSON' });
        return z.NEVER;
      }
    })
    .pipe(schema.nullable());

const optionValue = z.union([z.string(), z.number(), z.boolean(), z.array(z.string()), z.array(z.number())]);

/** The record hash as Redis returns it (all strings): checked, since Redis is shared with other programs. */
const recordHashSchema = z.object({
  owner: z.string().min(1),
  clientName: z.string(),
  requestId: z.string(),
  connectionId: z.string().optional().transform((s) => s || null),
  placement: optionalJson(placementSchema),
  acceptedAt: z.string(),
  contentCount: z.coerce.number().int().positive(),
  styleWeights: optionalJson(z.array(z.number())),
  regions: optionalJson(keptRegionsSchema),
  featherPx: optionalJson(keptFeatherSchema),
  options: optionalJson(z.record(z.string(), optionValue)),
  progressEvery: z.coerce.number().int().positive(),
  state: z.enum(TEAM_JOB_STATES),
  code: z.union([z.literal(''), errorCodeSchema]).optional().transform((s) => s || null),
  message: z.string().optional().transform((s) => s || null),
  worker: z.string().optional().transform((s) => s || null),
  startedAt: z.string().optional().transform((s) => s || null),
  finishedAt: z.string().optional().transform((s) => s || null),
  cancel: z.enum(['', 'client', 'disconnect']).optional().transform((s) => (s ? s : null)),
  lastStarted: optionalJson(startedSchema),
  lastProgress: optionalJson(progressSchema),
});

export interface RecentFailure {
  jobId: string;
  owner: string;
  worker: string | null;
  message: string;
  at: string;
}
const recentFailureSchema = z.object({ jobId: z.string(), owner: z.string(), worker: z.string().nullable(), message: z.string(), at: z.string() });

export class TeamJobStore {
  constructor(
    readonly redis: Redis,
    readonly keys: TeamKeys,
  ) {}

  /**
   * Keeps a new job and counts it among its owner's active jobs; returns its rank there
   * (1 = the owner's only active job), the fairness priority it is queued with.
   */
  async createAsync(job: NewTeamJob, inputs: TeamJobInputs, acceptedMs: number): Promise<number> {
    const k = this.keys;
    const inputFields: Record<string, Buffer> = {};
    inputs.contents.forEach((bytes, i) => (inputFields[`content:${i}`] = Buffer.from(bytes)));
    inputs.styles.forEach((bytes, i) => (inputFields[`style:${i}`] = Buffer.from(bytes)));
    inputs.masks.forEach((bytes, i) => (inputFields[`mask:${i}`] = Buffer.from(bytes)));
    const replies = await this.redis
      .multi()
      .hset(k.job(job.jobId), {
        owner: job.owner,
        clientName: job.clientName,
        requestId: job.requestId,
        connectionId: job.connectionId ?? '',
        placement: job.placement ? JSON.stringify(job.placement) : '',
        acceptedAt: job.acceptedAt,
        contentCount: String(job.contentCount),
        styleWeights: JSON.stringify(job.styleWeights),
        regions: JSON.stringify(job.regions),
        featherPx: JSON.stringify(job.featherPx),
        options: JSON.stringify(job.options),
        progressEvery: String(job.progressEvery),
        state: 'queued',
      })
      .hset(k.inputs(job.jobId), inputFields)
      .pexpire(k.job(job.jobId), RESULT_TTL_MS)
      .pexpire(k.inputs(job.jobId), RESULT_TTL_MS)
      .zadd(k.ownerJobs(job.owner), acceptedMs, job.jobId)
      .zadd(k.ownerActive(job.owner), acceptedMs, job.jobId)
      .zcard(k.ownerActive(job.owner))
      .exec();
    const rank = replies?.at(-1)?.[1];
    return typeof rank === 'number' ? rank : 1;
  }

  async getAsync(jobId: string): Promise<TeamJobRecord | null> {
    return recordOf(jobId, await this.redis.hgetall(this.keys.job(jobId)));
  }

  /** Many records in one round trip; null where a record expired or is unreadable. */
  async getManyAsync(jobIds: string[]): Promise<Array<TeamJobRecord | null>> {
    if (jobIds.length === 0) return [];
    const pipeline = this.redis.pipeline();
    for (const id of jobIds) pipeline.hgetall(this.keys.job(id));
    const replies = (await pipeline.exec()) ?? [];
    return jobIds.map((id, i) => {
      const [error, hash] = replies[i] ?? [null, null];
      return error ? null : recordOf(id, hash as Record<string, string> | null);
    });
  }

  /** The record's inputs (its content images, styles and region masks); null when any is gone. */
  async readInputsAsync(record: Pick<TeamJobRecord, 'jobId' | 'contentCount' | 'styleWeights' | 'regions'>): Promise<TeamJobInputs | null> {
    const styleCount = record.styleWeights.length;
    const names = (prefix: string, count: number): string[] => Array.from({ length: count }, (_, i) => `${prefix}:${i}`);
    const fields = [...names('content', record.contentCount), ...names('style', styleCount), ...names('mask', record.regions.length)];
    const values = await this.redis.hmgetBuffer(this.keys.inputs(record.jobId), ...fields);
    if (values.some((v) => v === null)) return null;
    const bytes = values as Buffer[];
    const masksAt = record.contentCount + styleCount;
    return { contents: bytes.slice(0, record.contentCount), styles: bytes.slice(record.contentCount, masksAt), masks: bytes.slice(masksAt) };
  }

  async markRunningAsync(jobId: string, worker: string): Promise<void> {
    await this.redis.hset(this.keys.job(jobId), { state: 'running', worker, startedAt: new Date().toISOString(), lastStarted: '', lastProgress: '' });
  }

  async setCancelAsync(jobId: string, reason: TeamCancelReason): Promise<void> {
    // Only on a record that still exists: a cancel must not resurrect a deleted job as a husk.
    await this.redis.eval("if redis.call('exists', KEYS[1]) == 1 then redis.call('hset', KEYS[1], 'cancel', ARGV[1]) end return 0", 1, this.keys.job(jobId), reason);
  }

  async cancelReasonAsync(jobId: string): Promise<TeamCancelReason | null> {
    const reason = await this.redis.hget(this.keys.job(jobId), 'cancel');
    return reason === 'client' || reason === 'disconnect' ? reason : null;
  }

  /** The latest started/progress of the running content image, for reattaching panels. */
  async noteMessageAsync(jobId: string, field: 'lastStarted' | 'lastProgress', message: StartedMessage | ProgressMessage): Promise<void> {
    await this.redis.hset(this.keys.job(jobId), field, JSON.stringify(message));
  }

  async saveStageAsync(jobId: string, contentIndex: number, stage: number, png: Uint8Array): Promise<void> {
    await this.redis
      .multi()
      .hset(this.keys.stages(jobId), { [`stage:${contentIndex}`]: String(stage), [`png:${contentIndex}`]: Buffer.from(png) })
      .pexpire(this.keys.stages(jobId), RESULT_TTL_MS)
      .exec();
  }

  async latestStageAsync(jobId: string, contentIndex: number): Promise<{ stage: number; png: Uint8Array } | null> {
    const [stage, png] = await this.redis.hmgetBuffer(this.keys.stages(jobId), `stage:${contentIndex}`, `png:${contentIndex}`);
    const n = stage ? Number(stage.toString('utf8')) : NaN;
    return png && Number.isInteger(n) && n >= 0 ? { stage: n, png } : null;
  }

  async saveResultAsync(jobId: string, contentIndex: number, png: Uint8Array): Promise<void> {
    await this.redis.multi().hset(this.keys.results(jobId), String(contentIndex), Buffer.from(png)).pexpire(this.keys.results(jobId), RESULT_TTL_MS).exec();
  }

  async readResultAsync(jobId: string, contentIndex: number): Promise<Uint8Array | null> {
    return this.redis.hgetBuffer(this.keys.results(jobId), String(contentIndex));
  }

  /**
   * The job ended: kept as finished (its results wait for `placed`) or failed (its sentence
   * waits for the panel), no longer active for fairness; stage images go.
   */
  async finishAsync(record: TeamJobRecord, state: 'finished' | 'failed', failure?: { code: ErrorCode; message: string }): Promise<void> {
    const k = this.keys;
    const ttl = record.placement ? RESULT_TTL_MS : UNPLACED_RESULT_TTL_MS;
    await this.redis
      .multi()
      .hset(k.job(record.jobId), { state, code: failure?.code ?? '', message: failure?.message ?? '', finishedAt: new Date().toISOString() })
      .del(k.stages(record.jobId), k.inputs(record.jobId))
      .pexpire(k.job(record.jobId), ttl)
      .pexpire(k.results(record.jobId), ttl)
      .zrem(k.ownerActive(record.owner), record.jobId)
      .exec();
  }

  /** Forgets a job entirely: cancelled, placed, or its designer revoked. */
  async deleteAsync(jobId: string, owner: string): Promise<void> {
    const k = this.keys;
    await this.redis
      .multi()
      .del(k.job(jobId), k.inputs(jobId), k.stages(jobId), k.results(jobId))
      .zrem(k.ownerJobs(owner), jobId)
      .zrem(k.ownerActive(owner), jobId)
      .exec();
  }

  /** An owner's kept jobs, oldest first (records that expired are dropped from the index). */
  async ownerRecordsAsync(owner: string): Promise<TeamJobRecord[]> {
    const ids = await this.redis.zrange(this.keys.ownerJobs(owner), 0, -1);
    const records = await this.getManyAsync(ids);
    const gone = ids.filter((_, i) => records[i] === null);
    if (gone.length > 0) await this.redis.zrem(this.keys.ownerJobs(owner), ...gone);
    return records.filter((r): r is TeamJobRecord => r !== null);
  }

  /** An owner's waiting and running jobs, oldest first: the order fairness ranks them in. */
  async ownerActiveIdsAsync(owner: string): Promise<string[]> {
    return this.redis.zrange(this.keys.ownerActive(owner), 0, -1);
  }

  async pushFailureAsync(failure: RecentFailure): Promise<void> {
    await this.redis.multi().lpush(this.keys.failures, JSON.stringify(failure)).ltrim(this.keys.failures, 0, MAX_RECENT_FAILURES - 1).exec();
  }

  async recentFailuresAsync(): Promise<RecentFailure[]> {
    const lines = await this.redis.lrange(this.keys.failures, 0, MAX_RECENT_FAILURES - 1);
    return lines.flatMap((line) => {
      try {
        const parsed = recentFailureSchema.safeParse(JSON.parse(line));
        return parsed.success ? [parsed.data] : [];
      } catch {
        return [];
      }
    });
  }
}

function recordOf(jobId: string, hash: Record<string, string> | null): TeamJobRecord | null {
  if (!hash || Object.keys(hash).length === 0) return null;
  const parsed = recordHashSchema.safeParse(hash);
  if (!parsed.success) return null;
  const r = parsed.data;
  const styleWeights = r.styleWeights ?? [];
  const regions = r.regions ?? [];
  // A region naming an image the job does not have would paint the wrong layer: unreadable.
  if (!keptRegionsFit(regions, r.contentCount, styleWeights.length)) return null;
  return {
    ...r,
    jobId,
    styleWeights,
    regions,
    options: (r.options ?? {}) as Partial<StyleOptions>,
  };
}
