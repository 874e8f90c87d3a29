import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { readDaemonVersion } from '../app/daemon-version.ts';
import { resolveUserDirs } from '../config/index.ts';
import { createJsonLogger } from '../server/index.ts';
import { startBullRunnerAsync } from '../team/bull-runner.ts';
import { RedisUnavailableError, closeRedisAsync, connectCommandRedisAsync, resolveRedisUrl } from '../team/command-redis.ts';
import { DEFAULT_TEAM_HOST, DEFAULT_TEAM_PORT, REDIS_URL_ENV, SECRET_FILE_ENV } from '../team/designer-limits.ts';
import { FrontDoorError, plainListenProblem, startFrontDoorAsync } from '../team/front-door.ts';
import { DEFAULT_KEY_PREFIX } from '../team/limits.ts';
import { ServerSecret, ServerSecretError, defaultSecretFile } from '../team/server-secret.ts';
import type { CliIo } from './stylize-command.ts';

export const SERVER_USAGE = `Usage: atelier server --redis URL [options]

A studio's team server: the front door designers' Figma and Photopea plugins connect to (their
"Team server" setting). Jobs go to Redis and are computed by GPU workers (atelier worker).

Options:
  --redis URL            the studio's Redis (default: $${REDIS_URL_ENV})
  --host H               address to listen on (default ${DEFAULT_TEAM_HOST}). Any other address needs TLS.
  --port P               port (default ${DEFAULT_TEAM_PORT})
  --tls-cert FILE        PEM certificate chain: wss:// and the Photopea page over https
  --tls-key FILE         its PEM private key
  --public-host NAME     a name designers reach the server by (repeat for several); required
                         unless listening on loopback
  --public-port N        the port designers' browsers see (443 behind a reverse proxy; default --port)
  --secret-file FILE     seals designers' keys in Redis (default: $${SECRET_FILE_ENV}, else team-secret in
                         the config folder; created 0600 on first start; back it up)
  --prefix P             Redis key prefix (default ${DEFAULT_KEY_PREFIX})
  -h, --help             this text

Behind a reverse proxy that terminates TLS (deploy/Caddyfile, deploy/nginx.conf):
  atelier server --redis redis://127.0.0.1:6379 --public-host atelier.studio.example --public-port 443
Directly over TLS:
  atelier server --redis redis://127.0.0.1:6379 --host 0.0.0.0 --port 443 --tls-cert cert.pem --tls-key key.pem --public-host atelier.studio.example
`;

function portOf(text: string | undefined, fallback: number): number | null {
  if (text === undefined) return fallback;
  return /^\d{1,5}$/.test(text) && Number(text) <= 65535 ? Number(text) : null;
}

/** `atelier server`: runs until SIGINT or SIGTERM (systemd's stop), then closes cleanly. */
export async function runServerCommandAsync(argv: string[], io: CliIo): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        redis: { type: 'string' },
        host: { type: 'string', default: DEFAULT_TEAM_HOST },
        port: { type: 'string' },
        'tls-cert': { type: 'string' },
        'tls-key': { type: 'string' },
        'public-host': { type: 'string', multiple: true },
        'public-port': { type: 'string' },
        'secret-file': { type: 'string' },
        prefix: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    io.stderr.write(`atelier server: ${(error as Error).message}\n\n${SERVER_USAGE}`);
    return 2;
  }
  if (values.help) {
    io.stdout.write(SERVER_USAGE);
    return 0;
  }
  const fail = (message: string, code = 2): number => {
    io.stderr.write(`atelier server: ${message}\n`);
    return code;
  };
  const url = resolveRedisUrl(values.redis, io.env);
  if (!url.ok) return fail(url.message);
  const port = portOf(values.port, DEFAULT_TEAM_PORT);
  if (port === null) return fail(`--port takes a number from 0 to 65535, not "${values.port}".`);
  const publicPort = portOf(values['public-port'], port);
  if (publicPort === null || publicPort === 0) return fail(`--public-port takes a number from 1 to 65535, not "${values['public-port']}".`);
  if ((values['tls-cert'] === undefined) !== (values['tls-key'] === undefined)) return fail('TLS needs both --tls-cert FILE and --tls-key FILE.');
  const plainProblem = plainListenProblem(values.host, values['tls-cert'] !== undefined);
  if (plainProblem) return fail(plainProblem);
  const publicHosts = values['public-host'] ?? [];
  const badHost = publicHosts.find((name) => !/^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+)$/.test(name));
  if (badHost !== undefined) return fail(`--public-host takes a host name or address without scheme or port (e.g. atelier.studio.example), not "${badHost}".`);

  let tls: { cert: Buffer; key: Buffer } | null = null;
  if (values['tls-cert'] && values['tls-key']) {
    try {
      tls = { cert: await readFile(values['tls-cert']), key: await readFile(values['tls-key']) };
    } catch (error) {
      return fail(`cannot read the TLS certificate or key (${(error as NodeJS.ErrnoException).code ?? String(error)}: ${(error as NodeJS.ErrnoException).path ?? ''}); check --tls-cert and --tls-key and that this user may read them.`, 1);
    }
  }
  const secretFile = values['secret-file'] ?? io.env[SECRET_FILE_ENV] ?? defaultSecretFile(resolveUserDirs(io.env).config);
  let secret: ServerSecret;
  try {
    secret = await ServerSecret.loadAsync(secretFile, true);
  } catch (error) {
    if (error instanceof ServerSecretError) return fail(error.message, 1);
    throw error;
  }

  // Redis there at start, or a sentence now (systemd restarts the unit until it is): the
  // runner's and the key store's connections would otherwise wait for it in silence.
  try {
    await closeRedisAsync(await connectCommandRedisAsync(url.url));
  } catch (error) {
    if (error instanceof RedisUnavailableError) return fail(error.message, 1);
    throw error;
  }
  const logger = createJsonLogger((line) => io.stderr.write(line));
  const prefix = values.prefix ?? DEFAULT_KEY_PREFIX;
  const runner = await startBullRunnerAsync({ redisUrl: url.url, prefix, logger });
  let door;
  try {
    door = await startFrontDoorAsync({
      redisUrl: url.url,
      prefix,
      secret,
      runner,
      host: values.host,
      port,
      tls,
      publicHosts,
      publicPort,
      version: readDaemonVersion(),
      logger,
    });
  } catch (error) {
    await runner.closeAsync().catch(() => undefined);
    if (error instanceof FrontDoorError || error instanceof ServerSecretError) return fail(error.message, 1);
    throw error;
  }
  const names = publicHosts.length > 0 ? publicHosts : ['localhost'];
  const suffix = publicPort === 443 ? '' : `:${publicPort}`;
  io.stdout.write(
    `Atelier team server listening on ${door.url}.\n` +
      `Designers set their plugins' Team server to ${names.map((n) => `wss://${n}${suffix}`).join(' or ')}; Photopea's panel is at https://${names[0]}${suffix}/photopea/.\n` +
      `Invite a designer: atelier team invite NAME --secret-file ${secretFile}\n`,
  );
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
    io.signal?.addEventListener('abort', stop, { once: true });
  });
  io.stdout.write('Closing the team server (jobs go on in the workers)…\n');
  await door.closeAsync();
  return 0;
}
