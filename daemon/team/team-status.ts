import { Queue } from 'bullmq';
import { closeRedisAsync, connectCommandRedisAsync } from './command-redis.ts';
import { waitingOrderAsync } from './fairness.ts';
import { teamKeys } from './redis-keys.ts';
import { listDesignersAsync } from './team-keys.ts';
import { TeamJobStore, type RecentFailure } from './team-job-store.ts';
import { readBeatsAsync, type WorkerBeat } from './worker-heartbeat.ts';

/** What `atelier team status` shows (its `--json` is this object). */
export interface TeamStatus {
  workers: WorkerBeat[];
  /** Jobs waiting, per designer: their key id, and their name while they are a designer. */
  waiting: Array<{ owner: string; designer: string | null; jobs: number }>;
  running: Array<{ jobId: string; owner: string; designer: string | null; worker: string | null; stage: number; iteration: number }>;
  failures: RecentFailure[];
}

/** How many waiting jobs the status reads at most. */
const STATUS_MAX_WAITING = 1_000;

/**
 * Reads the team's state from Redis with a team command's connection (command-redis.ts: a
 * RedisUnavailableError with its sentence at once when Redis cannot be reached).
 */
export async function readTeamStatusAsync(redisUrl: string, options: { prefix?: string } = {}): Promise<TeamStatus> {
  const keys = teamKeys(options.prefix);
  const redis = await connectCommandRedisAsync(redisUrl);
  let queue: Queue | undefined;
  try {
    queue = new Queue(keys.queueName, { connection: redis, prefix: keys.bullPrefix });
    queue.on('error', () => undefined);
    const store = new TeamJobStore(redis, keys);
    const workers = await readBeatsAsync(redis, keys);
    const waitingIds = await waitingOrderAsync(redis, queue, STATUS_MAX_WAITING);
    const waitingRecords = await store.getManyAsync(waitingIds);
    const perOwner = new Map<string, number>();
    for (const r of waitingRecords) if (r) perOwner.set(r.owner, (perOwner.get(r.owner) ?? 0) + 1);
    const names = new Map((await listDesignersAsync(redis, keys.prefix)).map((d) => [d.keyId, d.name]));
    const designer = (owner: string): string | null => names.get(owner) ?? null;
    const activeIds = await redis.lrange(queue.keys.active, 0, -1);
    const running = (await store.getManyAsync(activeIds)).flatMap((r) =>
      r ? [{ jobId: r.jobId, owner: r.owner, designer: designer(r.owner), worker: r.worker, stage: r.lastProgress?.stage ?? 0, iteration: r.lastProgress?.iteration ?? 0 }] : [],
    );
    return {
      workers,
      waiting: [...perOwner].map(([owner, jobs]) => ({ owner, designer: designer(owner), jobs })),
      running,
      failures: await store.recentFailuresAsync(),
    };
  } finally {
    await queue?.close().catch(() => undefined);
    await closeRedisAsync(redis);
  }
}

/** The status as lines for a terminal. */
export function formatTeamStatus(status: TeamStatus, now = Date.now()): string {
  const lines: string[] = [];
  lines.push(status.workers.length === 0 ? 'Workers: none alive (start `atelier worker --redis URL` on each GPU machine)' : `Workers (${status.workers.length}):`);
  for (const w of status.workers) {
    const age = Math.max(0, Math.round((now - Date.parse(w.lastHeartbeat)) / 1000));
    lines.push(`  ${w.name}  ${w.engine} ${w.backend} · ${w.device}  ${w.currentJob ? `running ${w.currentJob}` : 'idle'}  ${w.jobsDone} done  heartbeat ${age} s ago`);
  }
  const waitingTotal = status.waiting.reduce((n, w) => n + w.jobs, 0);
  lines.push(`Waiting: ${waitingTotal} job${waitingTotal === 1 ? '' : 's'}`);
  for (const w of status.waiting) lines.push(`  ${w.designer ?? `(key ${w.owner})`}: ${w.jobs}`);
  lines.push(`Running: ${status.running.length}`);
  for (const r of status.running) lines.push(`  ${r.jobId} (${r.designer ?? `key ${r.owner}`}) on ${r.worker ?? '?'}, stage ${r.stage}, iteration ${r.iteration}`);
  lines.push(status.failures.length === 0 ? 'Recent failures: none' : 'Recent failures:');
  for (const f of status.failures) lines.push(`  ${f.at} ${f.jobId} (${f.owner}) on ${f.worker ?? '?'}: ${f.message}`);
  return `${lines.join('\n')}\n`;
}

