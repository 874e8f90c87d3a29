import { DEFAULT_KEY_PREFIX, QUEUE_NAME } from './limits.ts';

/**
 * Every Redis key and channel of team jobs and workers, from one prefix (`atelier:` by
 * default). C's designer keys (`designer:*`, `invite:*`) live beside them under the same prefix.
 */
export interface TeamKeys {
  readonly prefix: string;
  /** BullMQ's own prefix (its keys are `<bullPrefix>:<queue>:…`) and queue name. */
  readonly bullPrefix: string;
  readonly queueName: string;
  /** Hash: the job's record (owner, placement, state, worker, latest started/progress…). */
  job(jobId: string): string;
  /** Hash: `content:<i>` and `style:<i>` encoded image bytes. */
  inputs(jobId: string): string;
  /** Hash: `stage:<i>` (0-based stage number) and `png:<i>` per content image: the last finished stage. */
  stages(jobId: string): string;
  /** Hash: `<i>` → the result PNG of content image i. */
  results(jobId: string): string;
  /** Sorted set: an owner's kept jobs by acceptance time (list, revoke). */
  ownerJobs(owner: string): string;
  /** Sorted set: an owner's jobs waiting or running, by acceptance time (fairness ranks). */
  ownerActive(owner: string): string;
  /** List: recent failures, newest first (JSON), for `team status`. */
  readonly failures: string;
  /** Set of worker names; each one's heartbeat hash expires with it. */
  readonly workerNames: string;
  worker(name: string): string;
  /** Pub/sub: job messages from workers to front doors. */
  readonly events: string;
  /** Pub/sub: cancels from front doors to whichever worker runs the job. */
  readonly cancel: string;
}

export function teamKeys(prefix = DEFAULT_KEY_PREFIX): TeamKeys {
  return {
    prefix,
    bullPrefix: `${prefix}bull`,
    queueName: QUEUE_NAME,
    job: (jobId) => `${prefix}job:${jobId}`,
    inputs: (jobId) => `${prefix}job:${jobId}:inputs`,
    stages: (jobId) => `${prefix}job:${jobId}:stages`,
    results: (jobId) => `${prefix}job:${jobId}:results`,
    ownerJobs: (owner) => `${prefix}job:owner:${owner}`,
    ownerActive: (owner) => `${prefix}job:owner-active:${owner}`,
    failures: `${prefix}job:failures`,
    workerNames: `${prefix}worker:names`,
    worker: (name) => `${prefix}worker:${name}`,
    events: `${prefix}events`,
    cancel: `${prefix}cancel`,
  };
}
