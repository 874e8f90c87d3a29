import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { isIP } from 'node:net';
import type { Redis } from 'ioredis';
import { LIMITS, TEAM_INVITE_CAPABILITY, type DaemonStateInfo } from '../../protocol/index.ts';
import {
  connectionLimitsSchema,
  createConnectionHub,
  createPhotopeaPageHandler,
  publicHostPolicy,
  publicPageSite,
  serverOptionsSchema,
  type ConnectionLimitsInput,
  type JobRunner,
  type Logger,
} from '../server/index.ts';
import { NO_WORKER_SENTENCE } from './bull-runner.ts';
import { closeRedisAsync, unavailableSentence } from './command-redis.ts';
import { COMMAND_REDIS_TIMEOUT_MS, DEFAULT_TEAM_HOST, RUNNER_POLL_MS, TEAM_MAX_CONNECTIONS } from './designer-limits.ts';
import { InvitePairing, TEAM_PAIRING_SENTENCES } from './invites.ts';
import { DEFAULT_KEY_PREFIX, DEFAULT_MAX_QUEUED_JOBS } from './limits.ts';
import { frontDoorRedis, patientRedis } from './redis-connection.ts';
import type { ServerSecret } from './server-secret.ts';
import { TeamKeyStore } from './team-keys.ts';

/**
 * `atelier server`: a studio's front door (issue 30). The same protocol and the same connection
 * code as the local daemon (daemon/server's connection hub), with the designers' keys and
 * invites from Redis (team-keys.ts, invites.ts) and jobs handed to a JobRunner (the BullMQ one:
 * bull-runner.ts). It keeps no job state of its own: two front doors on one Redis serve the same
 * designers, and a restarted one finds its designers' jobs again through the runner.
 *
 * Over TLS (`tls`: wss:// and the Photopea page over https) or, only on a loopback address,
 * plain (ws://): a reverse proxy on the same machine terminates TLS (deploy/).
 */

export type FrontDoorErrorCode = 'plain_not_loopback' | 'no_public_host' | 'redis_unavailable' | 'listen_failed';

/** The front door cannot start; the sentence says what to change. */
export class FrontDoorError extends Error {
  constructor(
    readonly code: FrontDoorErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'FrontDoorError';
  }
}

export interface FrontDoorOptions {
  redisUrl: string;
  prefix?: string;
  secret: ServerSecret;
  /** Computes the jobs (closed by the front door's closeAsync). */
  runner: JobRunner;
  /** Address to listen on: a loopback one for plain ws:// behind a reverse proxy, any with `tls`. */
  host: string;
  /** 0: a free port (tests). */
  port: number;
  /** PEM certificate chain and key: wss:// and https. Null: plain, loopback only. */
  tls: { cert: string | Buffer; key: string | Buffer } | null;
  /**
   * The names designers reach the server by (the WebSocket's and the page's Host check; the page's
   * own https origin). Default on loopback: localhost, 127.0.0.1, [::1].
   */
  publicHosts: readonly string[];
  /** The port designers' browsers see: this one with TLS, the proxy's (443) behind one. */
  publicPort?: number;
  /** Origins allowed besides Figma's "null" and the server's own page. */
  allowedOrigins?: readonly string[];
  photopeaPageFile?: string;
  photopeaIconFile?: string;
  photopeaFrameAncestors?: readonly string[];
  version: string;
  logger: Logger;
  /** Options for the connection hub, within the local daemon's bounds (server-options.ts). */
  limits?: ConnectionLimitsInput;
  runnerPollMs?: number;
}

export interface FrontDoor {
  /** wss://HOST:PORT (or ws:// on loopback), as a designer's plugin would dial it. */
  url: string;
  port: number;
  /** Open connections. */
  readonly connections: number;
  closeAsync(): Promise<void>;
}

export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '');
  if (bare === 'localhost') return true;
  if (isIP(bare) === 4) return bare.startsWith('127.');
  return isIP(bare) === 6 && (bare === '::1' || bare === '0:0:0:0:0:0:0:1');
}

const READY_STATE = (): DaemonStateInfo => ({ state: 'ready', message: 'The team server is ready: its GPU workers take jobs.' });

async function waitReadyAsync(redis: Redis, url: string): Promise<void> {
  if (redis.status === 'ready') return;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      cleanup();
      reject(new FrontDoorError('redis_unavailable', unavailableSentence(url, new Error(`no answer within ${COMMAND_REDIS_TIMEOUT_MS / 1000} s`))));
    }, COMMAND_REDIS_TIMEOUT_MS);
    const onReady = () => {
      cleanup();
      resolve();
    };
    const cleanup = () => {
      clearTimeout(timer);
      redis.off('ready', onReady);
    };
    redis.on('ready', onReady);
  });
}

/** Why the front door may not listen on `host` as asked (plain ws:// off loopback), or null. */
export function plainListenProblem(host: string, tls: boolean): string | null {
  if (tls || isLoopbackHost(host)) return null;
  return `Without TLS the team server listens only on this machine (--host ${DEFAULT_TEAM_HOST}), behind a reverse proxy that terminates TLS; to listen on ${host}, give it a certificate: --tls-cert FILE --tls-key FILE. Designers' images and pairings must not cross the network in clear.`;
}

