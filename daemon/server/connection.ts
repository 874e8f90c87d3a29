import type { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';
import {
  DAEMON_STATE_CAPABILITY,
  LIMITS,
  PROTOCOL_VERSION,
  checkProtocolVersion,
  bytesToHex,
  encodeMessage,
  equalBytes,
  hexToBytes,
  keyProof,
  parseClientFrame,
  spake2Context,
  spake2Respond,
  AUTH_NONCE_BYTES,
  type ProofContext,
  type DaemonStateMessage,
  type ErrorCode,
  type AuthMessage,
  type EstimateMessage,
  type HelloMessage,
  type ImageRef,
  type ServerMessage,
  type StylizeMessage,
  type WelcomeMessage,
} from '../../protocol/index.ts';
import { defaultMemoryBudgetMB, EngineError, estimateJob, resolveOptions, type StyleOptions } from '../engine/index.ts';
import { probeImageAsync } from '../image/index.ts';
import type { JobRunner, RunnerInfo } from './job-runner.ts';
import type { Logger } from './logger.ts';
import { PairingNotSavedError, type KeyStore, type PairingSource, type PairingSourceTurn } from './pairing-seam.ts';
import { randomBytes } from 'node:crypto';
import { CUT_OFF_GRACE_MS, MAX_BUFFERED_OUTGOING_BYTES, PAIRING_MAX_FAILURES_PER_CONNECTION, UNPAIRED_MIN_LIFE_MS, PREVIEW_BACKPRESSURE_BYTES, UNPAIRED_MAX_BYTES, UNPAIRED_MAX_FRAME_BYTES } from './limits.ts';
import { UnpairedGuard } from './unpaired-guard.ts';
import type { ConnectionLimits } from './server-options.ts';

/** What every connection shares with the server. */
export interface ServerContext {
  readonly options: ConnectionLimits;
  /** The `not-ready` error's sentence, while `jobs.info()` is null. */
  notReadySentence(): string;
  /** Computes the jobs; `info()` null = not ready (the engine not loaded, no team worker alive). */
  readonly jobs: JobRunner;
  readonly keys: KeyStore;
  readonly pairing: PairingSource;
  readonly logger: Logger;
  welcome(paired: boolean): WelcomeMessage;
}

/** authenticating: its hello named a known key; the daemon sent its proof and awaits the client's. */
type State = 'awaiting-hello' | 'authenticating' | 'unpaired' | 'paired' | 'closed';

/** WebSocket close codes of our own (4000-4999 are free for applications). */
export const CLOSE_CODES = {
  unsupportedVersion: 4000,
  helloTimeout: 4001,
  tokenRevoked: 4002,
  /** The client left too much unread (MAX_BUFFERED_OUTGOING_BYTES): its jobs were cancelled. */
  notReading: 4003,
  shutdown: 1001,
  /** A newer unpaired connection took this unpaired one's slot. */
  replaced: 4004,
  /** Unpaired, and no pairing code tried for `unpairedIdleMs`. */
  unpairedIdle: 4005,
  /** PAIRING_MAX_FAILURES_PER_CONNECTION wrong codes on this connection. */
  tooManyCodes: 4006,
  /** The client's proof of its key was wrong, or it claimed a key in its upgrade and named none. */
  authFailed: 4007,
  /** RFC 6455's "message too big": an unpaired client's frame over UNPAIRED_MAX_FRAME_BYTES. */
  tooLarge: 1009,
} as const;

/** Older or newer hellos may not match today's schema: read the version before validating. */
function helloVersion(data: string): number | null {
  try {
    const raw: unknown = JSON.parse(data);
    if (typeof raw !== 'object' || raw === null) return null;
    const { type, protocol } = raw as { type?: unknown; protocol?: unknown };
    return type === 'hello' && typeof protocol === 'number' && Number.isInteger(protocol) ? protocol : null;
  } catch {
    return null;
  }
}

/** A cheap look at a small unpaired text frame: is it a `pair`? (Validated properly in its turn.) */
function looksLikePair(text: string): boolean {
  try {
    const raw: unknown = JSON.parse(text);
    return typeof raw === 'object' && raw !== null && (raw as { type?: unknown }).type === 'pair';
  } catch {
    return false;
  }
}

class RequestError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/**
 * One client's session: hello, then pairing or a token, then requests. Frames are handled one
 * after another so that a client's messages keep their order across asynchronous steps.
 */
export class ClientConnection {
  private state: State = 'awaiting-hello';
  private clientName = 'unknown';
  /** The client's name as its hello gave it (bound into SPAKE2 and the proofs). */
  private helloName = '';
  private tokenId: string | null = null;
  private chain: Promise<void> = Promise.resolve();
  /** The client announced it reads `daemon-state` (and a welcome without an engine). */
  private readsDaemonState = false;
  /** The welcome went out: state changes may follow it. */
  private welcomed = false;
  /** A welcome held back from an older client until the engine exists (see handleHello). */
  private heldWelcome: { paired: boolean; badToken: boolean } | null = null;
  private readonly helloTimer: NodeJS.Timeout;
  private unpairedTimer: NodeJS.Timeout | undefined;
  private wrongCodes = 0;
  /** A SPAKE2 exchange answered, waiting for the client's confirmation. */
  private pendingPair: { turn: Extract<PairingSourceTurn, { ok: true }>; key: Uint8Array; expected: Uint8Array } | null = null;
  /** The challenge sent to a client that named a known key. */
  private pendingAuth: { keyId: string; key: Uint8Array; context: ProofContext } | null = null;
  /** Being closed by the daemon: its slot is free already. */
  private leaving = false;
  /** Pairing attempts received and not yet answered (counted on receipt, before their turn). */
  private pairInHand = 0;
  /** A right confirmation whose pairing is being saved. */
  private saving = false;
  /** Our last step that left the next move to the peer: the upgrade, the welcome or challenge, a SPAKE2 answer. */
  private lastStepAt = performance.now();
  /** Watches the raw bytes until the connection is paired; removed then. */
  private unpairedGuard: ((chunk: Buffer) => void) | null;

  constructor(
    readonly id: string,
    private readonly socket: WebSocket,
    private readonly raw: Duplex,
    private readonly context: ServerContext,
    /** What the upgrade said: its Host (bound into key proofs) and the known key id it named, if any. */
    private readonly upgrade: { host: string; claimsKeyId: string | null } = { host: '', claimsKeyId: null },
  ) {
    this.helloTimer = setTimeout(() => {
      if (this.state === 'awaiting-hello') this.close(CLOSE_CODES.helloTimeout, 'no hello received in time');
    }, context.options.helloTimeoutMs);
    const guard = new UnpairedGuard(UNPAIRED_MAX_FRAME_BYTES, UNPAIRED_MAX_BYTES);
    this.unpairedGuard = (chunk: Buffer) => {
      const verdict = guard.push(chunk);
      if (verdict === null) return;
      this.context.logger.log('warn', 'unpaired-too-large', { connectionId: this.id, reason: verdict });
      this.cutOff(CLOSE_CODES.tooLarge, verdict === 'frame-too-large' ? 'frame too large before pairing' : 'too much data before pairing');
    };
    // Ahead of ws's own listener, so a huge frame is refused from its header, not once buffered.
    raw.prependListener('data', this.unpairedGuard);
    socket.on('message', (data, isBinary) => {
      const bytes = toBytes(data);
      if (!isBinary && bytes.byteLength > LIMITS.MAX_TEXT_MESSAGE_BYTES) {
        // Measured as received, never decoded: the protocol's own limit for text.
        this.chain = this.chain.then(() =>
          this.sendError('too-large', `A text message may be at most ${LIMITS.MAX_TEXT_MESSAGE_BYTES} bytes; images travel in binary frames.`),
        );
        return;
      }
      const frame = isBinary ? bytes : bytes.toString('utf8');
      // Counted now, not when its turn comes, so its connection is not evicted meanwhile.
      const pairing = !isBinary && this.state !== 'paired' && looksLikePair(frame as string);
      if (pairing) this.pairInHand += 1;
      this.chain = this.chain
        .then(() => this.handleFrameAsync(frame))
        .catch((error: unknown) => this.internalError(error))
        .finally(() => {
          if (pairing) this.pairInHand -= 1;
        });
    });
  }

  /** Stops reading at once (nothing more is buffered), says why, and drops the link soon after. */
  private cutOff(code: number, reason: string): void {
    this.leaving = true;
    this.raw.pause();
    this.dropUnpairedGuard();
    this.close(code, reason);
    // The peer's answer to the close is never read (reading is paused): send the close frame
    // and the end of the stream at once, and drop the link if the peer lingers.
    this.raw.end();
    setTimeout(() => this.socket.terminate(), CUT_OFF_GRACE_MS).unref();
  }

  private dropUnpairedGuard(): void {
    if (this.unpairedGuard) this.raw.off('data', this.unpairedGuard);
    this.unpairedGuard = null;
  }

  /** Paired: full-size frames (images) from now on. */
  private becomePaired(tokenId: string): void {
    this.tokenId = tokenId;
    this.state = 'paired';
    clearTimeout(this.unpairedTimer);
    this.dropUnpairedGuard();
  }

  get isPaired(): boolean {
    return this.state === 'paired';
  }

  /**
   * Its upgrade named a known pairing: it takes a slot reserved for paired plugins, never an
   * unpaired one, and must prove that pairing's key.
   */
  private get claimsPairing(): boolean {
    return this.upgrade.claimsKeyId !== null;
  }

  /** The key id its upgrade named while it has not proven the key yet (see MAX_PENDING_CLAIMS_PER_KEY). */
  get pendingClaim(): string | null {
    return this.claimsPairing && this.state !== 'paired' && !this.isLeaving ? this.upgrade.claimsKeyId : null;
  }

  /** Counts against the few unpaired slots: not paired, and not on its way out. */
  get holdsUnpairedSlot(): boolean {
    return !this.claimsPairing && this.state !== 'paired' && this.state !== 'closed' && !this.leaving;
  }

  /** Being closed by the daemon: it no longer takes a slot. */
  get isLeaving(): boolean {
    return this.leaving || this.state === 'closed';
  }

  /**
   * Whether a newer unpaired connection may take this one's slot, in the order victims are
   * taken: 'guessed' (it failed a code, so it had its guess: even with another attempt queued),
   * 'idle' (past hello, nothing queued, and our last step, welcome or SPAKE2 answer, more than
   * UNPAIRED_MIN_LIFE_MS ago: a plugin answers within one round trip), 'silent' (no hello that
   * long after its upgrade), or no (its turn is not over). A pairing being saved keeps its slot.
   * So no connection holds a slot for longer than a few UNPAIRED_MIN_LIFE_MS by its one guess.
   */
  get evictable(): 'guessed' | 'idle' | 'silent' | false {
    if (!this.holdsUnpairedSlot || this.saving) return false;
    if (this.wrongCodes > 0) return 'guessed';
    if (this.pairInHand > 0 || performance.now() - this.lastStepAt < UNPAIRED_MIN_LIFE_MS) return false;
    return this.state === 'unpaired' ? 'idle' : 'silent';
  }

  /** Makes room for a newer unpaired connection. */
  evict(): void {
    this.leaving = true;
    this.dropUnpairedGuard();
    this.close(CLOSE_CODES.replaced, 'replaced by a newer unpaired connection');
    setTimeout(() => this.socket.terminate(), CUT_OFF_GRACE_MS).unref();
  }

  /** (Re)starts the clock of an unpaired connection: closed when it tries no code for a while. */
  private armUnpairedTimer(): void {
    clearTimeout(this.unpairedTimer);
    this.unpairedTimer = setTimeout(() => {
      if (this.state !== 'unpaired') return;
      this.leaving = true;
      this.close(CLOSE_CODES.unpairedIdle, 'no pairing code tried in time');
    }, this.context.options.unpairedIdleMs);
  }

  get pairedTokenId(): string | null {
    return this.tokenId;
  }

  /** Called by the server when the socket has closed: the client's jobs are cancelled. */
  handleClosed(code: number): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    clearTimeout(this.helloTimer);
    clearTimeout(this.unpairedTimer);
    // Gone after the daemon's confirmation: its one guess was made (it may have checked it).
    this.failPendingPair();
    // Jobs with a placement belong to the pairing and run on; the others end with this connection.
    const cancelled = this.context.jobs.connectionClosed(this.id, this);
    this.context.logger.log('info', 'connection-close', { connectionId: this.id, code, cancelledJobs: cancelled });
  }

  send(message: ServerMessage, images?: ReadonlyMap<string, Uint8Array>): void {
    if (this.state === 'closed' || this.socket.readyState !== this.socket.OPEN) return;
    if (this.socket.bufferedAmount > MAX_BUFFERED_OUTGOING_BYTES) {
      // A client that never reads would otherwise hold every result and error in memory.
      this.context.logger.log('warn', 'client-not-reading', { connectionId: this.id, bufferedBytes: this.socket.bufferedAmount });
      this.context.jobs.connectionClosed(this.id, this);
      this.cutOff(CLOSE_CODES.notReading, 'too much unread data');
      return;
    }
    this.socket.send(encodeMessage(message, images));
  }

  /** Passes a state change on to a paired client that reads them (unpaired ones learn nothing of the daemon). */
  sendDaemonState(message: DaemonStateMessage): void {
    if (this.readsDaemonState && this.state === 'paired' && this.welcomed) this.send(message);
  }

  /**
   * A pairing (`keyId`; null: every pairing) was revoked: a connection paired with it is closed,
   * and so is one that named its key and has not proven it yet (a proof already on its way finds
   * the key gone: handleAuth). True when this one was.
   */
  revokeKey(keyId: string | null): boolean {
    const named = this.state === 'paired' ? this.tokenId : this.state === 'authenticating' ? (this.pendingAuth?.keyId ?? null) : null;
    if (named === null || (keyId !== null && named !== keyId)) return false;
    this.leaving = true;
    this.close(CLOSE_CODES.tokenRevoked, 'pairing revoked');
    return true;
  }

  /** The engine now exists: an older client gets the welcome it has been waiting for. */
  sendHeldWelcome(): void {
    const held = this.heldWelcome;
    if (!held) return;
    this.heldWelcome = null;
    this.sendWelcome(held.paired, held.badToken);
  }

  canTakePreview(): boolean {
    return this.socket.bufferedAmount < PREVIEW_BACKPRESSURE_BYTES;
  }

  close(code: number, reason: string): void {
    clearTimeout(this.helloTimer);
    clearTimeout(this.unpairedTimer);
    if (this.socket.readyState === this.socket.OPEN || this.socket.readyState === this.socket.CONNECTING) {
      this.socket.close(code, reason);
    }
  }

  private sendError(code: ErrorCode, message: string, ids: { requestId?: string; jobId?: string } = {}): void {
    this.context.logger.log('warn', 'error-reply', { connectionId: this.id, code, ...ids });
    this.send({ type: 'error', code, message, ...ids });
  }

  private internalError(error: unknown): void {
    this.context.logger.log('error', 'internal-error', {
      connectionId: this.id,
      detail: error instanceof Error ? (error.stack ?? error.message) : String(error),
    });
    this.sendError('internal', 'The daemon hit an unexpected problem with that message; its log has the details.');
  }

  private async handleFrameAsync(frame: string | Uint8Array): Promise<void> {
    if (this.state === 'closed') return;
    if (this.state === 'awaiting-hello' && typeof frame === 'string') {
      const version = helloVersion(frame);
      if (version !== null && version !== PROTOCOL_VERSION) {
        const check = checkProtocolVersion(version);
        const message = check.compatible ? 'Unsupported protocol version.' : check.message;
        this.sendError('unsupported-version', message);
        this.context.logger.log('warn', 'version-mismatch', { connectionId: this.id, clientProtocol: version });
        this.close(CLOSE_CODES.unsupportedVersion, 'unsupported protocol version');
        return;
      }
    }
    const parsed = parseClientFrame(frame);
    if (!parsed.ok) {
      this.sendError(parsed.code, parsed.message, 'requestId' in parsed && parsed.requestId ? { requestId: parsed.requestId } : {});
      return;
    }
    const { message, images } = parsed.value;
    if (this.state === 'awaiting-hello') {
      if (message.type !== 'hello') return this.sendError('hello-required', 'Send hello first: the daemon needs to know the protocol version.');
      return this.handleHello(message);
    }
    if (this.state === 'authenticating') {
      if (message.type !== 'auth') return this.sendError('bad-message', 'Answer the daemon’s auth-challenge first.');
      return this.handleAuth(message);
    }
    switch (message.type) {
      case 'hello':
        return this.sendError('bad-message', 'hello was already received on this connection.');
      case 'auth':
        return this.sendError('bad-message', 'No auth-challenge is waiting for an answer on this connection.');
      case 'pair':
        if (this.state === 'paired') return this.sendError('bad-message', 'This connection is already paired.');
        return this.handlePairAsync(message.share, message.invite ?? null);
      case 'pair-confirm':
        if (this.state === 'paired') return this.sendError('bad-message', 'This connection is already paired.');
        return this.handlePairConfirmAsync(message.confirm);
      default:
        break;
    }
    if (this.state !== 'paired') {
      return this.sendError('not-paired', 'Pair with the Atelier daemon first: enter the code it shows in its tray menu or log.');
    }
    switch (message.type) {
      case 'stylize':
        return this.handleStylizeAsync(message, images);
      case 'cancel': {
        const running = (await this.context.jobs.statusAsync(this.tokenId)).running;
        // Logged with the iteration reached, to check that a cancel takes effect within one.
        this.context.logger.log('info', 'cancel-requested', {
          connectionId: this.id,
          jobId: message.jobId,
          iteration: running?.jobId === message.jobId ? running.iteration : null,
        });
        if (!(await this.context.jobs.cancelAsync(message.jobId, this.tokenId!))) {
          this.sendError('unknown-job', `There is no job "${message.jobId}" of yours to cancel; it may have finished already.`, { jobId: message.jobId });
        }
        return;
      }
      case 'get-status':
        return this.send(await this.context.jobs.statusAsync(this.tokenId));
      case 'list-jobs':
        return this.send({ type: 'jobs', document: message.document, jobs: (await this.context.jobs.listAsync(this.tokenId!, message.document)).slice(-LIMITS.MAX_LISTED_JOBS) });
      case 'reattach':
        if (!(await this.context.jobs.reattachAsync(message.jobId, this.tokenId!, this))) {
          this.sendError('unknown-job', `There is no job "${message.jobId}" of yours to follow; it may have been placed or dropped already.`, { jobId: message.jobId });
        }
        return;
      case 'placed':
        if (!(await this.context.jobs.placedAsync(message.jobId, this.tokenId!))) {
          this.sendError('unknown-job', `There is no finished job "${message.jobId}" of yours to forget.`, { jobId: message.jobId });
        }
        return;
      case 'estimate':
        return this.handleEstimate(message);
    }
  }

  /** The engine's plan for such a job under the daemon's budget; nothing is queued. */
  private handleEstimate(message: EstimateMessage): void {
    const { requestId } = message;
    const info = this.context.jobs.info();
    if (info === null) return this.sendError('not-ready', this.context.notReadySentence(), { requestId });
    const options: Partial<StyleOptions> = { ...message.options };
    let resolved: StyleOptions;
    try {
      resolved = resolveOptions(options, info.convention, { width: message.width, height: message.height });
    } catch (error) {
      if (error instanceof EngineError) return this.sendError('bad-options', error.message, { requestId });
      throw error;
    }
    const budgetMB = this.context.options.memoryBudgetMB ?? defaultMemoryBudgetMB();
    const estimate = estimateJob(resolved, budgetMB);
    this.send({ type: 'estimate-result', requestId, budgetMB, ...estimate });
  }

  private handleHello(message: HelloMessage): void {
    clearTimeout(this.helloTimer);
    this.clientName = `${message.client.name}/${message.client.version}`;
    this.helloName = message.client.name;
    this.readsDaemonState = message.capabilities?.includes(DAEMON_STATE_CAPABILITY) ?? false;
    const claimed = this.upgrade.claimsKeyId;
    const key = message.auth ? this.context.keys.keyFor(message.auth.keyId) : null;
    if (claimed !== null && message.auth?.keyId !== claimed) {
      // A reserved slot taken with a key id, and that key not named in hello: not that plugin.
      return this.refuseAuth('hint-without-key');
    }
    if (message.auth && key) {
      // Prove the daemon first, over both nonces: the client sends nothing derived from its key
      // until this checks out, and neither proof is valid on another connection.
      const context: ProofContext = {
        protocol: PROTOCOL_VERSION,
        keyId: message.auth.keyId,
        host: this.upgrade.host,
        clientName: message.client.name,
        clientNonce: hexToBytes(message.auth.nonce),
        daemonNonce: new Uint8Array(randomBytes(AUTH_NONCE_BYTES)),
      };
      this.state = 'authenticating';
      this.lastStepAt = performance.now();
      this.pendingAuth = { keyId: message.auth.keyId, key, context };
      // The proof must come back as promptly as the hello did.
      this.unpairedTimer = setTimeout(() => {
        if (this.state === 'authenticating') this.refuseAuth('auth-timeout');
      }, this.context.options.helloTimeoutMs);
      this.context.logger.log('info', 'hello', { connectionId: this.id, client: this.clientName, keyId: message.auth.keyId, readsDaemonState: this.readsDaemonState });
      this.send({ type: 'auth-challenge', nonce: bytesToHex(context.daemonNonce), proof: bytesToHex(keyProof(key, 'daemon', context)) });
      return;
    }
    this.state = 'unpaired';
    this.lastStepAt = performance.now();
    this.armUnpairedTimer();
    this.context.logger.log('info', 'hello', { connectionId: this.id, client: this.clientName, paired: false, unknownKey: message.auth !== undefined, readsDaemonState: this.readsDaemonState });
    this.welcomeOrHold(false, message.auth !== undefined);
  }

  /** The client proved its key: paired. */
  private handleAuth(message: AuthMessage): void {
    const pending = this.pendingAuth;
    this.pendingAuth = null;
    clearTimeout(this.unpairedTimer);
    if (!pending) return;
    const expected = keyProof(pending.key, 'plugin', pending.context);
    if (!equalBytes(expected, hexToBytes(message.proof))) return this.refuseAuth('bad-proof');
    // The key was read at hello; it may have been revoked since (the challenge was answered late).
    const current = this.context.keys.keyFor(pending.keyId);
    if (!current || !equalBytes(current, pending.key)) return this.refuseAuth('key-revoked');
    this.becomePaired(pending.keyId);
    this.context.logger.log('info', 'authenticated', { connectionId: this.id, client: this.clientName, tokenId: pending.keyId });
    this.welcomeOrHold(true, false);
  }

  private refuseAuth(reason: 'hint-without-key' | 'auth-timeout' | 'bad-proof' | 'key-revoked'): void {
    this.leaving = true;
    this.pendingAuth = null;
    this.context.logger.log('warn', 'auth-failed', { connectionId: this.id, reason });
    this.sendError('bad-token', 'The daemon could not confirm this plugin’s pairing; pair again with the code the daemon shows.');
    this.close(CLOSE_CODES.authFailed, 'authentication failed');
  }

  /**
   * A client from before daemon-state cannot read a welcome without an engine: it waits for
   * its welcome (showing "connecting") until the engine exists, rather than misreading one.
   */
  private welcomeOrHold(paired: boolean, badToken: boolean): void {
    if (!this.readsDaemonState && this.context.jobs.info() === null) {
      this.heldWelcome = { paired, badToken };
      return;
    }
    this.sendWelcome(paired, badToken);
  }

  private sendWelcome(paired: boolean, badToken: boolean): void {
    this.welcomed = true;
    this.send(this.context.welcome(paired));
    if (badToken) {
      this.sendError('bad-token', 'The daemon does not know this plugin’s pairing (it was revoked or the daemon was reinstalled); pair again with the code the daemon shows.');
    }
  }

  /** The SPAKE2 exchange in flight counts as a wrong code: its peer made its one guess. */
  private failPendingPair(): boolean {
    const pending = this.pendingPair;
    if (!pending) return false;
    this.pendingPair = null;
    pending.turn.fail();
    this.context.logger.log('warn', 'pairing-failed', { connectionId: this.id, reason: 'no-confirmation' });
    return true;
  }

  /** One SPAKE2 share: answered in its turn with the window's code, one guess per share. */
  private async handlePairAsync(share: string, invite: string | null): Promise<void> {
    this.armUnpairedTimer();
    // A new share before confirming the last: that exchange was a guess, and a wrong one (the
    // client saw so from our confirmation and says nothing; only the last allowed is announced).
    if (this.failPendingPair() && this.countWrongCode(true)) return;
    const turn = await this.context.pairing.beginAsync(invite);
    if (this.state === 'closed') return;
    if (!turn.ok) {
      this.context.logger.log('warn', 'pairing-failed', { connectionId: this.id, reason: turn.code });
      return this.sendError('pairing-closed', turn.message ?? 'Pairing is closed. Choose “Pair a new plugin” in the Atelier tray menu (or press Enter in its terminal), then enter the code it shows.');
    }
    const answer = spake2Respond(turn.secret, spake2Context(PROTOCOL_VERSION, this.helloName, this.upgrade.host), hexToBytes(share));
    if (!answer) {
      // Not a group element: no guess was made, and nothing about the code was sent.
      turn.seat()?.release();
      return this.sendError('bad-message', 'That pairing share is not a valid ristretto255 element.');
    }
    this.pendingPair = { turn, key: answer.key, expected: answer.expectedConfirm };
    this.lastStepAt = performance.now();
    this.send({ type: 'pair-response', share: bytesToHex(answer.share), confirm: bytesToHex(answer.confirm) });
  }

  /** Counts a wrong code on this connection; true when that was its last and it is closed. */
  private countWrongCode(quiet = false): boolean {
    this.wrongCodes += 1;
    const left = PAIRING_MAX_FAILURES_PER_CONNECTION - this.wrongCodes;
    if (left <= 0) {
      this.sendError('bad-pairing-code', 'That pairing code is wrong too; check the code Atelier shows in its tray menu or terminal and try again.');
      this.leaving = true;
      this.close(CLOSE_CODES.tooManyCodes, 'too many wrong pairing codes');
      return true;
    }
    if (quiet) return false;
    this.sendError('bad-pairing-code', `That pairing code is wrong; check the code Atelier shows in its tray menu or terminal (${left} more ${left === 1 ? 'try' : 'tries'} on this connection).`);
    return false;
  }

  private async handlePairConfirmAsync(confirm: string): Promise<void> {
    this.armUnpairedTimer();
    const pending = this.pendingPair;
    this.pendingPair = null;
    if (!pending) return this.sendError('bad-message', 'No pairing exchange is waiting for a confirmation; send pair first.');
    if (!equalBytes(pending.expected, hexToBytes(confirm))) {
      pending.turn.fail();
      this.context.logger.log('warn', 'pairing-failed', { connectionId: this.id, reason: 'bad-pairing-code' });
      this.countWrongCode();
      return;
    }
    const seat = pending.turn.seat();
    if (!seat) {
      // Right code, but the window closed or another plugin is pairing with it right now.
      return this.sendError('pairing-closed', 'That code was just used or its pairing window closed. Choose “Pair a new plugin” in the Atelier tray menu (or press Enter in its terminal), then enter the new code.');
    }
    let issued: { id: string };
    this.saving = true;
    try {
      issued = await seat.issueAsync(this.clientName, pending.key);
    } catch (error) {
      seat.release();
      if (!(error instanceof PairingNotSavedError)) throw error;
      this.context.logger.log('error', 'pairing-not-saved', { connectionId: this.id, code: error.detail, detail: error.message });
      return this.sendError('storage-failed', `${error.message} Then enter the same code again.`);
    } finally {
      this.saving = false;
    }
    seat.commit();
    if (this.state === 'closed') return;
    this.becomePaired(issued.id);
    this.context.logger.log('info', 'pairing-succeeded', { connectionId: this.id, tokenId: issued.id, client: this.clientName });
    this.send({ type: 'paired', keyId: issued.id });
    // Its welcome said nothing of the daemon while it was unpaired: the full one now.
    this.welcomeOrHold(true, false);
  }

  private async handleStylizeAsync(message: StylizeMessage, images: Map<string, Uint8Array>): Promise<void> {
    const requestId = message.requestId;
    const info = this.context.jobs.info();
    if (info === null) return this.sendError('not-ready', this.context.notReadySentence(), { requestId });
    try {
      await Promise.all([...message.content, ...message.styles.map((s) => s.image)].map((ref) => this.checkImageAsync(ref, images.get(ref.id)!)));
      // The client may have gone while its images were checked: queue nothing for it.
      if (this.state === 'closed') return;
      const { options, progressEvery } = this.jobOptions(message, info.convention);
      const queued = await this.context.jobs.submitAsync({
        requestId,
        owner: this.tokenId!,
        clientName: this.helloName,
        connectionId: this.id,
        placement: message.placement ?? null,
        contents: message.content.map((ref) => images.get(ref.id)!),
        styles: message.styles.map((s) => ({ bytes: images.get(s.image.id)!, weight: s.weight })),
        options,
        progressEvery,
        listener: this,
      });
      if (!queued.ok) throw new RequestError(queued.code, queued.message);
      const jobId = queued.jobId;
      this.context.logger.log('info', 'job-accepted', {
        connectionId: this.id,
        jobId,
        requestId,
        position: queued.position,
        contents: message.content.length,
        styles: message.styles.length,
      });
      this.send({ type: 'accepted', requestId, jobId, position: queued.position });
    } catch (error) {
      if (error instanceof RequestError) return this.sendError(error.code, error.message, { requestId });
      throw error;
    }
  }

  /** JPEG sizes (and anything the protocol's quick PNG check cannot see) are checked here. */
  private async checkImageAsync(ref: ImageRef, bytes: Uint8Array): Promise<void> {
    const probe = await probeImageAsync(bytes, { maxPixels: LIMITS.MAX_INPUT_PIXELS });
    if (!probe.ok) throw new RequestError('bad-image', `Image "${ref.id}" cannot be read (${probe.message}).`);
    const mime = `image/${probe.format}`;
    if (mime !== ref.mime) throw new RequestError('image-mismatch', `Image "${ref.id}" is declared as ${ref.mime} but is ${mime}.`);
    if (probe.width !== ref.width || probe.height !== ref.height) {
      throw new RequestError('image-mismatch', `Image "${ref.id}" is declared as ${ref.width}x${ref.height} but is ${probe.width}x${probe.height}.`);
    }
  }

  /** The engine's options for this request, checked now so that a bad preset fails before queueing. */
  private jobOptions(message: StylizeMessage, convention: RunnerInfo['convention']): { options: Partial<StyleOptions>; progressEvery: number } {
    const { options: server } = this.context;
    const options: Partial<StyleOptions> = { previewEvery: server.previewEvery, previewMaxSide: server.previewMaxSide, ...message.options };
    try {
      let progressEvery = 1;
      for (const content of message.content) {
        progressEvery = resolveOptions(options, convention, content).progressEvery;
      }
      return { options, progressEvery };
    } catch (error) {
      if (error instanceof EngineError) throw new RequestError('bad-options', error.message);
      throw error;
    }
  }
}

function toBytes(data: Buffer | ArrayBuffer | Buffer[]): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}
