import { parseArgs } from 'node:util';
import { RedisUnavailableError, resolveRedisUrl } from '../team/command-redis.ts';
import { REDIS_URL_ENV } from '../team/designer-limits.ts';
import { DEFAULT_KEY_PREFIX } from '../team/limits.ts';
import { formatTeamStatus, readTeamStatusAsync } from '../team/team-status.ts';
import type { CliIo } from './stylize-command.ts';

export const TEAM_STATUS_USAGE = `Usage: atelier team status [--redis URL] [--json]

The studio's GPU workers (device, current job, jobs done, last heartbeat), the jobs waiting per
designer, the running jobs and the recent failures.

Options:
  --redis URL   the studio's Redis (default: $${REDIS_URL_ENV})
  --json        one JSON object: { workers: [...], waiting: [...], running: [...], failures: [...] }
  --prefix P    Redis key prefix (default ${DEFAULT_KEY_PREFIX})
  -h, --help    this text
`;

/** `atelier team status`: 0 shown, 1 Redis unreachable, 2 bad usage. */
export async function runTeamStatusCommandAsync(argv: string[], io: CliIo): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      options: { redis: { type: 'string' }, json: { type: 'boolean' }, prefix: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    }));
  } catch (error) {
    io.stderr.write(`atelier team status: ${(error as Error).message}\n\n${TEAM_STATUS_USAGE}`);
    return 2;
  }
  if (values.help) {
    io.stdout.write(TEAM_STATUS_USAGE);
    return 0;
  }
  const redis = resolveRedisUrl(values.redis, io.env);
  if (!redis.ok) {
    io.stderr.write(`atelier team status: ${redis.message}\n`);
    return 2;
  }
  try {
    const status = await readTeamStatusAsync(redis.url, { prefix: values.prefix ?? DEFAULT_KEY_PREFIX });
    io.stdout.write(values.json ? `${JSON.stringify(status)}\n` : formatTeamStatus(status));
    return 0;
  } catch (error) {
    if (!(error instanceof RedisUnavailableError)) throw error;
    io.stderr.write(`atelier team status: ${error.message}\n`);
    return 1;
  }
}
