import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatPairingCode } from '../../protocol/index.ts';
import { applyOverrides, ConfigError, loadConfigAsync, resolveUserDirs, type AtelierConfig, type AtelierConfigInput } from '../config/index.ts';
import { createEngineAsync, EngineError, type Engine } from '../engine/index.ts';
import { createJsonLogger, startDaemonServerAsync, TokenStoreError, ListenError, type DaemonActivity, type PairingWindowState, type DaemonServer } from '../server/index.ts';
import { readySentence, startTrayAsync, writeTrayIconAsync, type Tray, type TrayAction, type TrayStatus } from '../tray/index.ts';
import { ensureWeightsAsync, formatWeightsProgress, WeightsError, type WeightsProgress } from '../weights-download/index.ts';
import { readDaemonVersion } from './daemon-version.ts';
import { copyToClipboardAsync, openWithDesktopAsync } from './desktop-actions.ts';
import { PHOTOPEA_PERMISSION_SENTENCE, photopeaLaunchUrl } from './photopea-launch.ts';
import { hasDesktop } from './has-desktop.ts';
import { openLogFile } from './log-file.ts';
import { parseCliArgs, USAGE, type CliArgs } from './parse-args.ts';
import { ensureWritableDirAsync } from './ensure-writable-dir-async.ts';
import { acquireSingleInstanceAsync, type InstanceInfo, type InstanceLock } from './single-instance.ts';
import { StartError } from './start-error.ts';
import { isStartAtLoginEnabledAsync, setStartAtLoginAsync, type LoginCommand } from './start-at-login.ts';
import { createTerminalProgress } from './terminal-progress.ts';
import { daemonStateOfWeights } from './weights-state.ts';

export interface DaemonIo {
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
  env: Readonly<Record<string, string | undefined>>;
  /** Resolves when the user asks the daemon to stop (Ctrl+C, SIGTERM). */
  onStopSignal(listener: () => void): void;
  /** The designer asks to pair a plugin from the terminal (Enter); absent without one. */
  onPairRequest?(listener: () => void): void;
  /**
   * The script and arguments (after Node's own options) that start this daemon again, for
   * start-at-login: `atelier start` in a package, daemon/main.ts in a clone (the default).
   */
  relaunchArgs?: readonly string[];
}

/** Exit codes of `npm start`. */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

const PROJECT_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * The daemon from start to stop: flags, config, one instance per user, the server (listening
 * and pairing at once), weights (downloading them on the first run, while plugins are told
 * how far it got), the engine handed to the server, then the tray or the terminal until
 * asked to quit.
 * Resolves with the process's exit code; every expected failure is a sentence on stderr.
 */
