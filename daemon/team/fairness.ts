import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { TeamJobStore } from './team-job-store.ts';

/**
 * Fairness with BullMQ's own priorities rather than a queue of our own: a job's priority is
 * its rank among its owner's active (waiting or running) jobs, 1 for a designer's first. BullMQ
 * takes lower priorities first and, within one, the earlier added; so a designer's second job
 * waits behind every other designer's first. When a job ends its owner's later jobs move up a
 * rank (`changePriority` puts each behind the jobs already at its new rank: those arrived first).
 */
export async function reprioritizeOwnerAsync(queue: Queue, store: TeamJobStore, owner: string): Promise<void> {
  const ids = await store.ownerActiveIdsAsync(owner);
  for (const [i, id] of ids.entries()) {
    const rank = i + 1;
    const job = await queue.getJob(id);
    if (!job || job.priority === rank) continue;
    const state = await job.getState();
    // A running job's priority no longer matters; one that started since is harmless to change.
    if (state === 'prioritized' || state === 'waiting') await job.changePriority({ priority: rank });
  }
}

/** Waiting jobs in the order workers will take them: ids, next first. */
export async function waitingOrderAsync(redis: Redis, queue: Queue, limit: number): Promise<string[]> {
  // Jobs without a priority (none of ours; another producer's) go before prioritized ones.
  // BullMQ pushes on the left and takes from the right: the list's end is next.
  const plain = limit > 0 ? await redis.lrange(queue.keys.wait, -limit, -1) : [];
  const prioritized = await redis.zrange(queue.keys.prioritized, 0, Math.max(0, limit - plain.length) - 1);
  return [...plain.reverse(), ...prioritized].slice(0, limit);
}

/** Waiting jobs' 1-based places in line, in one round trip; jobs not waiting are left out. */
export async function waitingPositionsAsync(redis: Redis, queue: Queue, jobIds: string[]): Promise<Map<string, number>> {
  const positions = new Map<string, number>();
  if (jobIds.length === 0) return positions;
  const pipeline = redis.pipeline().llen(queue.keys.wait);
  for (const jobId of jobIds) pipeline.zrank(queue.keys.prioritized, jobId);
  const [[, plain], ...ranks] = ((await pipeline.exec()) ?? []) as Array<[unknown, unknown]>;
  jobIds.forEach((jobId, i) => {
    const rank = ranks[i]?.[1];
    // Jobs without a priority (a stalled one put back) go first: they come before the prioritized.
    if (typeof rank === 'number') positions.set(jobId, rank + 1 + (typeof plain === 'number' ? plain : 0));
  });
  return positions;
}

export async function waitingPositionAsync(redis: Redis, queue: Queue, jobId: string): Promise<number | null> {
  return (await waitingPositionsAsync(redis, queue, [jobId])).get(jobId) ?? null;
}
