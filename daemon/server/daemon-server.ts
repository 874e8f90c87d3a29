import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { EventEmitter } from 'node:events';
import { LIMITS, PROTOCOL_VERSION, daemonStateInfoSchema, type DaemonStateInfo } from '../../protocol/index.ts';
import type { Engine } from '../engine/index.ts';
import { READY_MESSAGE, createConnectionHub } from './connection-hub.ts';
import { loopbackPolicy } from './handshake.ts';
import { createPhotopeaPageHandler, loopbackPageSite, pageOrigins } from './photopea-page.ts';
import { JobService, type WaitingResult } from './job-service.ts';
import { JobStore } from './job-store.ts';
import { listenLoopbackAsync } from './listen-loopback-async.ts';
import { LocalPairingSource } from './local-pairing.ts';
import { DAEMON_STATE_INTERVAL_MS, JOBS_DIR_NAME, WAITING_RESULT_SWEEP_MS, SHUTDOWN_GRACE_MS } from './limits.ts';
import { createJsonLogger, type Logger } from './logger.ts';
import { notReadySentence } from './not-ready-sentence.ts';
import { PairingWindow, type PairingWindowState } from './pairing.ts';
import { serverOptionsSchema, type ServerOptionsInput } from './server-options.ts';
import { StateReporter } from './state-reporter.ts';
import { TokenStore } from './token-store.ts';

type ServerEngine = Pick<Engine, 'info' | 'stylize'>;

export interface StartDaemonServerOptions extends ServerOptionsInput {
  /**
   * Created by the caller with `createEngineAsync`; the server never disposes it. Leave it out
   * to listen (and pair) at once while the weights download: give it later with `setEngine`,
   * and report the steps before with `reportState`.
   */
  engine?: ServerEngine;
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
  setEngine(engine: ServerEngine): void;
  /** Results of jobs with a placement waiting for their panel, oldest first. */
  waitingResults(): WaitingResult[];
  /** Forgets every paired client and disconnects the paired ones; returns how many tokens were revoked. */
  revokeAllTokensAsync(): Promise<number>;
  /** Cancels waiting and running jobs, tells every client, closes the sockets and stops listening. */
  close(): Promise<void>;
}


/**
 * Starts the WebSocket daemon on 127.0.0.1: loopback listening, the Photopea page, the local
 * runner (JobService) and pairing (one window, tokens.json) behind the connection hub. Resolves
 * once it listens; rejects (e.g. EADDRINUSE) when it cannot.
 */
export async function startDaemonServerAsync(input: StartDaemonServerOptions): Promise<DaemonServer> {
  const { engine: initialEngine, logger = createJsonLogger(), ...plain } = input;
  let engine: ServerEngine | null = initialEngine ?? null;
  const options = serverOptionsSchema.parse(plain);
  const events = new EventEmitter();
  const tokens = await TokenStore.openAsync(options.configDir);
  let jobCounter = 0;
  const jobPrefix = randomBytes(3).toString('hex');

  const activity = (): void => {
    events.emit('activity', { running: jobs.queue.running !== null, queued: jobs.queue.waitingJobs.length, connections: hub.size });
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
  const reporter = new StateReporter({
    initial: engine ? { state: 'ready', message: READY_MESSAGE } : { state: 'starting', message: 'Atelier is starting.' },
    intervalMs: DAEMON_STATE_INTERVAL_MS,
    broadcast: (message) => hub.sendDaemonState(message),
  });

  const handshake = loopbackPolicy(
    () => port,
    () => [...options.allowedOrigins, ...pageOrigins(port)],
  );
  const hub = createConnectionHub({
    runner: jobs,
    keys: tokens,
    pairing: new LocalPairingSource(pairing, tokens),
    logger,
    limits: options,
    handshake,
    version: options.daemonVersion,
    state: () => reporter.current,
    notReadySentence: () => notReadySentence(reporter.current),
    shutdownSentence: 'The Atelier daemon is shutting down; start it again to continue.',
    onConnectionsChanged: activity,
  });

  // Plain HTTP serves the Photopea plugin page and nothing else (photopea-page.ts).
  const onRequest = createPhotopeaPageHandler(
    { pageFile: options.photopeaPageFile, iconFile: options.photopeaIconFile, frameAncestors: options.photopeaFrameAncestors, logger },
    loopbackPageSite(handshake, () => port),
  );
  const listeners = await listenLoopbackAsync(options.port, onRequest);
  for (const http of listeners.servers) http.on('upgrade', hub.handleUpgrade);
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
    hub.stopAccepting();
    reporter.dispose();
    pairing.dispose();
    clearInterval(sweep);
    logger.log('info', 'shutdown-start', { connections: hub.size, running: jobs.queue.running !== null, queued: jobs.queue.waitingJobs.length });
    await Promise.race([jobs.closeAsync(), new Promise((resolve) => setTimeout(resolve, SHUTDOWN_GRACE_MS).unref())]);
    await hub.closeAsync();
    await Promise.all(
      listeners.servers.map(
        (http) =>
          new Promise<void>((resolve) => {
            http.close(() => resolve());
            http.closeAllConnections();
          }),
      ),
    );
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
      hub.runnerReady();
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
      hub.revokeAll();
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
