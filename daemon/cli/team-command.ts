import { parseArgs } from 'node:util';
import type { Redis } from 'ioredis';
import { formatPairingCode } from '../../protocol/index.ts';
import { resolveUserDirs } from '../config/index.ts';
import { createMemoryLogger } from '../server/index.ts';
import { startBullRunnerAsync } from '../team/bull-runner.ts';
import { TeamStoreError } from '../team/redis-connection.ts';
import { RedisUnavailableError, closeRedisAsync, connectCommandRedisAsync, resolveRedisUrl } from '../team/command-redis.ts';
import { INVITE_GUESS_BUDGET, REDIS_URL_ENV, SECRET_FILE_ENV } from '../team/designer-limits.ts';
import { checkDesignerName, createInviteAsync, listInvitesAsync } from '../team/invites.ts';
import { DEFAULT_KEY_PREFIX } from '../team/limits.ts';
import { teamKeys } from '../team/redis-keys.ts';
import { TeamJobStore } from '../team/team-job-store.ts';
import { ServerSecret, ServerSecretError, defaultSecretFile } from '../team/server-secret.ts';
import { listDesignersAsync, revokeDesignerAsync } from '../team/team-keys.ts';
import type { CliIo } from './stylize-command.ts';
import { runTeamStatusCommandAsync } from './team-status-command.ts';

export const TEAM_USAGE = `Usage: atelier team <command> [--redis URL] [options]

A studio's designers, on its team server (atelier server):
  invite NAME [--secret-file FILE]   an 8-digit code that pairs one plugin of NAME's, once, within a day
  list [--json]                      designers: name, plugin, paired at, key id, jobs waiting; open invites
  revoke NAME                        forget all of NAME's keys and invites; their connections close and
                                     their waiting jobs are dropped
  status [--json]                    workers, jobs waiting per designer, recent failures

Options:
  --redis URL          the studio's Redis (default: $${REDIS_URL_ENV})
  --secret-file FILE   the front door's secret file (default: $${SECRET_FILE_ENV}, else team-secret in
                       the config folder of the user running this): run invite as the server's user
  --prefix P           Redis key prefix (default ${DEFAULT_KEY_PREFIX})
  -h, --help           this text
`;

interface Parsed {
  command: string;
  name: string | undefined;
  json: boolean;
  redisFlag: string | undefined;
  secretFile: string | undefined;
  prefix: string;
}

function parse(argv: string[]): Parsed | string {
  let values;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: true,
      options: {
        redis: { type: 'string' },
        'secret-file': { type: 'string' },
        prefix: { type: 'string' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    return (error as Error).message;
  }
  if (values.help) return 'help';
  const [command, ...names] = positionals;
  return {
    command: command ?? '',
    // A name may hold spaces: `team invite Ana María` works as well as quoted.
    name: names.length > 0 ? names.join(' ') : undefined,
    json: values.json ?? false,
    redisFlag: values.redis,
    secretFile: values['secret-file'],
    prefix: values.prefix ?? DEFAULT_KEY_PREFIX,
  };
}

/** `atelier team invite|list|revoke|status`. */
export async function runTeamCommandAsync(argv: string[], io: CliIo): Promise<number> {
  if (argv[0] === 'status') return runTeamStatusCommandAsync(argv.slice(1), io);
  const parsed = parse(argv);
  if (parsed === 'help') {
    io.stdout.write(TEAM_USAGE);
    return 0;
  }
  if (typeof parsed === 'string') {
    io.stderr.write(`atelier team: ${parsed}\n\n${TEAM_USAGE}`);
    return 2;
  }
  const needsName = parsed.command === 'invite' || parsed.command === 'revoke';
  if (!['invite', 'list', 'revoke'].includes(parsed.command) || needsName !== (parsed.name !== undefined)) {
    io.stderr.write(`atelier team: ${parsed.command ? (needsName ? `${parsed.command} needs the designer's name` : `unexpected "${parsed.name ?? parsed.command}"`) : 'which command?'}\n\n${TEAM_USAGE}`);
    return 2;
  }
  if (parsed.name !== undefined) {
    const problem = checkDesignerName(parsed.name);
    if (problem) {
      io.stderr.write(`atelier team: ${problem}\n`);
      return 2;
    }
  }
  const url = resolveRedisUrl(parsed.redisFlag, io.env);
  if (!url.ok) {
    io.stderr.write(`atelier team: ${url.message}\n`);
    return 2;
  }
  let redis: Redis | null = null;
  try {
    // Before Redis: a missing secret is the likelier mistake, and says where the server keeps it.
    const secret = parsed.command === 'invite' ? await ServerSecret.loadAsync(parsed.secretFile ?? io.env[SECRET_FILE_ENV] ?? defaultSecretFile(resolveUserDirs(io.env).config), false) : null;
    redis = await connectCommandRedisAsync(url.url);
    if (parsed.command === 'invite') return await inviteAsync(redis, secret!, parsed.name!, parsed.prefix, io);
    if (parsed.command === 'revoke') return await revokeAsync(redis, url.url, parsed.name!, parsed.prefix, io);
    return await listAsync(redis, parsed.prefix, parsed.json, io);
  } catch (error) {
    if (error instanceof RedisUnavailableError || error instanceof ServerSecretError) {
      io.stderr.write(`atelier team: ${error.message}\n`);
      return 1;
    }
    throw error;
  } finally {
    if (redis) await closeRedisAsync(redis);
  }
}

function utc(date: Date): string {
  return `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

async function inviteAsync(redis: Redis, secret: ServerSecret, name: string, prefix: string, io: CliIo): Promise<number> {
  const invite = await createInviteAsync(redis, secret, name, { prefix });
  io.stdout.write(
    [
      `Invite for ${name}: ${formatPairingCode(invite.code)}`,
      `Valid until ${utc(invite.expiresAt)}, for one plugin (Figma and Photopea each need an invite of their own).`,
      `In the plugin's settings, set the team server (wss://HOST), then enter this code. It is shown only now; ${INVITE_GUESS_BUDGET} wrong tries burn it.`,
      '',
    ].join('\n'),
  );
  return 0;
}

