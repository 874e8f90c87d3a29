import {
  AUTH_NONCE_BYTES,
  DAEMON_STATE_CAPABILITY,
  LIMITS,
  PROTOCOL_VERSION,
  TEAM_INVITE_CAPABILITY,
  Spake2Client,
  bytesToHex,
  encodeMessage,
  equalBytes,
  hexToBytes,
  keyProof,
  spake2Context,
  type AuthChallengeMessage,
  type PairResponseMessage,
  type ProofContext,
  parseServerFrame,
  type ClientMessage,
  type DaemonStateMessage,
  type ServerMessage,
  type EstimateMessage,
  type StylizeMessage,
  type WelcomeMessage,
} from '../protocol/index.ts';
import { randomBytes } from '@noble/hashes/utils.js';
import { IMPOSTOR_SENTENCE, TEAM_IMPOSTOR_SENTENCE, WRONG_CODE_SENTENCE, backoffMs, type ConnectionState } from './connection-state.ts';
import { TEAM_WRONG_CODE_SENTENCE } from './team-server.ts';
import { urlWithHint } from './key-hint.ts';
import { ESTIMATE_CAPABILITY, JOBS_CAPABILITY } from './limits.ts';
import { isProver, type KeyProver, type KeyStore, type LoadedKey, type StoredKey } from './key-store.ts';
import { SOCKET_OPEN, frameData, type SocketLike } from './socket-like.ts';

/** Messages about jobs, passed on as the daemon sent them (already validated). */
export type JobMessage = Exclude<ServerMessage, { type: 'welcome' | 'paired' | 'pair-response' | 'auth-challenge' | 'shutdown' | 'status' | 'daemon-state' }>;

export interface DaemonClientOptions {
  url: string;
  /** Where the pairing key lives between sessions (client/key-store.ts). */
  keyStore: KeyStore;
  /** The client's name in hello and in both sides' proofs, e.g. "atelier-figma" (the default). */
  clientName?: string;
  clientVersion: string;
  /**
   * `url` is a studio's team server (client/team-server.ts), not the Atelier app on this
   * computer: only the sentences differ (whom to ask for a code, who could not prove itself).
   * What goes on the wire follows the server's own welcome, never this flag.
   */
  team?: boolean;
  createSocket(url: string): SocketLike;
  /** Timer seam for tests; returns a cancel function. */
  schedule?(callback: () => void, ms: number): () => void;
  onState(state: ConnectionState): void;
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

/** What this connection has established about the peer that answered. */
type Trust =
  /** Nothing yet (or it does not know our key): it may welcome us unpaired, nothing more. */
  | { kind: 'none' }
  /** We named our key with this nonce; its proof must come next. */
  | { kind: 'challenged'; clientNonce: Uint8Array }
  /** It proved our key (auth-challenge) and we answered with our proof. */
  | { kind: 'proven' }
  /** A SPAKE2 exchange on the code the designer typed is in flight. */
  | { kind: 'pairing'; spake: Spake2Client }
  /** Its confirmation matched the code: we confirmed and wait for `paired` with the key's id. */
  | { kind: 'confirmed'; key: Uint8Array };

/**
 * The plugin's WebSocket client: hello, pairing (SPAKE2 on the code: the code never travels),
 * the mutual challenge–response on every later connection (the daemon proves itself first),
 * reconnection with backoff, and typed job traffic. Every frame from the daemon goes through the
 * protocol's parser; nothing else is trusted, and "paired" is believed only from a daemon that
 * proved the key on this very connection.
 */
export class DaemonClient {
  private socket: SocketLike | null = null;
  private state: ConnectionState = { kind: 'connecting', reconnecting: false };
  /** How this client proves its key: raw bytes (Figma) or WebCrypto keys that cannot be read out (Photopea). */
  private key: KeyProver | null = null;
  private keyLoaded = false;
  private trust: Trust = { kind: 'none' };
  /**
   * The code the designer typed, until the daemon answers its exchange: typed while the unpaired
   * connection was being replaced (4004/4005, which a page holding sockets causes often), it goes
   * out on the next connection instead of being lost.
   */
  private typedCode: string | null = null;
  private readonly clientName: string;
  private failedAttempts = 0;
  private cancelRetry: (() => void) | null = null;
  private stopped = false;
  private welcome: WelcomeMessage | null = null;
  /** Whether the open socket's own welcome has come (`welcome` may still be the last connection's). */
  private welcomedHere = false;
  private paired = false;
  /** Why the daemon last stopped while setting up, shown while it is not running. */
  private lastFailure: string | null = null;
  private readonly schedule: (callback: () => void, ms: number) => () => void;

