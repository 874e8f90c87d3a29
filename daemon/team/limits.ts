/**
 * Defaults and bounds of team mode's jobs and workers (issue 30), in one place. Tests override
 * the timing ones through the runner's and the worker's options.
 */
import { SERVER_LIMITS } from '../server/index.ts';

/** Key prefix of every Redis key team mode writes (tests give each run its own). */
export const DEFAULT_KEY_PREFIX = 'atelier:';
/** BullMQ's queue name; its keys live under `<prefix>bull:<name>:…`. */
export const QUEUE_NAME = 'atelier-jobs';

/** Jobs waiting in the whole team queue (running ones aside) before new requests get `busy`. */
export const DEFAULT_MAX_QUEUED_JOBS = 200;
/**
 * Jobs one designer may have waiting (their running one aside): a studio's designer sends a
 * few variations at once, and fairness already puts their second job behind others' first.
 */
export const DEFAULT_MAX_WAITING_PER_DESIGNER = 8;
/**
 * The largest output side one designer's job may ask for: the studio's GPUs are shared, and a
 * 4096-pixel job holds one for many minutes. Figma's own limit (MAX_OUTPUT_SIDE) still bounds it.
 */
export const DEFAULT_MAX_SIDE_PER_DESIGNER = 2048;

/**
 * How long a finished job's results (and its inputs and record) stay in Redis for a panel that
 * was closed: the local daemon's waiting-result age, so a designer's week off costs the same.
 */
export const RESULT_TTL_MS = SERVER_LIMITS.DEFAULT_WAITING_RESULT_MAX_AGE_MS;
/**
 * A job without a placement (the CLI) has nowhere to be listed or reattached: its results
 * stay only long enough for a front door that missed their event to send them (reconnect).
 */
export const UNPLACED_RESULT_TTL_MS = 10 * 60_000;
/** Recent failures kept for `atelier team status`. */
export const MAX_RECENT_FAILURES = 20;

/**
 * A worker renews its heartbeat hash every HEARTBEAT_MS (between two engine iterations, as
 * run-job yields each one); the hash expires after HEARTBEAT_TTL_BEATS missed beats, so a killed
 * worker stops counting (and `info()` goes null when it was the last) within half a minute,
 * while a slow Redis round trip or a long iteration (a large tiled stage) does not drop it.
 */
export const HEARTBEAT_MS = 5_000;
export const HEARTBEAT_TTL_BEATS = 6;
/** How often a front door re-reads the heartbeats that `info()` answers from. */
export const WORKER_POLL_MS = 2_000;

/**
 * A running job's BullMQ lock: renewed every half of LOCK_DURATION_MS by the worker between two
 * engine iterations (run-job.ts yields each iteration), so it must outlast the longest
 * iteration; a worker killed mid-job loses it after that long, and the stalled check (every
 * STALLED_INTERVAL_MS, on any worker) puts the job back in the queue for another worker, which
 * resumes at its last finished stage. A job that stalls more than MAX_STALLED_COUNT times (it
 * kills every worker that takes it) fails.
 */
export const LOCK_DURATION_MS = 60_000;
export const STALLED_INTERVAL_MS = 15_000;
export const MAX_STALLED_COUNT = 2;

/**
 * Every Redis command of a front door gives up after this long (ioredis `commandTimeout`), and
 * none waits for a connection (`enableOfflineQueue: false`): with Redis down, a designer gets a
 * sentence at once rather than a spinner.
 */
export const COMMAND_TIMEOUT_MS = 3_000;
/**
 * A submit writes the job's images (up to the protocol's payload) and queues it: more than one
 * command's time. Past it the designer is told Redis is unreachable, and a job queued after
 * that is withdrawn.
 */
export const SUBMIT_TIMEOUT_MS = 10_000;
/** A revoke deletes every job of a designer, one by one. */
export const REVOKE_TIMEOUT_MS = 15_000;
/** Redis reconnection: the delay grows by this per try up to RECONNECT_MAX_MS, forever. */
export const RECONNECT_STEP_MS = 100;
export const RECONNECT_MAX_MS = 2_000;

/** A worker asked to stop (SIGTERM) gives its job back after at most one iteration, within this. */
export const WORKER_CLOSE_TIMEOUT_MS = 30_000;
