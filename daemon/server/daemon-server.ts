import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { EventEmitter } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import {
  DAEMON_STATE_CAPABILITY,
  LIMITS,
  PROTOCOL_VERSION,
  daemonStateInfoSchema,
  type DaemonStateInfo,
  type WelcomeMessage,
} from '../../protocol/index.ts';
import { PRESET_NAMES, type Engine } from '../engine/index.ts';
import { CLOSE_CODES, ClientConnection, type ServerContext } from './connection.ts';
import { checkHandshake } from './handshake.ts';
import { createPhotopeaPageHandler, pageOrigins } from './photopea-page.ts';
import { JobService, type WaitingResult } from './job-service.ts';
import { JobStore } from './job-store.ts';
import { listenLoopbackAsync } from './listen-loopback-async.ts';
import { LocalPairingSource } from './local-pairing.ts';
import { DAEMON_STATE_INTERVAL_MS, JOBS_DIR_NAME, WAITING_RESULT_SWEEP_MS, MAX_PENDING_CLAIMS_PER_KEY, MAX_WAITING_UPGRADES, SHUTDOWN_GRACE_MS, UPGRADE_RETRY_MS, UPGRADE_WAIT_MS } from './limits.ts';
import { createJsonLogger, type Logger } from './logger.ts';
import { PairingWindow, type PairingWindowState } from './pairing.ts';
import { serverOptionsSchema, type ServerOptionsInput } from './server-options.ts';
import { StateReporter } from './state-reporter.ts';
import { TokenStore } from './token-store.ts';
import { UpgradeQueue } from './upgrade-queue.ts';

type ServerEngine = Pick<Engine, 'info' | 'stylize'>;

export interface StartDaemonServerOptions extends ServerOptionsInput {
  /**
   * Created by the caller with `createEngineAsync`; the server never disposes it. Leave it out
   * to listen (and pair) at once while the weights download: give it later with `setEngine`,
   * and report the steps before with `reportState`.
   */
  engine?: Pick<Engine, 'info' | 'stylize'>;
  /** One JSON line per event; stderr by default. */
  logger?: Logger;
}

export interface DaemonActivity {
  running: boolean;
  queued: number;
  connections: number;
}

export interface DaemonServerEvents {
  /**
   * The pairing window opened (with its code), was used, expired, or saw a wrong code: show
   * the code and the count of wrong codes in the tray and terminal (never in the log).
   */
  pairing: [state: PairingWindowState, reason: 'opened' | 'used' | 'expired' | 'failure'];
  /** The queue or the set of connections changed: e.g. a tray icon showing "busy". */
  activity: [activity: DaemonActivity];
  /**
   * The results waiting for their panel changed; `ready` is a job that just finished while no
   * panel followed it (the tray tells the designer: "Hero · Starry Night is ready").
   */
  'waiting-results': [waiting: WaitingResult[], ready: WaitingResult | null];
}

export interface DaemonServer {
  readonly port: number;
  /** ws://127.0.0.1:<port> */
  readonly url: string;
  /** Every address it listens on: ws://127.0.0.1:<port> and, with IPv6, ws://[::1]:<port>. */
  readonly urls: readonly string[];
  /** The open pairing window's code, or null when pairing is closed. */
  pairingCode(): string | null;
  /** The pairing window: its code while open, time left, wrong codes seen. */
  pairing(): PairingWindowState;
  /** Opens a pairing window (the designer asked, from the tray or terminal), or extends the open one. */
  openPairing(): void;
  on<E extends keyof DaemonServerEvents>(event: E, listener: (...args: DaemonServerEvents[E]) => void): () => void;
  /** Where the daemon stands (`ready` once it has an engine). */
  state(): DaemonStateInfo;
  /**
   * A setup step or download progress, sent to clients (throttled to a few per second).
   * Ignored once ready; `failed` is final (the caller then closes the server).
   */
  reportState(state: DaemonStateInfo): void;
  /** The engine now exists: clients are told `ready` and stylize requests are accepted. Once only. */
  setEngine(engine: Pick<Engine, 'info' | 'stylize'>): void;
  /** Results of jobs with a placement waiting for their panel, oldest first. */
  waitingResults(): WaitingResult[];
  /** Forgets every paired client and disconnects the paired ones; returns how many tokens were revoked. */
  revokeAllTokensAsync(): Promise<number>;
  /** Cancels waiting and running jobs, tells every client, closes the sockets and stops listening. */
  close(): Promise<void>;
}

