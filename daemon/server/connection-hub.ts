import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { DAEMON_STATE_CAPABILITY, LIMITS, PROTOCOL_VERSION, REGIONS_CAPABILITY, type DaemonStateInfo, type DaemonStateMessage, type WelcomeMessage } from '../../protocol/index.ts';
import { PRESET_NAMES } from '../engine/index.ts';
import { admit, claimsReservedSlot, full } from './admission.ts';
import { CLOSE_CODES, ClientConnection, type ServerContext } from './connection.ts';
import { checkHandshake, type HandshakePolicy } from './handshake.ts';
import type { JobRunner, RunnerInfo } from './job-runner.ts';
import { MAX_WAITING_UPGRADES, SHUTDOWN_GRACE_MS, UPGRADE_RETRY_MS, UPGRADE_WAIT_MS } from './limits.ts';
import type { Logger } from './logger.ts';
import type { KeyStore, PairingSource } from './pairing-seam.ts';
import { LOCAL_PAIRING_SENTENCES, type PairingSentences } from './pairing-sentences.ts';
import { connectionLimitsSchema, type ConnectionLimitsInput } from './server-options.ts';
import { UpgradeQueue } from './upgrade-queue.ts';

/**
 * 'style-scale', 'colors', 'style-size': stylize options take `styleScale`, `colors`,
 * `styleSize` (a client checks before sending them: older daemons refuse unknown options).
 * 'estimate': paired clients may send `estimate` (answered by `estimate-result`).
 * 'jobs': stylize takes a `placement` (such jobs outlive the connection) and paired clients may
 * send `list-jobs`, `reattach` and `placed`.
 * REGIONS_CAPABILITY: stylize takes `regions` (masks, one style region each) and `featherPx`; both
 * runners (the local one and a team's workers) run them, and keep the masks with a kept job.
 */
/** The ready state's words when its server gives none (the local daemon's own too). */
export const READY_MESSAGE = 'Atelier is ready.';
const CAPABILITIES = ['preview', 'cancel', 'multi-content', 'style-blend', 'status', DAEMON_STATE_CAPABILITY, 'style-scale', 'colors', 'style-size', 'estimate', 'jobs', REGIONS_CAPABILITY];

export interface ConnectionHubOptions {
  runner: JobRunner;
  keys: KeyStore;
  pairing: PairingSource;
  logger: Logger;
  /** Defaults from limits.ts for whatever is left out. */
  limits?: ConnectionLimitsInput;
  /** Host and Origin of an upgrade (handshake.ts: loopbackPolicy, publicHostPolicy). */
  handshake: HandshakePolicy;
  /** `welcome.daemon.version`. */
  version: string;
  /**
   * Capabilities of every welcome, the unpaired one included (a team server: TEAM_INVITE_CAPABILITY,
   * so that its plugins send `pair.invite`). The paired welcome adds the protocol's features.
   */
  capabilities?: readonly string[];
  /**
   * Where the server stands, in the paired welcome: `ready` exactly while `runner.info()` is not
   * null (the welcome's engine is null exactly while the state is not ready).
   */
  state(): DaemonStateInfo;
  /** The `not-ready` error's sentence, while `runner.info()` is null. */
  notReadySentence(): string;
  /** The `shutdown` message's sentence when the server closes. */
  shutdownSentence: string;
  /** What designers read when pairing goes wrong, where the local daemon's (tray, terminal) do not fit. */
  sentences?: Partial<PairingSentences>;
  /** A connection opened or closed (the tray's activity). */
  onConnectionsChanged?(count: number): void;
}

/**
 * The connections of a server, whatever listens for them: the local daemon's loopback HTTP
 * servers or a team front door's https server hand it their `upgrade` events.
 */
export interface ConnectionHub {
  /** An HTTP server's 'upgrade' listener: checks Host/Origin and the slots, then makes a connection (or answers 403/503). */
  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void;
  /** Open connections. */
  readonly size: number;
  /** A `daemon-state` to every paired connection that reads them (and had its welcome). */
  sendDaemonState(message: DaemonStateMessage): void;
  /**
   * Where the server stands changed (a team's first worker came, or its last went): a
   * `daemon-state` built from `runner.info()` and `state()` (consistent, as in the welcome), and
   * the welcomes held from older clients once ready.
   */
  stateChanged(): void;
  /** `runner.info()` is no longer null: older clients get the welcome they waited for. */
  runnerReady(): void;
  /**
   * A pairing was revoked: its connections, and those that named its key and have not proven it
   * yet, are closed with 4002 (tokenRevoked). The key must be gone from the KeyStore first (a
   * proof arriving later is checked against it). Returns how many were closed. The runner's
   * `revokeOwnerAsync` is the caller's to call, once for the studio.
   */
  revokeKey(keyId: string): number;
  /** Every pairing was revoked (the local daemon's "Revoke paired plugins"). */
  revokeAll(): number;
  /** Refuses every upgrade from now on (503 shutting-down), those waiting for a slot included. */
  stopAccepting(): void;
  /**
   * Tells every client (`shutdown`), closes them (1001), waits for them (SHUTDOWN_GRACE_MS at
   * most) and cuts off the rest. Stops accepting first. The runner is the caller's to close,
   * before this (so that jobs end before their connections).
   */
  closeAsync(): Promise<void>;
}

