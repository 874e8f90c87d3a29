import { Redis } from 'ioredis';
import { COMMAND_REDIS_TIMEOUT_MS, REDIS_URL_ENV } from './designer-limits.ts';

/**
 * A team command's Redis (invite, list, revoke, status): an admin at a terminal, so it fails at
 * once with a sentence when Redis cannot be reached, where services reconnect for ever
 * (redis-connection.ts).
 */

/** Redis cannot be reached (or refused us); the sentence says where and what to check. */
export class RedisUnavailableError extends Error {
  readonly code = 'redis_unavailable';
  constructor(message: string) {
    super(message);
    this.name = 'RedisUnavailableError';
  }
}

/** The URL with any password replaced, for sentences and logs. */
export function redactedRedisUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(not a URL)';
  }
}

/** `redis://` or `rediss://` (TLS), host and optional port, user, password, database; else a sentence. */
export function checkRedisUrl(url: string): string | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return `"${url}" is not a Redis URL; write it as redis://HOST:6379 (or rediss:// for TLS, redis://:PASSWORD@HOST:6379 with a password).`;
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') return `A Redis URL starts with redis:// or rediss://, not ${parsed.protocol}//.`;
  if (!parsed.hostname) return 'The Redis URL names no host; write it as redis://HOST:6379.';
  return null;
}

/** `--redis URL`, else ATELIER_REDIS_URL; a sentence when neither is given or the URL is malformed. */
export function resolveRedisUrl(flag: string | undefined, env: Readonly<Record<string, string | undefined>>): { ok: true; url: string } | { ok: false; message: string } {
  const url = flag ?? env[REDIS_URL_ENV];
  if (url === undefined || url === '') return { ok: false, message: `Which Redis? Pass --redis redis://HOST:6379 or set ${REDIS_URL_ENV}.` };
  const problem = checkRedisUrl(url);
  return problem ? { ok: false, message: problem } : { ok: true, url };
}

function reasonOf(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const message = error instanceof Error ? error.message : String(error);
  return code && !message.includes(code) ? `${code}: ${message}` : message;
}

export function unavailableSentence(url: string, error: unknown): string {
  return `Atelier cannot reach Redis at ${redactedRedisUrl(url)} (${reasonOf(error)}). Check that redis-server runs there (systemctl status redis-server) and that the URL, and its password if Redis has one, are right.`;
}

/** A team command's connection: connected now, or RedisUnavailableError within COMMAND_REDIS_TIMEOUT_MS. */
export async function connectCommandRedisAsync(url: string): Promise<Redis> {
  const redis = new Redis(url, {
    lazyConnect: true,
    connectTimeout: COMMAND_REDIS_TIMEOUT_MS,
    commandTimeout: COMMAND_REDIS_TIMEOUT_MS,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
  });
  // Errors come back through the failing command; an unhandled 'error' event would crash. The
  // event carries the cause (ECONNREFUSED, a wrong password) where the command says only "closed".
  let cause: unknown = null;
  redis.on('error', (error: unknown) => (cause ??= error));
  try {
    await redis.connect();
    await redis.ping();
  } catch (error) {
    redis.disconnect();
    throw new RedisUnavailableError(unavailableSentence(url, cause ?? error));
  }
  return redis;
}

/** Quits politely, or drops the socket when Redis is not there to answer. */
export async function closeRedisAsync(redis: Redis): Promise<void> {
  if (redis.status === 'ready') {
    try {
      await redis.quit();
      return;
    } catch {
      // fall through
    }
  }
  redis.disconnect();
}