export async function startFrontDoorAsync(o: FrontDoorOptions): Promise<FrontDoor> {
  const loopback = isLoopbackHost(o.host);
  const plainProblem = plainListenProblem(o.host, o.tls !== null);
  if (plainProblem) throw new FrontDoorError('plain_not_loopback', plainProblem);
  const hostNames = o.publicHosts.length > 0 ? o.publicHosts : loopback ? LIMITS.LOOPBACK_HOSTS : [];
  if (hostNames.length === 0) {
    throw new FrontDoorError('no_public_host', `Which name do designers reach this server by? Pass --public-host NAME (e.g. --public-host atelier.studio.example), as in their plugins' Team server setting.`);
  }
  const { logger } = o;
  const prefix = o.prefix ?? DEFAULT_KEY_PREFIX;
  const redis = frontDoorRedis(o.redisUrl, logger, 'front-door-designers');
  const subscriber = patientRedis(o.redisUrl, logger, 'front-door-designers-channel');
  let keys: TeamKeyStore;
  try {
    await waitReadyAsync(redis, o.redisUrl);
    keys = await TeamKeyStore.openAsync({ redis, subscriber, secret: o.secret, prefix, logger });
  } catch (error) {
    await closeRedisAsync(redis);
    subscriber.disconnect();
    throw error;
  }
  const pairing = new InvitePairing({ redis, secret: o.secret, keys, logger, prefix });

  // Listen first: the page's own origin (allowed at the upgrade) needs the port really bound
  // (--port 0 in tests). Handlers are attached in this same turn, before any request is read.
  const http: HttpServer = o.tls ? createHttpsServer({ cert: o.tls.cert, key: o.tls.key }) : createHttpServer();
  try {
    await new Promise<void>((resolve, reject) => {
      http.once('error', reject);
      http.listen(o.port, o.host, () => {
        http.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    await keys.closeAsync();
    await closeRedisAsync(redis);
    subscriber.disconnect();
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new FrontDoorError('listen_failed', `The team server cannot listen on ${o.host}:${o.port} (${code}); ${code === 'EADDRINUSE' ? 'another program (or another front door) uses that port: pick another with --port' : 'check --host and --port'}.`);
  }
  const address = http.address();
  const port = typeof address === 'object' && address ? address.port : o.port;

  const handshake = publicHostPolicy({
    hostNames,
    publicPort: o.publicPort ?? port,
    allowedOrigins: o.allowedOrigins ?? [],
  });
  let ready = o.runner.info() !== null;
  const state = (): DaemonStateInfo => (ready ? READY_STATE() : { state: 'starting', message: NO_WORKER_SENTENCE });
  const limits = connectionLimitsSchema.parse({ maxConnections: TEAM_MAX_CONNECTIONS, maxQueuedJobs: DEFAULT_MAX_QUEUED_JOBS, ...o.limits });
  const hub = createConnectionHub({
    runner: o.runner,
    keys,
    pairing,
    logger,
    limits,
    handshake,
    version: o.version,
    capabilities: [TEAM_INVITE_CAPABILITY],
    state,
    notReadySentence: () => NO_WORKER_SENTENCE,
    shutdownSentence: 'The team server is restarting; your jobs go on and the plugin reconnects by itself.',
    sentences: TEAM_PAIRING_SENTENCES,
  });

  // A revoke from any front door or `team revoke`: this door's connections of that key close
  // (4002) and its waiting jobs are dropped (the runner's revoke is idempotent across doors).
  const stopRevokes = keys.onRevoked((keyIds) => {
    for (const keyId of keyIds) {
      const closed = hub.revokeKey(keyId);
      logger.log('info', 'designer-revoked', { keyId, connectionsClosed: closed });
      o.runner.revokeOwnerAsync(keyId).catch((error: unknown) => logger.log('warn', 'revoke-jobs-failed', { keyId, reason: error instanceof Error ? error.message : String(error) }));
    }
  });

  // Workers come and go: paired clients hear when jobs can (or can no longer) be computed.
  const poll = setInterval(() => {
    const now = o.runner.info() !== null;
    if (now === ready) return;
    ready = now;
    logger.log('info', 'team-state', { ready });
    // The hub reads runner.info() once for both the state and the engine (they must agree on the wire).
    hub.stateChanged();
  }, o.runnerPollMs ?? RUNNER_POLL_MS);
  poll.unref();

  const page = createPhotopeaPageHandler(
    {
      pageFile: o.photopeaPageFile ?? serverOptionsSchema.shape.photopeaPageFile.parse(undefined),
      iconFile: o.photopeaIconFile ?? serverOptionsSchema.shape.photopeaIconFile.parse(undefined),
      frameAncestors: o.photopeaFrameAncestors ?? serverOptionsSchema.shape.photopeaFrameAncestors.parse(undefined),
      logger,
    },
    publicPageSite(handshake),
  );
  http.on('request', page);
  http.on('upgrade', hub.handleUpgrade);
  const urlHost = o.host.includes(':') && !o.host.startsWith('[') ? `[${o.host}]` : o.host;
  const url = `${o.tls ? 'wss' : 'ws'}://${urlHost}:${port}`;
  logger.log('info', 'front-door-listening', { url, publicHosts: [...hostNames], tls: o.tls !== null, designers: keys.size, ready });

  let closing: Promise<void> | null = null;
  const closeOnceAsync = async (): Promise<void> => {
    clearInterval(poll);
    stopRevokes();
    hub.stopAccepting();
    // Jobs belong to Redis and the workers: closing the runner stops following them, nothing more.
    await o.runner.closeAsync().catch(() => undefined);
    await hub.closeAsync();
    await new Promise<void>((resolve) => {
      http.close(() => resolve());
      http.closeAllConnections();
    });
    await keys.closeAsync();
    await closeRedisAsync(redis);
    await closeRedisAsync(subscriber);
    logger.log('info', 'front-door-closed', {});
  };
  return {
    url,
    port,
    get connections() {
      return hub.size;
    },
    closeAsync: () => (closing ??= closeOnceAsync()),
  };
}