export async function runDaemonAsync(argv: readonly string[], io: DaemonIo): Promise<number> {
  const say = (line: string): void => {
    io.stdout.write(`${line}\n`);
  };
  const complain = (error: unknown): number => {
    if (isCodedError(error)) {
      io.stderr.write(`Atelier could not start [${error.code}]: ${error.message}\n`);
      return error instanceof ConfigError && error.code === 'args_invalid' ? EXIT.usage : EXIT.failed;
    }
    io.stderr.write(`Atelier could not start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    return EXIT.failed;
  };

  let args: CliArgs;
  try {
    args = parseCliArgs(argv);
  } catch (error) {
    return complain(error);
  }
  const version = readDaemonVersion();
  if (args.help) {
    say(USAGE.trimEnd());
    return EXIT.ok;
  }
  if (args.version) {
    say(version);
    return EXIT.ok;
  }

  const dirs = resolveUserDirs(io.env);
  let config: AtelierConfig;
  let configFile: string;
  try {
    // Both folders are checked now: a read-only one is a sentence here, not a stack at pairing.
    await ensureWritableDirAsync(dirs.config, 'config_unwritable', 'settings');
    await ensureWritableDirAsync(dirs.cache, 'cache_unwritable', 'cache');
    const loaded = await loadConfigAsync(dirs.config);
    configFile = loaded.file;
    config = applyOverrides(loaded.config, envOverrides(io.env), 'environment variables (ATELIER_*)');
    config = applyOverrides(
      config,
      {
        port: args.port,
        weights: args.weights,
        engine: args.engine as AtelierConfigInput['engine'],
        backend: args.backend as AtelierConfigInput['backend'],
        executionProvider: args.executionProvider as AtelierConfigInput['executionProvider'],
      },
      'command-line flags',
    );
  } catch (error) {
    return complain(error);
  }

  const logFile = join(dirs.cache, 'logs', 'daemon.log');
  const useTray = !args.headless && hasDesktop(io.env);
  const info: InstanceInfo = {
    pid: process.pid,
    state: 'starting',
    url: null,
    logFile,
    ui: useTray ? 'tray' : 'terminal',
    startedAt: new Date().toISOString(),
  };
  let lock: InstanceLock;
  try {
    lock = await acquireSingleInstanceAsync(dirs.cache, info, io.env);
  } catch (error) {
    return complain(error);
  }
  if (lock.kind === 'running') {
    const other = lock.info;
    if (other === null) {
      say('Atelier is already running for this user (it did not say where). Quit it from its tray menu, or stop its process, to start a new one.');
    } else {
      const where = !other.url
        ? 'and still starting'
        : other.state === 'starting'
          ? `at ${other.url}, still setting up (it may be downloading its weights)`
          : `at ${other.url}`;
      const code = other.ui === 'tray' ? 'choose “Pair a new plugin” in its tray menu' : 'press Enter in the terminal it runs in';
      say(`Atelier is already running (pid ${other.pid}) ${where}. To pair a plugin, ${code}.`);
    }
    return EXIT.ok;
  }

  const log = openLogFile(logFile);
  const logger = createJsonLogger((line) => log.write(line));
  const stop = new AbortController();
  io.onStopSignal(() => stop.abort(new Error('stopped')));

  let weightsReady = false;
  let engine: Engine | undefined;
  let server: DaemonServer | undefined;
  let tray: Tray | undefined;
  const status: TrayStatus = {
    line: 'Starting',
    engine: null,
    job: 'Idle',
    connections: 0,
    pairingCode: null,
    pairingNote: null,
    startAtLogin: await isStartAtLoginEnabledAsync(),
  };
  const show = (change: Partial<TrayStatus>): void => {
    Object.assign(status, change);
    tray?.update(status);
  };
  // The login entry follows the Atelier started last: after an upgrade (a new folder), login
  // starts the new one, not a folder the designer may since have deleted.
  if (status.startAtLogin) await setStartAtLoginAsync(true, loginCommand(io.relaunchArgs)).catch(() => undefined);

  try {
    say(`Atelier daemon ${version} (pid ${process.pid})`);
    say(`Settings: ${configFile}`);
    say(`Log: ${logFile}`);
    logger.log('info', 'daemon-start', { version, pid: process.pid, config: configFile, ui: info.ui });

    if (useTray) {
      tray = await startTrayOrExplainAsync(dirs.cache, status, (action) => void onTrayAction(action), say);
      if (tray === undefined) lock.update({ ui: 'terminal' });
    }

    // The server first, without an engine: plugins connect, pair and see the setup's progress.
    server = await startDaemonServerAsync({
      port: config.port,
      configDir: dirs.config,
      // Results waiting for their window are re-creatable and can be large: the cache folder.
      jobsDir: join(dirs.cache, 'jobs'),
      allowedOrigins: config.allowedOrigins,
      maxQueuedJobs: config.queueLength,
      previewEvery: config.previewEvery,
      daemonVersion: version,
      // The engine's budget, so that `estimate` plans as a job would.
      ...(config.memoryBudgetMB ? { memoryBudgetMB: config.memoryBudgetMB } : {}),
      logger,
    });
    const running = server;
    lock.update({ url: running.url });
    say(`Listening on ${running.urls.join(' and ')}`);
    const showPairing = (state: PairingWindowState, reason: 'opened' | 'used' | 'expired' | 'failure'): void => {
      show({ pairingCode: state.code, pairingNote: pairingNote(state) });
      if (reason === 'opened' && state.code) say(`Pairing code: ${formatPairingCode(state.code)} (enter it in the Figma plugin; pairing is open for ${Math.ceil(state.secondsLeft / 60)} min)`);
      else if (reason === 'failure') say(`Pairing: a wrong code was tried (${state.failures} in this window; more than your own typos means someone else is trying).`);
      else if (reason !== 'opened') say(`Pairing closed (${reason === 'used' ? 'a plugin paired' : 'time is up'}). To pair a plugin, press Enter here or choose “Pair a new plugin” in the tray menu.`);
    };
    // Pairing opens at start only while nothing is paired (daemon-server.ts): otherwise say how to open it.
    if (running.pairingCode() === null) say('Pairing is closed: a plugin is paired already. To pair another plugin, press Enter here or choose “Pair a new plugin…” in the tray menu.');
    else showPairing(running.pairing(), 'opened');
    running.on('pairing', showPairing);
    io.onPairRequest?.(() => running.openPairing());
    running.on('activity', (activity) => {
      const job = describeActivity(activity);
      if (job !== status.job && tray === undefined) say(`Job: ${job}`);
      show({ job, connections: activity.connections });
    });
    show({ waiting: running.waitingResults() });
    running.on('waiting-results', (waiting, ready) => {
      show({ waiting });
      // systray2 has no notifications: the sentence goes to the terminal (and the tray's tooltip and menu).
      if (ready) say(readySentence(ready));
    });

    const terminalProgress = createTerminalProgress(io.stdout);
    const onProgress = (progress: WeightsProgress): void => {
      terminalProgress(progress);
      show({ line: formatWeightsProgress(progress) });
      if (progress.phase !== 'download') logger.log('info', `weights-${progress.phase}`);
      const state = daemonStateOfWeights(progress);
      if (state) running.reportState(state);
    };
    const weights = await ensureWeightsAsync({
      weights: config.weights,
      cacheDir: dirs.cache,
      url: config.weightsUrl,
      expectedHash: config.weightsHash,
      onProgress,
      signal: stop.signal,
    });
    weightsReady = true;
    say(`Weights: ${weights.source}`);

    stop.signal.throwIfAborted();
    show({ line: 'Loading the engine' });
    running.reportState({ state: 'loading-engine', message: 'Loading the engine' });
    engine = await createEngineAsync({
      weightsDir: weights.dir,
      engine: config.engine,
      backend: config.backend,
      executionProvider: config.executionProvider,
      memoryBudgetMB: config.memoryBudgetMB ?? undefined,
    });
    const engineLine = `${engine.info.engine} ${engine.info.backend} · ${engine.info.device}`;
    say(`Engine: ${engineLine}`);
    stop.signal.throwIfAborted();
    running.setEngine(engine);
    lock.update({ state: 'ready' });
    say('Ready: plugins can apply styles.');
    show({ line: 'Ready', engine: engineLine });

    await new Promise<void>((resolve) => {
      if (stop.signal.aborted) resolve();
      else stop.signal.addEventListener('abort', () => resolve(), { once: true });
    });
    say('Stopping Atelier…');
    return EXIT.ok;
  } catch (error) {
    if (stop.signal.aborted) {
      say(weightsReady ? 'Stopped.' : 'Stopped. A partial weights download is kept and resumes on the next start.');
      return EXIT.ok;
    }
    logger.log('error', 'daemon-failed', { detail: error instanceof Error ? error.message : String(error) });
    // Connected plugins show why before the shutdown that follows.
    server?.reportState({ state: 'failed', message: failureSentence(error) });
    show({ line: 'Could not start (see the log)' });
    return complain(error);
  } finally {
    await server?.close().catch(() => undefined);
    engine?.dispose();
    await tray?.closeAsync();
    await lock.releaseAsync();
    logger.log('info', 'daemon-stop');
    await log.closeAsync();
  }

  async function onTrayAction(action: TrayAction): Promise<void> {
    switch (action) {
      case 'open-pairing':
        server?.openPairing();
        return;
      case 'copy-pairing-code':
        if (status.pairingCode && !(await copyToClipboardAsync(status.pairingCode))) {
          logger.log('warn', 'clipboard-unavailable');
        }
        return;
      case 'revoke-clients': {
        const revoked = (await server?.revokeAllTokensAsync()) ?? 0;
        say(`Revoked ${revoked} paired plugin${revoked === 1 ? '' : 's'}; they must pair again.`);
        return;
      }
      case 'open-photopea': {
        const url = photopeaLaunchUrl(server?.port ?? config.port);
        if (!(await openWithDesktopAsync(url))) say(`Open this link in your browser for Photopea with Atelier: ${url}`);
        say(PHOTOPEA_PERMISSION_SENTENCE);
        return;
      }
      case 'open-log':
        if (!(await openWithDesktopAsync(logFile))) logger.log('warn', 'open-log-failed', { file: logFile });
        return;
      case 'toggle-start-at-login': {
        const enabled = !status.startAtLogin;
        await setStartAtLoginAsync(enabled, loginCommand(io.relaunchArgs));
        show({ startAtLogin: enabled });
        logger.log('info', 'start-at-login', { enabled });
        return;
      }
      case 'quit':
        stop.abort(new Error('quit from the tray'));
        return;
    }
  }
}

/** The failures that carry a code and a designer's sentence: printed without a stack. */
function isCodedError(error: unknown): error is ConfigError | WeightsError | EngineError | StartError | TokenStoreError | ListenError {
  return (
    error instanceof ConfigError ||
    error instanceof WeightsError ||
    error instanceof EngineError ||
    error instanceof StartError ||
    error instanceof TokenStoreError ||
    error instanceof ListenError
  );
}

/** ATELIER_WEIGHTS, ATELIER_WEIGHTS_URL, ATELIER_WEIGHTS_SHA256 (an MD5 is accepted too). */
function envOverrides(env: DaemonIo['env']): Partial<AtelierConfigInput> {
  return {
    weights: env.ATELIER_WEIGHTS || undefined,
    weightsUrl: env.ATELIER_WEIGHTS_URL || undefined,
    weightsHash: env.ATELIER_WEIGHTS_SHA256 || undefined,
  };
}

/** The designer-facing reason a start failed (the code is for the log and the terminal). */
function failureSentence(error: unknown): string {
  if (isCodedError(error)) return `${error.message} [${error.code}]`;
  return 'Atelier hit an unexpected problem while starting; its log has the details.';
}

/** The tray's pairing line: time left and wrong codes while open. */
function pairingNote(state: PairingWindowState): string | null {
  if (!state.code) return null;
  const minutes = Math.ceil(state.secondsLeft / 60);
  return state.failures > 0 ? `${minutes} min left, ${state.failures} wrong code${state.failures === 1 ? '' : 's'}` : `${minutes} min left`;
}

function describeActivity(activity: DaemonActivity): string {
  const waiting = activity.queued > 0 ? `${activity.queued} waiting` : '';
  if (activity.running) return waiting ? `Running a job, ${waiting}` : 'Running a job';
  return waiting ? `Idle, ${waiting}` : 'Idle';
}

/** The command the session runs at login: this same Node, loader and entrypoint. */
function loginCommand(relaunchArgs: readonly string[] = [join(PROJECT_ROOT, 'daemon', 'main.ts')]): LoginCommand {
  return { program: process.execPath, args: [...process.execArgv, ...relaunchArgs], cwd: PROJECT_ROOT };
}

async function startTrayOrExplainAsync(
  cacheDir: string,
  status: TrayStatus,
  onAction: (action: TrayAction) => void,
  say: (line: string) => void,
): Promise<Tray | undefined> {
  try {
    const iconFile = await writeTrayIconAsync(cacheDir);
    const tray = await startTrayAsync({
      iconFile,
      helperDir: join(cacheDir, 'tray-helper'),
      status,
      onAction,
      onExit: (reason) => say(`The tray icon went away (${reason}); Atelier keeps running here.`),
    });
    say('Tray icon shown: the pairing code and status are in its menu.');
    return tray;
  } catch (error) {
    say(`No tray icon (${error instanceof Error ? error.message : String(error)}); showing status here instead.`);
    return undefined;
  }
}