/** The paired plugin's hint from the upgrade URL (`/?k=…`), or '' (see protocol KEY_HINT_PARAM). */
function keyHintOf(request: IncomingMessage): string {
  const query = (request.url ?? '').split('?')[1];
  if (!query || query.length > 200) return '';
  const hint = new URLSearchParams(query).get(LIMITS.KEY_HINT_PARAM) ?? '';
  return /^[0-9a-f]+$/.test(hint) ? hint : '';
}

/**
 * 'style-scale', 'colors', 'style-size': stylize options take `styleScale`, `colors`,
 * `styleSize` (a client checks before sending them: older daemons refuse unknown options).
 * 'estimate': paired clients may send `estimate` (answered by `estimate-result`).
 */
/**
 * 'jobs': stylize takes a `placement` (such jobs outlive the connection) and paired clients may
 * send `list-jobs`, `reattach` and `placed`.
 */
const CAPABILITIES = ['preview', 'cancel', 'multi-content', 'style-blend', 'status', DAEMON_STATE_CAPABILITY, 'style-scale', 'colors', 'style-size', 'estimate', 'jobs'];
const READY_MESSAGE = 'Atelier is ready.';

/**
 * Starts the WebSocket daemon on 127.0.0.1. Resolves once it listens; rejects (e.g. EADDRINUSE)
 * when it cannot.
 */
