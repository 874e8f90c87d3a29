import type { DaemonStateInfo, DaemonStateMessage, EngineInfoMessage } from '../../protocol/index.ts';

export interface StateReporterOptions {
  initial: DaemonStateInfo;
  /** Least time between two reports of the same state. */
  intervalMs: number;
  /** Sends a `daemon-state` message to every client that reads them. */
  broadcast(message: DaemonStateMessage): void;
  now?(): number;
  schedule?(callback: () => void, ms: number): () => void;
}

const defaultSchedule = (callback: () => void, ms: number): (() => void) => {
  const timer = setTimeout(callback, ms);
  timer.unref();
  return () => clearTimeout(timer);
};

/**
 * The daemon's setup state and its throttled broadcast: a new state goes out at once; more
 * progress within the same state at most once per interval, the latest one winning. Once
 * `ready` (or `failed`) nothing changes it any more.
 */
export class StateReporter {
  private state: DaemonStateInfo;
  private engine: EngineInfoMessage | null = null;
  private lastSentAt = -Infinity;
  private cancelPending: (() => void) | null = null;
  private readonly now: () => number;
  private readonly schedule: (callback: () => void, ms: number) => () => void;

  constructor(private readonly options: StateReporterOptions) {
    this.state = options.initial;
    this.now = options.now ?? (() => performance.now());
    this.schedule = options.schedule ?? defaultSchedule;
  }

  get current(): DaemonStateInfo {
    return this.state;
  }

  get isReady(): boolean {
    return this.state.state === 'ready';
  }

  get isFinal(): boolean {
    return this.state.state === 'ready' || this.state.state === 'failed';
  }

  /** A setup step or download progress; ignored once ready or failed. */
  report(next: DaemonStateInfo): void {
    if (this.isFinal || next.state === 'ready') return;
    const changed = next.state !== this.state.state;
    this.state = next;
    if (changed) return this.sendNow();
    if (this.cancelPending) return; // the pending send will carry this latest state
    const wait = this.lastSentAt + this.options.intervalMs - this.now();
    if (wait <= 0) return this.sendNow();
    this.cancelPending = this.schedule(() => {
      this.cancelPending = null;
      this.sendNow();
    }, wait);
  }

  /** The engine exists: the daemon is ready. */
  ready(engine: EngineInfoMessage, message: string): void {
    this.engine = engine;
    this.state = { state: 'ready', message };
    this.sendNow();
  }

  /** Stops a pending progress report (the server is closing). */
  dispose(): void {
    this.cancelPending?.();
    this.cancelPending = null;
  }

  private sendNow(): void {
    this.dispose();
    this.lastSentAt = this.now();
    this.options.broadcast({ type: 'daemon-state', ...this.state, engine: this.engine });
  }
}
