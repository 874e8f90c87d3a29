import { Redis, type RedisOptions } from 'ioredis';
import type { ErrorCode } from '../../protocol/index.ts';
import type { Logger } from '../server/index.ts';
import { COMMAND_TIMEOUT_MS, RECONNECT_MAX_MS, RECONNECT_STEP_MS } from './limits.ts';

/** What a designer reads while the team server cannot reach Redis. */
export const REDIS_DOWN_SENTENCE =
  'The team server cannot reach its job database (Redis) right now; try again in a minute, and tell whoever runs the server if it lasts.';

/**
 * A team-store operation failed because Redis is unreachable or too slow: the connection code
 * answers `code` and the sentence rather than waiting.
 */
export class TeamStoreError extends Error {
  readonly code: ErrorCode = 'not-ready';
  constructor(options?: { cause?: unknown }) {
    super(REDIS_DOWN_SENTENCE, options);
    this.name = 'TeamStoreError';
  }
}

/**
 * Runs a front door's Redis operation in bounded time: refused at once while the connection
 * is not ready, given up after `timeoutMs` (BullMQ's Queue waits for a connection rather than
 * failing, so the bound is applied here too); any failure becomes a TeamStoreError.
 */
export async function storeCallAsync<T>(redis: Redis, operation: () => Promise<T>, timeoutMs = COMMAND_TIMEOUT_MS): Promise<T> {
  if (redis.status !== 'ready') throw new TeamStoreError();
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      operation(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new TeamStoreError()), timeoutMs);
      }),
    ]);
  } catch (error) {
    if (error instanceof TeamStoreError) throw error;
    throw new TeamStoreError({ cause: error });
  } finally {
    clearTimeout(timer);
  }
}

const retryStrategy = (times: number): number => Math.min(times * RECONNECT_STEP_MS, RECONNECT_MAX_MS);

/** Redis's own error events, logged once per outage rather than once per reconnection try. */
function watch(redis: Redis, logger: Logger, role: string): Redis {
  let down = false;
  redis.on('error', (error: Error) => {
    if (down) return;
    down = true;
    logger.log('warn', 'redis-down', { role, detail: error.message });
  });
  redis.on('ready', () => {
    if (!down) return;
    down = false;
    logger.log('info', 'redis-back', { role });
  });
  return redis;
}

/**
 * A front door's command connection: never queues a command while disconnected and gives up
 * on one after COMMAND_TIMEOUT_MS, so every designer request is answered in bounded time;
 * reconnects by itself, forever.
 */
export function frontDoorRedis(url: string, logger: Logger, role = 'front-door'): Redis {
  const options: RedisOptions = {
    enableOfflineQueue: false,
    commandTimeout: COMMAND_TIMEOUT_MS,
    maxRetriesPerRequest: 0,
    retryStrategy,
    lazyConnect: false,
  };
  return watch(new Redis(url, options), logger, role);
}

/**
 * A connection that may wait for Redis: a pub/sub subscriber (resubscribes after a reconnect)
 * or a worker's, whose commands are better late than lost. BullMQ requires
 * `maxRetriesPerRequest: null` on the connections its Worker blocks on.
 */
export function patientRedis(url: string, logger: Logger, role: string): Redis {
  return watch(new Redis(url, { maxRetriesPerRequest: null, retryStrategy }), logger, role);
}