export async function startDaemonServerAsync(input: StartDaemonServerOptions): Promise<DaemonServer> {
  const { engine: initialEngine, logger = createJsonLogger(), ...plain } = input;
  let engine: ServerEngine | null = initialEngine ?? null;
  const options = serverOptionsSchema.parse(plain);
  const events = new EventEmitter();
  const tokens = await TokenStore.openAsync(options.configDir);
  const connections = new Map<string, ClientConnection>();
  const sockets = new Map<string, WebSocket>();
  let allClosed: (() => void) | null = null;
  let jobCounter = 0;
  const jobPrefix = randomBytes(3).toString('hex');

  const activity = (): void => {
    events.emit('activity', { running: jobs.queue.running !== null, queued: jobs.queue.waitingJobs.length, connections: connections.size });
  };

  const store = await JobStore.openAsync(options.jobsDir ?? join(options.configDir, JOBS_DIR_NAME), logger);
  const jobs = new JobService({
    maxQueued: options.maxQueuedJobs,
    maxQueuedPerOwner: options.maxQueuedJobsPerClient,
    store,
    bounds: { maxResults: options.maxWaitingResults, maxResultBytes: options.maxWaitingResultBytes, maxAgeMs: options.waitingResultMaxAgeMs },
    logger,
    engine: () => engine,
    // Job ids are unguessable across daemon runs but short enough to read in a log.
    newJobId: () => `job-${jobPrefix}-${++jobCounter}`,
    onActivity: activity,
    onWaitingChanged: (waiting, ready) => {
      if (ready) logger.log('info', 'job-ready-unfollowed', { jobId: ready.jobId });
      events.emit('waiting-results', waiting, ready);
    },
  });
  const sweep = setInterval(() => void jobs.pruneAsync(), WAITING_RESULT_SWEEP_MS);
  sweep.unref();

  const pairing = new PairingWindow({
    windowMs: options.pairingWindowMs,
    attemptIntervalMs: options.pairingAttemptIntervalMs,
    onChange: (state, reason) => {
      // The code is for the designer's eyes (tray, terminal), never the log.
      logger.log(reason === 'failure' ? 'warn' : 'info', 'pairing-window', { reason, open: state.code !== null, secondsLeft: state.secondsLeft, failures: state.failures });
      events.emit('pairing', state, reason);
    },
  });

  let port = options.port;
  const limits = {
    maxOutputSide: LIMITS.MAX_OUTPUT_SIDE,
    maxInputSide: LIMITS.MAX_INPUT_SIDE,
    maxInputPixels: LIMITS.MAX_INPUT_PIXELS,
    maxImageBytes: LIMITS.MAX_IMAGE_BYTES,
    maxContentImages: LIMITS.MAX_CONTENT_IMAGES,
    maxStyleImages: LIMITS.MAX_STYLE_IMAGES,
    maxPayloadBytes: options.maxPayloadBytes,
    maxQueuedJobs: options.maxQueuedJobs,
  };
  const reporter = new StateReporter({
    initial: engine ? { state: 'ready', message: READY_MESSAGE } : { state: 'starting', message: 'Atelier is starting.' },
    intervalMs: DAEMON_STATE_INTERVAL_MS,
    broadcast: (message) => {
      for (const connection of connections.values()) connection.sendDaemonState(message);
    },
  });

  const context: ServerContext = {
    options,
    daemonState: () => reporter.current,
    jobs,
    keys: tokens,
    pairing: new LocalPairingSource(pairing, tokens),
    logger,
    // Unpaired: only what pairing needs (any page may be on the other end; see welcomeSchema).
    welcome: (paired): WelcomeMessage =>
      paired
        ? {
            type: 'welcome',
            protocol: PROTOCOL_VERSION,
            daemon: { name: 'atelier', version: options.daemonVersion },
            engine: jobs.info(),
            state: reporter.current,
            capabilities: CAPABILITIES,
            presets: [...PRESET_NAMES],
            limits,
            paired,
          }
        : { type: 'welcome', protocol: PROTOCOL_VERSION, engine: null, capabilities: [], presets: [], paired },
  };

  const wss = new WebSocketServer({ noServer: true, maxPayload: options.maxPayloadBytes, perMessageDeflate: false, clientTracking: false });
  // Plain HTTP serves the Photopea plugin page and nothing else (photopea-page.ts).
  const onRequest: (request: IncomingMessage, response: ServerResponse) => void = createPhotopeaPageHandler(
    { pageFile: options.photopeaPageFile, iconFile: options.photopeaIconFile, frameAncestors: options.photopeaFrameAncestors, logger },
    () => port,
  );

  const refuse = (socket: Duplex, status: 400 | 403 | 503, reason: string): void => {
    const text = { 400: 'Bad Request', 403: 'Forbidden', 503: 'Service Unavailable' }[status];
    socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${reason.length + 1}\r\n\r\n${reason}\n`);
  };

  let closing = false;
  const waitingUpgrades = new UpgradeQueue({ maxWaiting: MAX_WAITING_UPGRADES, waitMs: UPGRADE_WAIT_MS, retryMs: UPGRADE_RETRY_MS });

  const activeConnections = (): ClientConnection[] => [...connections.values()].filter((c) => !c.isLeaving);
  // A key id is a lookup id, not a proof, and anyone who saw one can replay it: a few claims
  // per key wait for their proof at a time; more compete for unpaired slots like anyone else.
  const claimsReservedSlot = (hint: string, active: ClientConnection[]): boolean =>
    tokens.knowsHint(hint) && active.filter((c) => c.pendingClaim === hint).length < MAX_PENDING_CLAIMS_PER_KEY;
  /**
   * Gives an upgrade that passed the checks its connection, if there is room: a reserved slot
   * for a claim on a known pairing, else a free unpaired slot or one whose holder's turn is over
   * (see `evictable`: failed guessers first, then idle, then silent, oldest first each).
   */
  const tryAdmit = (request: IncomingMessage, socket: Duplex, head: Buffer, hint: string): boolean => {
    const active = activeConnections();
    const unpaired = active.filter((c) => c.holdsUnpairedSlot);
    const claimsPairing = claimsReservedSlot(hint, active);
    if ((!claimsPairing && unpaired.length >= options.maxUnpairedConnections) || active.length >= options.maxConnections) {
      const victim =
        unpaired.find((c) => c.evictable === 'guessed') ?? unpaired.find((c) => c.evictable === 'idle') ?? unpaired.find((c) => c.evictable === 'silent');
      if (!victim) return false;
      logger.log('info', 'unpaired-replaced', { connectionId: victim.id });
      victim.evict();
    }
    wss.handleUpgrade(request, socket, head, (ws: WebSocket) => {
      const id = `conn-${randomBytes(4).toString('hex')}`;
      const connection = new ClientConnection(id, ws, socket, context, { host: request.headers.host ?? '', claimsKeyId: claimsPairing ? hint : null });
      connections.set(id, connection);
      sockets.set(id, ws);
      logger.log('info', 'connection-open', { connectionId: id, origin: request.headers.origin ?? null });
      activity();
      ws.on('error', (error) => logger.log('warn', 'connection-error', { connectionId: id, detail: error.message }));
      ws.on('close', (code) => {
        connection.handleClosed(code);
        connections.delete(id);
        sockets.delete(id);
        activity();
        waitingUpgrades.drain();
        if (connections.size === 0) allClosed?.();
      });
    });
    return true;
  };

  const onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer): void => {
    socket.on('error', () => socket.destroy());
    const active = activeConnections();
    const hint = keyHintOf(request);
    const verdict = closing
      ? ({ ok: false, status: 503, reason: 'shutting-down' } as const)
      : active.length >= options.maxConnections && !active.some((c) => c.holdsUnpairedSlot)
        ? ({ ok: false, status: 503, reason: 'too-many-connections' } as const)
        : checkHandshake(request, { port, allowedOrigins: [...options.allowedOrigins, ...pageOrigins(port)] });
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
    if ((waitingUpgrades.length === 0 || claimsReservedSlot(hint, active)) && tryAdmit(request, socket, head, hint)) return;
    waitingUpgrades.add({
      socket,
      tryAdmit: () => tryAdmit(request, socket, head, hint),
      refuse: (reason) => {
        logger.log('warn', 'handshake-rejected', { reason });
        refuse(socket, 503, reason);
      },
    });
  };

  const listeners = await listenLoopbackAsync(options.port, onRequest);
  for (const http of listeners.servers) http.on('upgrade', onUpgrade);
  port = listeners.port;
  const url = `ws://${options.host}:${port}`;
  const urls = listeners.hosts.map((host) => `ws://${host}:${port}`);
  // Only while nothing is paired: with plugins paired, a window at every start (start at login
  // included) would give whoever waits for it windowMs / attemptIntervalMs free guesses per boot.
  if (options.pairingOpenAtStart && tokens.size === 0) pairing.open();
  if (engine) await jobs.recoverAsync((owner) => tokens.keyFor(owner) !== null);
  logger.log('info', 'listening', { url, urls, protocol: PROTOCOL_VERSION, state: reporter.current.state, backend: engine?.info.backend ?? null, device: engine?.info.device ?? null });

  let closed: Promise<void> | null = null;
  const closeAsync = async (): Promise<void> => {
    closing = true;
    waitingUpgrades.refuseAll();
    reporter.dispose();
    pairing.dispose();
    clearInterval(sweep);
    logger.log('info', 'shutdown-start', { connections: connections.size, running: jobs.queue.running !== null, queued: jobs.queue.waitingJobs.length });
    await Promise.race([jobs.closeAsync(), new Promise((resolve) => setTimeout(resolve, SHUTDOWN_GRACE_MS).unref())]);
    const drained = new Promise<void>((resolve) => {
      allClosed = resolve;
      if (connections.size === 0) resolve();
    });
    for (const connection of connections.values()) {
      connection.send({ type: 'shutdown', message: 'The Atelier daemon is shutting down; start it again to continue.' });
      connection.close(CLOSE_CODES.shutdown, 'daemon shutting down');
    }
    // Clients normally answer the close at once; one that does not is cut off.
    await Promise.race([drained, new Promise((resolve) => setTimeout(resolve, SHUTDOWN_GRACE_MS).unref())]);
    for (const ws of sockets.values()) ws.terminate();
    await Promise.all(
      listeners.servers.map(
        (http) =>
          new Promise<void>((resolve) => {
            http.close(() => resolve());
            http.closeAllConnections();
          }),
      ),
    );
    wss.close();
    logger.log('info', 'shutdown-end', {});
  };

  return {
    port,
    url,
    urls,
    pairingCode: () => pairing.state.code,
    pairing: () => pairing.state,
    openPairing: () => pairing.open(),
    state: () => reporter.current,
    reportState(state) {
      if (reporter.isFinal) return;
      const checked = daemonStateInfoSchema.parse({ ...state, message: state.message.slice(0, LIMITS.MAX_STATE_MESSAGE_LENGTH) });
      if (checked.state !== reporter.current.state) logger.log('info', 'daemon-state', { state: checked.state, message: checked.message });
      reporter.report(checked);
    },
    setEngine(next) {
      if (engine) throw new Error('setEngine: the server already has an engine');
      engine = next;
      logger.log('info', 'engine-ready', { engine: next.info.engine, backend: next.info.backend, device: next.info.device });
      reporter.ready(jobs.info()!, READY_MESSAGE);
      // Clients that cannot read daemon-state have waited for their welcome until now.
      for (const connection of connections.values()) connection.sendHeldWelcome();
      // Jobs a previous run left unfinished resume now that there is an engine.
      void jobs.recoverAsync((owner) => tokens.keyFor(owner) !== null).catch((error: unknown) => logger.log('error', 'internal-error', { detail: String(error) }));
    },
    waitingResults: () => jobs.waiting(),
    on(event, listener) {
      events.on(event, listener as (...args: unknown[]) => void);
      return () => events.off(event, listener as (...args: unknown[]) => void);
    },
    async revokeAllTokensAsync() {
      // Forgotten in memory at once (the file follows): a proof arriving meanwhile finds no key.
      const revoked = tokens.revokeAllAsync();
      // Paired connections, and those that named a key and wait for their proof (a challenge
      // answered after this must not pair them with the key just revoked).
      for (const connection of connections.values()) connection.revokeKey();
      // A result is never kept past its designer's revoke.
      await jobs.revokeAllAsync();
      const count = await revoked;
      logger.log('info', 'tokens-revoked', { count });
      return count;
    },
    close() {
      closed ??= closeAsync();
      return closed;
    },
  };
}