/** The paired plugin's hint from the upgrade URL (`/?k=…`), or '' (see protocol KEY_HINT_PARAM). */
function keyHintOf(request: IncomingMessage): string {
  const query = (request.url ?? '').split('?')[1];
  if (!query || query.length > 200) return '';
  const hint = new URLSearchParams(query).get(LIMITS.KEY_HINT_PARAM) ?? '';
  return /^[0-9a-f]+$/.test(hint) ? hint : '';
}

function refuse(socket: Duplex, status: 400 | 403 | 503, reason: string): void {
  const text = { 400: 'Bad Request', 403: 'Forbidden', 503: 'Service Unavailable' }[status];
  socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${reason.length + 1}\r\n\r\n${reason}\n`);
}

export function createConnectionHub(o: ConnectionHubOptions): ConnectionHub {
  const limits = connectionLimitsSchema.parse(o.limits ?? {});
  const { logger } = o;
  const connections = new Map<string, { connection: ClientConnection; socket: WebSocket }>();
  let allClosed: (() => void) | null = null;
  let accepting = true;
  const capabilities = o.capabilities ?? [];
  const wireLimits = {
    maxOutputSide: LIMITS.MAX_OUTPUT_SIDE,
    maxInputSide: LIMITS.MAX_INPUT_SIDE,
    maxInputPixels: LIMITS.MAX_INPUT_PIXELS,
    maxImageBytes: LIMITS.MAX_IMAGE_BYTES,
    maxContentImages: LIMITS.MAX_CONTENT_IMAGES,
    maxStyleImages: LIMITS.MAX_STYLE_IMAGES,
    maxPayloadBytes: limits.maxPayloadBytes,
    maxQueuedJobs: limits.maxQueuedJobs,
  };

  /**
   * The paired welcome's engine and state agree (welcomeSchema refuses one that says ready with no
   * engine, or the reverse): `runner.info()` is the truth (the requests check it), `state()` its
   * words, replaced for the moment they disagree (a team's worker came or went between polls).
   */
  const standing = (): { engine: RunnerInfo | null; state: DaemonStateInfo } => {
    const engine = o.runner.info();
    const state = o.state();
    if ((state.state === 'ready') === (engine !== null)) return { engine, state };
    return { engine, state: engine ? { state: 'ready', message: READY_MESSAGE } : { state: 'starting', message: o.notReadySentence().slice(0, LIMITS.MAX_STATE_MESSAGE_LENGTH) } };
  };

  const context: ServerContext = {
    options: limits,
    jobs: o.runner,
    keys: o.keys,
    pairing: o.pairing,
    logger,
    sentences: { ...LOCAL_PAIRING_SENTENCES, ...o.sentences },
    notReadySentence: () => o.notReadySentence(),
    // Unpaired: only what pairing needs (any page may be on the other end; see welcomeSchema).
    welcome: (paired): WelcomeMessage =>
      paired
        ? {
            type: 'welcome',
            protocol: PROTOCOL_VERSION,
            daemon: { name: 'atelier', version: o.version },
            ...standing(),
            capabilities: [...CAPABILITIES, ...capabilities],
            presets: [...PRESET_NAMES],
            limits: wireLimits,
            paired,
          }
        : { type: 'welcome', protocol: PROTOCOL_VERSION, engine: null, capabilities: [...capabilities], presets: [], paired },
  };

  const wss = new WebSocketServer({ noServer: true, maxPayload: limits.maxPayloadBytes, perMessageDeflate: false, clientTracking: false });
  const waitingUpgrades = new UpgradeQueue({ maxWaiting: MAX_WAITING_UPGRADES, waitMs: UPGRADE_WAIT_MS, retryMs: UPGRADE_RETRY_MS });
  const all = (): ClientConnection[] => [...connections.values()].map((c) => c.connection);
  const activeConnections = (): ClientConnection[] => all().filter((c) => !c.isLeaving);
  const changed = (): void => o.onConnectionsChanged?.(connections.size);

  const tryAdmit = (request: IncomingMessage, socket: Duplex, head: Buffer, hint: string): boolean => {
    const active = activeConnections();
    const claimsPairing = claimsReservedSlot(hint, active, (h) => o.keys.knowsHint(h));
    const verdict = admit(active, claimsPairing, limits);
    if (!verdict.admit) return false;
    if (verdict.victim) {
      logger.log('info', 'unpaired-replaced', { connectionId: verdict.victim.id });
      verdict.victim.evict();
    }
    wss.handleUpgrade(request, socket, head, (ws: WebSocket) => {
      const id = `conn-${randomBytes(4).toString('hex')}`;
      const connection = new ClientConnection(id, ws, socket, context, { host: request.headers.host ?? '', claimsKeyId: claimsPairing ? hint : null });
      connections.set(id, { connection, socket: ws });
      logger.log('info', 'connection-open', { connectionId: id, origin: request.headers.origin ?? null });
      changed();
      ws.on('error', (error) => logger.log('warn', 'connection-error', { connectionId: id, detail: error.message }));
      ws.on('close', (code) => {
        connection.handleClosed(code);
        connections.delete(id);
        changed();
        waitingUpgrades.drain();
        if (connections.size === 0) allClosed?.();
      });
    });
    return true;
  };

  const handleUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer): void => {
    socket.on('error', () => socket.destroy());
    const active = activeConnections();
    const hint = keyHintOf(request);
    const verdict = !accepting
      ? ({ ok: false, status: 503, reason: 'shutting-down' } as const)
      : full(active, limits)
        ? ({ ok: false, status: 503, reason: 'too-many-connections' } as const)
        : checkHandshake(request, o.handshake);
    if (!verdict.ok) {
      logger.log('warn', 'handshake-rejected', {
        reason: verdict.reason,
        host: request.headers.host?.slice(0, 100),
        origin: request.headers.origin?.slice(0, 100),
      });
      refuse(socket, verdict.status, verdict.reason);
      return;
    }
    // First come, first served: nobody overtakes an upgrade already waiting for a slot, except a
    // claim on a known pairing that a reserved slot takes.
    const claims = claimsReservedSlot(hint, active, (h) => o.keys.knowsHint(h));
    if ((waitingUpgrades.length === 0 || claims) && tryAdmit(request, socket, head, hint)) return;
    waitingUpgrades.add({
      socket,
      tryAdmit: () => tryAdmit(request, socket, head, hint),
      refuse: (reason) => {
        logger.log('warn', 'handshake-rejected', { reason });
        refuse(socket, 503, reason);
      },
    });
  };

  const stopAccepting = (): void => {
    accepting = false;
    waitingUpgrades.refuseAll();
  };

  const revoke = (keyId: string | null): number => {
    let count = 0;
    for (const connection of all()) if (connection.revokeKey(keyId)) count += 1;
    return count;
  };

  const sendDaemonState = (message: DaemonStateMessage): void => {
    for (const connection of all()) connection.sendDaemonState(message);
  };
  const runnerReady = (): void => {
    for (const connection of all()) connection.sendHeldWelcome();
  };

  let closed: Promise<void> | null = null;
  const closeOnceAsync = async (): Promise<void> => {
    stopAccepting();
    const drained = new Promise<void>((resolve) => {
      allClosed = resolve;
      if (connections.size === 0) resolve();
    });
    for (const connection of all()) {
      connection.send({ type: 'shutdown', message: o.shutdownSentence });
      connection.close(CLOSE_CODES.shutdown, 'daemon shutting down');
    }
    // Clients normally answer the close at once; one that does not is cut off.
    await Promise.race([drained, new Promise((resolve) => setTimeout(resolve, SHUTDOWN_GRACE_MS).unref())]);
    for (const { socket } of connections.values()) socket.terminate();
    wss.close();
  };

  return {
    handleUpgrade,
    get size() {
      return connections.size;
    },
    sendDaemonState,
    runnerReady,
    stateChanged: () => {
      const now = standing();
      sendDaemonState({ type: 'daemon-state', ...now.state, engine: now.engine });
      if (now.engine) runnerReady();
    },
    revokeKey: (keyId) => revoke(keyId),
    revokeAll: () => revoke(null),
    stopAccepting,
    closeAsync: () => (closed ??= closeOnceAsync()),
  };
}
