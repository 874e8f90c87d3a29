import {
  DAEMON_STATE_CAPABILITY,
  PROTOCOL_VERSION,
  encodeMessage,
  parseServerFrame,
  type ClientMessage,
  type DaemonStateMessage,
  type ServerMessage,
  type StylizeMessage,
  type WelcomeMessage,
} from '../protocol/index.ts';
import { backoffMs, type ConnectionState } from './connection-state.ts';
import { urlWithHint } from './key-hint.ts';
import { SOCKET_OPEN, frameData, type SocketLike } from './socket-like.ts';

/** Messages about jobs, passed on as the daemon sent them (already validated). */
export type JobMessage = Exclude<ServerMessage, { type: 'welcome' | 'paired' | 'shutdown' | 'status' | 'daemon-state' }>;

export interface DaemonClientOptions {
  url: string;
  token: string | null;
  clientVersion: string;
  createSocket(url: string): SocketLike;
  /** Timer seam for tests; returns a cancel function. */
  schedule?(callback: () => void, ms: number): () => void;
  onState(state: ConnectionState): void;
  /** A new token to remember (after pairing), or null to forget a revoked one. */
  onToken(token: string | null): void;
  /** Job traffic; `images` holds the PNGs its frame carried, by id. */
  onJobMessage(message: JobMessage, images: Map<string, Uint8Array>): void;
  /** The connection dropped while paired: jobs in flight will not finish. */
  onConnectionLost(): void;
  /** The daemon sent something this plugin could not read (logged, never fatal). */
  onProtocolError?(message: string): void;
}

const defaultSchedule = (callback: () => void, ms: number): (() => void) => {
  const handle = setTimeout(callback, ms);
  return () => clearTimeout(handle);
};

/**
 * The plugin's WebSocket client: hello, pairing, reconnection with backoff, and typed job
 * traffic. Every frame from the daemon goes through the protocol's parser; nothing else is
 * trusted.
 */
export class DaemonClient {
  private socket: SocketLike | null = null;
  private state: ConnectionState = { kind: 'connecting', reconnecting: false };
  private token: string | null;
  private failedAttempts = 0;
  private cancelRetry: (() => void) | null = null;
  private stopped = false;
  private welcome: WelcomeMessage | null = null;
  private paired = false;
  /** Why the daemon last stopped while setting up, shown while it is not running. */
  private lastFailure: string | null = null;
  private readonly schedule: (callback: () => void, ms: number) => () => void;

  constructor(private readonly options: DaemonClientOptions) {
    this.token = options.token;
    this.schedule = options.schedule ?? defaultSchedule;
  }

  get current(): ConnectionState {
    return this.state;
  }

  start(): void {
    this.stopped = false;
    this.connect(false);
  }

  stop(): void {
    this.stopped = true;
    this.cancelRetry?.();
    this.cancelRetry = null;
    const socket = this.socket;
    this.socket = null;
    socket?.close(1000, 'plugin closed');
  }

  /** Skips the backoff wait (the "Retry now" button). */
  retryNow(): void {
    if (this.socket) return;
    this.cancelRetry?.();
    this.cancelRetry = null;
    this.connect(false);
  }

  pair(code: string): boolean {
    if (this.state.kind !== 'pairing-needed' || !this.isOpen()) return false;
    this.send({ type: 'pair', code });
    this.setState({ kind: 'pairing' });
    return true;
  }

  stylize(message: StylizeMessage, images: ReadonlyMap<string, Uint8Array>): boolean {
    if (this.state.kind !== 'ready' || !this.isOpen()) return false;
    this.socket!.send(encodeMessage(message, images));
    return true;
  }

  cancel(jobId: string): boolean {
    if (this.state.kind !== 'ready' || !this.isOpen()) return false;
    this.send({ type: 'cancel', jobId });
    return true;
  }

  private isOpen(): boolean {
    return this.socket !== null && this.socket.readyState === SOCKET_OPEN;
  }

  private send(message: ClientMessage): void {
    this.socket?.send(encodeMessage(message));
  }

  private setState(state: ConnectionState): void {
    this.state = state;
    this.options.onState(state);
  }

