import type { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';
import {
  PROTOCOL_VERSION,
  checkProtocolVersion,
  parseClientFrame,
  type DaemonStateMessage,
  type ErrorCode,
  type ServerMessage,
  type WelcomeMessage,
} from '../../protocol/index.ts';
import { authPhase, helloPhase, helloVersion, refuseAuth } from './hello.ts';
import type { JobRunner } from './job-runner.ts';
import type { JobListener } from './job-relay.ts';
import type { Logger } from './logger.ts';
import type { KeyStore, PairingSource } from './pairing-seam.ts';
import type { PairingSentences } from './pairing-sentences.ts';
import { failPendingPair, looksLikePair, pairConfirmAsync, pairShareAsync } from './pairing-turn.ts';
import { evictable, holdsUnpairedSlot, isLeaving, pendingClaim, type HelloClient, type Phase, type PhaseHost, type SlotView, type UpgradeFacts, type WelcomeState } from './phase.ts';
import { handleRequestAsync } from './requests.ts';
import type { ConnectionLimits } from './server-options.ts';
import { CLOSE_CODES, Session } from './session.ts';

export { CLOSE_CODES } from './session.ts';

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
  /** What the designer reads when pairing goes wrong (pairing-sentences.ts). */
  readonly sentences: PairingSentences;
  welcome(paired: boolean): WelcomeMessage;
}

/**
 * One client's connection: its session (socket, ordered frames, sending, clock) and its phase
 * (phase.ts), whose handlers live one file per phase: hello.ts (hello, proof of a known key),
 * pairing-turn.ts (SPAKE2), requests.ts (a paired connection's requests). Each returns the
 * next phase; this class enters it and answers the server's questions (slots, revokes, state).
 */
export class ClientConnection implements JobListener {
  private phase: Phase = { name: 'awaiting-hello', since: performance.now() };
  private readonly session: Session;
  /** Pairing attempts received and not yet answered (counted on receipt, before their turn). */
  private pairInHand = 0;
  private readonly host: PhaseHost;

  constructor(
    readonly id: string,
    socket: WebSocket,
    raw: Duplex,
    private readonly context: ServerContext,
    private readonly upgrade: UpgradeFacts = { host: '', claimsKeyId: null },
  ) {
    this.session = new Session(id, socket, raw, context.logger, {
      frame: (frame) => this.receive(frame),
      notReading: () => context.jobs.connectionClosed(id, this),
    });
    this.session.arm(context.options.helloTimeoutMs, () => {
      if (this.phase.name === 'awaiting-hello') this.session.close(CLOSE_CODES.helloTimeout, 'no hello received in time');
    });
    const connection = this;
    this.host = {
      id,
      context,
      upgrade,
      listener: this,
      get isClosed() {
        return connection.phase.name === 'closed';
      },
      send: (message, images) => this.send(message, images),
      sendError: (code, message, ids) => this.sendError(code, message, ids),
      leave: (code, reason) => this.session.leave(code, reason),
      welcomeOrHold: (client, paired, badToken) => this.welcomeOrHold(client, paired, badToken),
      armIdle: () => this.armIdle(),
    };
  }

  private get slot(): SlotView {
    return { phase: this.phase, upgrade: this.upgrade, leaving: this.session.leaving, pairInHand: this.pairInHand };
  }

  /** The key id its upgrade named while it has not proven the key yet (see MAX_PENDING_CLAIMS_PER_KEY). */
  get pendingClaim(): string | null {
    return pendingClaim(this.slot);
  }

  /** Counts against the few unpaired slots: not paired, and not on its way out. */
  get holdsUnpairedSlot(): boolean {
    return holdsUnpairedSlot(this.slot);
  }

  /** Being closed by the server: it no longer takes a slot. */
  get isLeaving(): boolean {
    return isLeaving(this.slot);
  }

  /** Whether a newer unpaired connection may take this one's slot (phase.ts `evictable`). */
  get evictable(): 'guessed' | 'idle' | 'silent' | false {
    return evictable(this.slot, performance.now());
  }

  /** Makes room for a newer unpaired connection. */
  evict(): void {
    this.session.evict(CLOSE_CODES.replaced, 'replaced by a newer unpaired connection');
  }

  /** Called by the server when the socket has closed. */
  handleClosed(code: number): void {
    const phase = this.phase;
    if (phase.name === 'closed') return;
    this.phase = { name: 'closed' };
    this.session.end();
    // Gone after the server's confirmation: its one guess was made (it may have checked it).
    if (phase.name === 'unpaired') failPendingPair(this.host, phase);
    // Jobs with a placement belong to the pairing and run on; the others end with this connection.
    const cancelled = this.context.jobs.connectionClosed(this.id, this);
    this.context.logger.log('info', 'connection-close', { connectionId: this.id, code, cancelledJobs: cancelled });
  }

  send(message: ServerMessage, images?: ReadonlyMap<string, Uint8Array>): void {
    this.session.send(message, images);
  }

  canTakePreview(): boolean {
    return this.session.canTakePreview();
  }

  close(code: number, reason: string): void {
    this.session.close(code, reason);
  }

  /** Passes a state change on to a paired client that reads them (unpaired ones learn nothing of the server). */
  sendDaemonState(message: DaemonStateMessage): void {
    const phase = this.phase;
    if (phase.name === 'paired' && phase.client.readsDaemonState && phase.welcome === 'sent') this.send(message);
  }