  constructor(private readonly options: DaemonClientOptions) {
    this.schedule = options.schedule ?? defaultSchedule;
    this.clientName = options.clientName ?? 'atelier-figma';
  }

  get current(): ConnectionState {
    return this.state;
  }

  start(): void {
    this.stopped = false;
    if (this.keyLoaded) return this.connect(false);
    const loaded = this.options.keyStore.load();
    if (loaded instanceof Promise) {
      this.setState({ kind: 'connecting', reconnecting: false });
      loaded.then(
        (key) => this.keyReady(key),
        () => this.keyReady(null),
      );
    } else this.keyReady(loaded);
  }

  private keyReady(key: LoadedKey | null): void {
    this.key = key === null ? null : isProver(key) ? key : rawKeyProver(key);
    this.keyLoaded = true;
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

  /** Skips the backoff wait (the "Retry now" button; also leaves the impostor panel). */
  retryNow(): void {
    if (this.socket) return;
    this.cancelRetry?.();
    this.cancelRetry = null;
    this.connect(false);
  }

  /** Starts a SPAKE2 exchange on the code the designer typed; the code itself is never sent. */
  pair(code: string): boolean {
    if (this.state.kind !== 'pairing-needed') return false;
    this.typedCode = code;
    if (!this.isOpen() || !this.welcomedHere) {
      // Between two unpaired connections: sent when the next one is welcomed (whose welcome
      // says whether it is a team server, which decides what `pair` carries).
      this.setState({ kind: 'pairing' });
      return true;
    }
    const spake = new Spake2Client(code, spake2Context(PROTOCOL_VERSION, this.clientName, hostOf(this.options.url)));
    this.trust = { kind: 'pairing', spake };
    // A team server holds one invite per designer: the code's first digits say which one this
    // share answers (protocol/client-messages.ts). Only to a server that asks for it: a local
    // daemon never learns part of its code.
    const invite = this.welcome?.capabilities.includes(TEAM_INVITE_CAPABILITY) ? { invite: code.slice(0, LIMITS.INVITE_SLOT_DIGITS) } : {};
    this.send({ type: 'pair', share: bytesToHex(spake.share), ...invite });
    this.setState({ kind: 'pairing' });
    return true;
  }

  stylize(message: StylizeMessage, images: ReadonlyMap<string, Uint8Array>): boolean {
    if (this.state.kind !== 'ready' || !this.isOpen()) return false;
    this.socket!.send(encodeMessage(message, images));
    return true;
  }

  /** Asks what a job would take; false when not ready or the daemon lacks the `estimate` capability. */
  estimate(message: EstimateMessage): boolean {
    if (this.state.kind !== 'ready' || !this.isOpen() || !this.welcome?.capabilities.includes(ESTIMATE_CAPABILITY)) return false;
    this.send(message);
    return true;
  }

  /** Whether the daemon keeps jobs past the panel (the `jobs` capability). */
  get keepsJobs(): boolean {
    return this.welcome?.capabilities.includes(JOBS_CAPABILITY) ?? false;
  }

  /** Asks for this pairing's jobs in `document` (answered by `jobs`); false when not ready or the daemon lacks `jobs`. */
  listJobs(document: string): boolean {
    return this.sendJobsMessage({ type: 'list-jobs', document });
  }

  /** Follows a running job again, or has a finished one's results sent again. */
  reattach(jobId: string): boolean {
    return this.sendJobsMessage({ type: 'reattach', jobId });
  }

  /** The job's results are in the document (or dropped): the daemon forgets them. */
  placed(jobId: string): boolean {
    return this.sendJobsMessage({ type: 'placed', jobId });
  }

  private sendJobsMessage(message: ClientMessage): boolean {
    if (this.state.kind !== 'ready' || !this.isOpen() || !this.keepsJobs) return false;
    this.send(message);
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
    this.trust = { kind: 'none' };
    this.welcomedHere = false;
    try {
      socket = this.options.createSocket(urlWithHint(this.options.url, this.key?.keyId ?? null));
    } catch {
      this.retryLater(false);
      return;
    }
    this.socket = socket;
    socket.binaryType = 'arraybuffer';
    let opened = false;
    socket.onopen = () => {
      opened = true;
      // Only the key's id and a fresh nonce: nothing derived from the key before the daemon's proof.
      const clientNonce = randomBytes(AUTH_NONCE_BYTES);
      if (this.key) this.trust = { kind: 'challenged', clientNonce };
      const hello: ClientMessage = {
        type: 'hello',
        protocol: PROTOCOL_VERSION,
        client: { name: this.clientName, version: this.options.clientVersion },
        ...(this.key ? { auth: { keyId: this.key.keyId, nonce: bytesToHex(clientNonce) } } : {}),
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
      if (this.state.kind === 'version-mismatch' || this.state.kind === 'impostor' || this.stopped) return;
      if (wasReady || this.state.kind === 'pairing') this.options.onConnectionLost();
      // 4002: the daemon (proven on this connection) revoked our pairing: pair again.
      if (event.code === 4002 && this.trust.kind === 'proven') this.forgetKey();
      // 4004/4005: an unpaired connection made room or sat idle; the pairing panel stays while
      // a fresh one opens (it is in the pairing-needed state again at the next welcome).
      const waitingToPair = this.state.kind === 'pairing-needed' || (this.state.kind === 'pairing' && this.typedCode !== null && this.trust.kind !== 'confirmed');
      if (waitingToPair && (event.code === 4004 || event.code === 4005)) {
        this.cancelRetry = this.schedule(() => this.connect(true, true), backoffMs(1));
        return;
      }
      this.retryLater(opened);
    };
  }

  private retryLater(hadConnected: boolean): void {
    if (this.stopped) return;
    // A code typed for a daemon that went away may not be the next window's: not resent.
    this.typedCode = null;
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

  /** Only on the word of a daemon that proved our key: an impostor must not make us forget it. */
  private forgetKey(): void {
    if (this.key === null) return;
    this.key = null;
    void this.options.keyStore.save(null);
  }

  /** The peer could not prove it is the daemon we paired with: say so, send nothing more, no retry loop. */
  private impostor(): void {
    this.trust = { kind: 'none' };
    this.setState({ kind: 'impostor', message: this.options.team ? TEAM_IMPOSTOR_SENTENCE : IMPOSTOR_SENTENCE });
    const socket = this.socket;
    this.socket = null;
    socket?.close(1000, 'not the paired daemon');
  }

  private proofContext(daemonNonce: Uint8Array, clientNonce: Uint8Array, keyId: string): ProofContext {
    return { protocol: PROTOCOL_VERSION, keyId, host: hostOf(this.options.url), clientName: this.clientName, clientNonce, daemonNonce };
  }

  private handleAuthChallenge(message: AuthChallengeMessage): void {
    const key = this.key;
    const trust = this.trust;
    if (trust.kind !== 'challenged' || !key) return this.impostor();
    const socket = this.socket;
    const context = this.proofContext(hexToBytes(message.nonce), trust.clientNonce, key.keyId);
    // The prover may be WebCrypto (asynchronous): nothing else is sent on this connection until
    // the daemon's proof is checked, and the answer goes only to the connection that asked.
    const stillAsked = () => this.socket === socket && this.trust === trust;
    void (async () => {
      let expected: Uint8Array;
      let mine: Uint8Array;
      try {
        expected = await key.prove('daemon', context);
        mine = await key.prove('plugin', context);
      } catch {
        if (stillAsked()) this.impostor();
        return;
      }
      if (!stillAsked()) return;
      if (!equalBytes(expected, hexToBytes(message.proof))) return this.impostor();
      this.trust = { kind: 'proven' };
      this.send({ type: 'auth', proof: bytesToHex(mine) });
    })();
  }

  private handlePairResponse(message: PairResponseMessage): void {
    if (this.trust.kind !== 'pairing') return;
    this.typedCode = null;
    const done = this.trust.spake.finish(hexToBytes(message.share), hexToBytes(message.confirm));
    if (!done) {
      // A wrong code, or someone who does not have it: nothing more goes out for this exchange.
      this.trust = { kind: 'none' };
      this.setState({ kind: 'pairing-needed', error: this.options.team ? TEAM_WRONG_CODE_SENTENCE : WRONG_CODE_SENTENCE });
      return;
    }
    this.trust = { kind: 'confirmed', key: done.key };
    this.send({ type: 'pair-confirm', confirm: bytesToHex(done.confirm) });
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
        // "Paired" only from a daemon that proved our key here, or that we just paired with.
        if (message.paired && this.trust.kind !== 'proven') return this.impostor();
        this.welcome = message;
        this.welcomedHere = true;
        this.paired = message.paired;
        this.failedAttempts = 0;
        this.lastFailure = null;
        if (message.paired) this.setPairedState();
        else {
          this.setState({ kind: 'pairing-needed', error: null });
          if (this.typedCode !== null) this.pair(this.typedCode);
        }
        return;
      case 'auth-challenge':
        this.handleAuthChallenge(message);
        return;
      case 'pair-response':
        this.handlePairResponse(message);
        return;
      case 'paired': {
        if (this.trust.kind !== 'confirmed') return this.impostor();
        const stored: StoredKey = { keyId: message.keyId, key: bytesToHex(this.trust.key) };
        this.key = rawKeyProver(stored);
        this.trust = { kind: 'proven' };
        // A store that keeps only a prover (Photopea's non-extractable keys) answers it: the
        // raw key is then dropped from memory too.
        void Promise.resolve(this.options.keyStore.save(stored)).then(
          (prover) => {
            if (prover && this.key?.keyId === prover.keyId) this.key = prover;
          },
          () => undefined,
        );
        this.paired = true;
        if (this.welcome) this.welcome = { ...this.welcome, paired: true };
        this.setPairedState();
        return;
      }
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
        // From a daemon that proved our key and then refused our proof, the key is no good;
        // from one that proved nothing ("unknown key"), keep it: it may not be our daemon.
        if (this.trust.kind === 'proven') this.forgetKey();
        this.trust = { kind: 'none' };
        this.setState({ kind: 'pairing-needed', error: null });
        return;
      case 'bad-pairing-code':
      case 'pairing-locked':
      case 'pairing-closed':
      case 'storage-failed':
        if (this.trust.kind === 'pairing' || this.trust.kind === 'confirmed') this.trust = { kind: 'none' };
        this.typedCode = null;
        this.setState({ kind: 'pairing-needed', error: message.message });
        return;
      case 'not-paired':
        this.setState({ kind: 'pairing-needed', error: null });
        if (message.requestId || message.jobId) this.options.onJobMessage(message, images);
        return;
      default:
        if (message.requestId || message.jobId) this.options.onJobMessage(message, images);
        else this.options.onProtocolError?.(message.message);
    }
  }
}

/** Proves with the raw key (Figma keeps it in clientStorage): protocol/key-proof.ts. */
export function rawKeyProver(stored: StoredKey): KeyProver {
  const secret = hexToBytes(stored.key);
  return { keyId: stored.keyId, prove: async (role, context) => keyProof(secret, role, context) };
}

/** The Host the browser sends for `url` ("localhost:7878"), bound into both proofs. */
function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return '';
  }
}