async function revokeAsync(redis: Redis, url: string, name: string, prefix: string, io: CliIo): Promise<number> {
  const { keyIds, invites } = await revokeDesignerAsync(redis, name, prefix);
  if (keyIds.length === 0 && invites === 0) {
    io.stderr.write(`atelier team: no designer named "${name}" (names compare exactly; see atelier team list).\n`);
    return 1;
  }
  const parts = [];
  if (keyIds.length > 0) parts.push(`${keyIds.length} key${keyIds.length === 1 ? '' : 's'} (${keyIds.join(', ')})`);
  if (invites > 0) parts.push(`${invites} open invite${invites === 1 ? '' : 's'}`);
  io.stdout.write(`Revoked ${name}: ${parts.join(' and ')}. Running front doors close their connections now.\n`);
  if (keyIds.length > 0) {
    // Their jobs go too, here: a front door drops them when it hears of the revoke, but none may
    // be running now, and one started later never knew the key. Dropping twice is harmless.
    const runner = await startBullRunnerAsync({ redisUrl: url, prefix, logger: createMemoryLogger() });
    try {
      for (const keyId of keyIds) await runner.revokeOwnerAsync(keyId);
    } catch (error) {
      if (!(error instanceof TeamStoreError)) throw error;
      io.stderr.write(`atelier team: ${name}'s jobs could not be deleted now (Redis stopped answering); front doors delete them when they hear of the revoke, or run this again.\n`);
      return 1;
    } finally {
      await runner.closeAsync();
    }
    io.stdout.write('Their waiting jobs and kept results are deleted; a running one stops within an iteration.\n');
  }
  return 0;
}

async function listAsync(redis: Redis, prefix: string, json: boolean, io: CliIo): Promise<number> {
  const [designers, invites] = await Promise.all([listDesignersAsync(redis, prefix), listInvitesAsync(redis, prefix)]);
  // Waiting: queued, not yet taken by a worker (the designer's active jobs less the running one).
  const store = new TeamJobStore(redis, teamKeys(prefix));
  const rows = await Promise.all(
    designers.map(async (d) => {
      const records = await store.getManyAsync(await store.ownerActiveIdsAsync(d.keyId));
      return { ...d, jobsWaiting: records.filter((r) => r?.state === 'queued').length };
    }),
  );
  if (json) {
    io.stdout.write(`${JSON.stringify({ designers: rows, invites: invites.map((i) => ({ ...i, expiresAt: i.expiresAt.toISOString() })) }, null, 2)}\n`);
    return 0;
  }
  if (rows.length === 0 && invites.length === 0) {
    io.stdout.write('No designers yet: atelier team invite NAME makes a code for one.\n');
    return 0;
  }
  const table = [['NAME', 'PLUGIN', 'PAIRED AT', 'KEY ID', 'JOBS WAITING'], ...rows.map((r) => [r.name, r.clientName, utc(new Date(r.pairedAt)), r.keyId, String(r.jobsWaiting)])];
  const widths = table[0]!.map((_, c) => Math.max(...table.map((row) => row[c]!.length)));
  if (rows.length > 0) io.stdout.write(table.map((row) => row.map((cell, c) => cell.padEnd(widths[c]!)).join('  ').trimEnd()).join('\n') + '\n');
  for (const i of invites) io.stdout.write(`Invite for ${i.name} (starts with ${i.slot}): open until ${utc(i.expiresAt)}, ${i.guesses} of ${INVITE_GUESS_BUDGET} tries used\n`);
  return 0;
}