  /** `quiet`: keep the panel the designer sees (pairing) while the new socket opens. */
  private connect(reconnecting: boolean, quiet = false): void {
    if (this.stopped) return;
    if (!quiet) this.setState({ kind: 'connecting', reconnecting });
    let socket: SocketLike;
    try {
      socket = this.options.createSocket(urlWithHint(this.options.url, this.token));
    } catch {
      this.retryLater(false);
      return;
    }
    this.socket = socket;
    socket.binaryType = 'arraybuffer';
    let opened = false;
    socket.onopen = () => {
      opened = true;
      const hello: ClientMessage = {
        type: 'hello',
        protocol: PROTOCOL_VERSION,
        client: { name: 'atelier-figma', version: this.options.clientVersion },
        ...(this.token ? { token: this.token } : {}),
        // Lets the daemon welcome us while it is still downloading its weights.
        capabilities: [DAEMON_STATE_CAPABILITY],
      };
      this.send(hello);
    };
    socket.onmessage = (event) => {
      if (this.socket !== socket) return;
      this.handleFrame(event.data);
    };
    socket.onerror = () => undefined; // onclose follows and carries the decision.
    socket.onclose = (event) => {
      if (this.socket !== socket) return;
      this.socket = null;
      const wasReady = this.state.kind === 'ready';
      if (this.state.kind === 'version-mismatch' || this.stopped) return;
      if (wasReady || this.state.kind === 'pairing') this.options.onConnectionLost();
      // 4002: the daemon revoked this plugin's token; the next hello will ask to pair again.
      if (event.code === 4002) this.forgetToken();
      // 4004/4005: an unpaired connection made room or sat idle; the pairing panel stays while
      // a fresh one opens (it is in the pairing-needed state again at the next welcome).
      if (this.state.kind === 'pairing-needed' && (event.code === 4004 || event.code === 4005)) {
        this.cancelRetry = this.schedule(() => this.connect(true, true), backoffMs(1));
        return;
      }
      this.retryLater(opened);
    };
  }

  private retryLater(hadConnected: boolean): void {
    if (this.stopped) return;
    if (hadConnected) {
      // The daemon was there a moment ago (restart, sleep): come back quickly.
      this.failedAttempts = 0;
      this.setState({ kind: 'connecting', reconnecting: true });
      this.cancelRetry = this.schedule(() => this.connect(true), backoffMs(1));
      return;
    }
    this.failedAttempts++;
    const retryInMs = backoffMs(this.failedAttempts);
    this.setState({ kind: 'not-running', attempt: this.failedAttempts, retryInMs, ...(this.lastFailure ? { lastFailure: this.lastFailure } : {}) });
    this.cancelRetry = this.schedule(() => {
      this.cancelRetry = null;
      this.connect(false);
    }, retryInMs);
  }

  private forgetToken(): void {
    if (this.token === null) return;
    this.token = null;
    this.options.onToken(null);
  }

  private handleFrame(data: unknown): void {
    const frame = frameData(data);
    if (frame === null) return;
    const parsed = parseServerFrame(frame);
    if (!parsed.ok) {
      this.options.onProtocolError?.(parsed.message);
      return;
    }
    const { message, images } = parsed.value;
    switch (message.type) {
      case 'welcome':
        if (message.protocol !== PROTOCOL_VERSION) {
          this.setState({
            kind: 'version-mismatch',
            message:
              message.protocol < PROTOCOL_VERSION
                ? 'The Atelier app is older than this plugin. Update Atelier and start it again.'
                : 'This plugin is older than the Atelier app. Update the Atelier plugin in Figma.',
          });
          this.socket?.close(1000, 'version mismatch');
          return;
        }
        this.welcome = message;
        this.paired = message.paired;
        this.failedAttempts = 0;
        this.lastFailure = null;
        if (message.paired) this.setPairedState();
        else this.setState({ kind: 'pairing-needed', error: null });
        return;
      case 'paired':
        this.token = message.token;
        this.options.onToken(message.token);
        this.paired = true;
        if (this.welcome) this.welcome = { ...this.welcome, paired: true };
        this.setPairedState();
        return;
      case 'daemon-state':
        this.handleDaemonState(message);
        return;
      case 'shutdown':
      case 'status':
        return; // The close that follows a shutdown drives the reconnect.
      case 'error':
        this.handleError(message, images);
        return;
      default:
        this.options.onJobMessage(message, images);
    }
  }

  /** Ready once the daemon has an engine; until then, how far its setup has come. */
  private setPairedState(): void {
    const welcome = this.welcome;
    if (!welcome) return;
    if (welcome.engine !== null) this.setState({ kind: 'ready', welcome });
    else if (welcome.state) this.setState({ kind: 'setting-up', welcome, setup: welcome.state });
  }

  private handleDaemonState(message: DaemonStateMessage): void {
    if (!this.welcome) return;
    const { type: _type, engine, ...setup } = message;
    this.welcome = { ...this.welcome, engine, state: setup };
    if (setup.state === 'failed') this.lastFailure = setup.message;
    // Unpaired, the pairing panel stays; the state is kept for when pairing succeeds.
    if (this.paired) this.setPairedState();
  }

  private handleError(message: Extract<ServerMessage, { type: 'error' }>, images: Map<string, Uint8Array>): void {
    switch (message.code) {
      case 'unsupported-version':
        this.setState({ kind: 'version-mismatch', message: message.message });
        return;
      case 'bad-token':
        this.forgetToken();
        this.setState({ kind: 'pairing-needed', error: null });
        return;
      case 'bad-pairing-code':
      case 'pairing-locked':
      case 'storage-failed':
        this.setState({ kind: 'pairing-needed', error: message.message });
        return;
      case 'not-paired':
        this.forgetToken();
        this.setState({ kind: 'pairing-needed', error: null });
        if (message.requestId || message.jobId) this.options.onJobMessage(message, images);
        return;
      default:
        if (message.requestId || message.jobId) this.options.onJobMessage(message, images);
        else this.options.onProtocolError?.(message.message);
    }
  }
}
