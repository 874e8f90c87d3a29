import type { Redis } from 'ioredis';
import { z } from 'zod';
import type { InputConventionName } from '../engine/index.ts';
import type { RunnerInfo } from '../server/index.ts';
import type { TeamKeys } from './redis-keys.ts';

/**
 * A GPU worker's announcement: a hash that expires unless renewed, so the workers alive are
 * exactly the hashes that exist (a SIGKILLed worker drops out within its TTL).
 */
export interface WorkerBeat {
  name: string;
  engine: string;
  backend: string;
  device: string;
  convention: InputConventionName;
  /** The job it computes now, or null while idle. */
  currentJob: string | null;
  jobsDone: number;
  /** ISO times. */
  lastHeartbeat: string;
  startedAt: string;
  pid: number;
  host: string;
}

const beatSchema = z.object({
  name: z.string().min(1),
  engine: z.string(),
  backend: z.string(),
  device: z.string(),
  convention: z.enum(['caffe', 'torchvision']),
  currentJob: z.string().transform((s) => s || null),
  jobsDone: z.coerce.number().int().min(0),
  lastHeartbeat: z.string(),
  startedAt: z.string(),
  pid: z.coerce.number().int(),
  host: z.string(),
});

export async function writeBeatAsync(redis: Redis, keys: TeamKeys, beat: WorkerBeat, ttlMs: number): Promise<void> {
  const key = keys.worker(beat.name);
  await redis
    .multi()
    .hset(key, { ...beat, currentJob: beat.currentJob ?? '', jobsDone: String(beat.jobsDone), pid: String(beat.pid) })
    .pexpire(key, ttlMs)
    .sadd(keys.workerNames, beat.name)
    .exec();
}

export async function removeBeatAsync(redis: Redis, keys: TeamKeys, name: string): Promise<void> {
  await redis.multi().del(keys.worker(name)).srem(keys.workerNames, name).exec();
}

/** The workers alive now, by name; names whose hash expired are forgotten. */
export async function readBeatsAsync(redis: Redis, keys: TeamKeys): Promise<WorkerBeat[]> {
  const names = (await redis.smembers(keys.workerNames)).sort();
  if (names.length === 0) return [];
  const pipeline = redis.pipeline();
  for (const name of names) pipeline.hgetall(keys.worker(name));
  const replies = (await pipeline.exec()) ?? [];
  const beats: WorkerBeat[] = [];
  const gone: string[] = [];
  names.forEach((name, i) => {
    const [error, hash] = replies[i] ?? [null, null];
    const parsed = error ? null : beatSchema.safeParse(hash);
    if (parsed?.success) beats.push(parsed.data);
    else gone.push(name);
  });
  if (gone.length > 0) await redis.srem(keys.workerNames, ...gone);
  return beats;
}

/** What the welcome says computes the jobs: the first worker alive (they normally match). */
export function runnerInfoOf(beats: WorkerBeat[]): RunnerInfo | null {
  const first = beats[0];
  return first ? { engine: first.engine, backend: first.backend, device: first.device, convention: first.convention } : null;
}