  /**
   * A pairing (`keyId`; null: every pairing) was revoked: a connection paired with it is closed,
   * and so is one that named its key and has not proven it yet (a proof already on its way finds
   * the key gone: authPhase). True when this one was.
   */
  revokeKey(keyId: string | null): boolean {
    const phase = this.phase;
    const named = phase.name === 'paired' || phase.name === 'authenticating' ? phase.keyId : null;
    if (named === null || (keyId !== null && named !== keyId)) return false;
    this.session.leave(CLOSE_CODES.tokenRevoked, 'pairing revoked');
    return true;
  }

  /** The runner is ready: an older client gets the welcome it has been waiting for. */
  sendHeldWelcome(): void {
    const phase = this.phase;
    if ((phase.name !== 'unpaired' && phase.name !== 'paired') || phase.welcome === 'sent') return;
    const badToken = phase.welcome === 'held-bad-token';
    phase.welcome = 'sent';
    this.sendWelcome(phase.name === 'paired', badToken);
  }

  private sendError(code: ErrorCode, message: string, ids: { requestId?: string; jobId?: string } = {}): void {
    this.session.sendError(code, message, ids);
  }

  /**
   * A client from before daemon-state cannot read a welcome without an engine: it waits for
   * its welcome (showing "connecting") until the runner is ready, rather than misreading one.
   */
  private welcomeOrHold(client: HelloClient, paired: boolean, badToken: boolean): WelcomeState {
    if (!client.readsDaemonState && this.context.jobs.info() === null) return badToken ? 'held-bad-token' : 'held';
    this.sendWelcome(paired, badToken);
    return 'sent';
  }

  private sendWelcome(paired: boolean, badToken: boolean): void {
    this.send(this.context.welcome(paired));
    if (badToken) {
      this.sendError('bad-token', this.context.sentences.unknownKey);
    }
  }

  /** (Re)starts the clock of an unpaired connection: closed when it tries no code for a while. */
  private armIdle(): void {
    this.session.arm(this.context.options.unpairedIdleMs, () => {
      if (this.phase.name === 'unpaired') this.session.leave(CLOSE_CODES.unpairedIdle, 'no pairing code tried in time');
    });
  }

  /** Enters the phase a handler returned (unless the socket closed meanwhile), with its clock. */
  private enter(next: Phase): void {
    if (this.phase.name === 'closed') return;
    this.phase = next;
    switch (next.name) {
      case 'authenticating':
        // The proof must come back as promptly as the hello did.
        this.session.arm(this.context.options.helloTimeoutMs, () => {
          if (this.phase !== next) return;
          next.challenge = null;
          refuseAuth(this.host, 'auth-timeout');
        });
        return;
      case 'unpaired':
        return this.armIdle();
      case 'paired':
        // Full-size frames (images) from now on.
        this.session.disarm();
        return this.session.dropUnpairedGuard();
      default:
        return;
    }
  }

  private receive(frame: string | Uint8Array): void {
    // Counted now, not when its turn comes, so its connection is not evicted meanwhile.
    const pairing = typeof frame === 'string' && this.phase.name !== 'paired' && looksLikePair(frame);
    if (pairing) this.pairInHand += 1;
    void this.session
      .enqueue(() => this.handleFrameAsync(frame))
      .finally(() => {
        if (pairing) this.pairInHand -= 1;
      });
  }

  private async handleFrameAsync(frame: string | Uint8Array): Promise<void> {
    const phase = this.phase;
    if (phase.name === 'closed') return;
    if (phase.name === 'awaiting-hello' && typeof frame === 'string') {
      const version = helloVersion(frame);
      if (version !== null && version !== PROTOCOL_VERSION) {
        const check = checkProtocolVersion(version);
        this.sendError('unsupported-version', check.compatible ? 'Unsupported protocol version.' : check.message);
        this.context.logger.log('warn', 'version-mismatch', { connectionId: this.id, clientProtocol: version });
        this.session.close(CLOSE_CODES.unsupportedVersion, 'unsupported protocol version');
        return;
      }
    }
    const parsed = parseClientFrame(frame);
    if (!parsed.ok) {
      this.sendError(parsed.code, parsed.message, 'requestId' in parsed && parsed.requestId ? { requestId: parsed.requestId } : {});
      return;
    }
    const { message, images } = parsed.value;
    switch (phase.name) {
      case 'awaiting-hello': {
        if (message.type !== 'hello') return this.sendError('hello-required', 'Send hello first: the daemon needs to know the protocol version.');
        this.session.disarm();
        const next = helloPhase(this.host, message);
        if (next) this.enter(next);
        return;
      }
      case 'authenticating': {
        if (message.type !== 'auth') return this.sendError('bad-message', 'Answer the daemon’s auth-challenge first.');
        this.session.disarm();
        const next = authPhase(this.host, phase, message);
        if (next) this.enter(next);
        return;
      }
      default:
        break;
    }
    switch (message.type) {
      case 'hello':
        return this.sendError('bad-message', 'hello was already received on this connection.');
      case 'auth':
        return this.sendError('bad-message', 'No auth-challenge is waiting for an answer on this connection.');
      case 'pair':
        if (phase.name === 'paired') return this.sendError('bad-message', 'This connection is already paired.');
        return pairShareAsync(this.host, phase, message.share, message.invite ?? null);
      case 'pair-confirm': {
        if (phase.name === 'paired') return this.sendError('bad-message', 'This connection is already paired.');
        const next = await pairConfirmAsync(this.host, phase, message.confirm);
        if (next) this.enter(next);
        return;
      }
      default:
        if (phase.name !== 'paired') {
          return this.sendError('not-paired', this.context.sentences.notPaired);
        }
        return handleRequestAsync(this.host, phase, message, images);
    }
  }
}
