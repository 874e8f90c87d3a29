import type { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';
import { LIMITS, encodeMessage, type ErrorCode, type ServerMessage } from '../../protocol/index.ts';
import { CUT_OFF_GRACE_MS, MAX_BUFFERED_OUTGOING_BYTES, PREVIEW_BACKPRESSURE_BYTES, UNPAIRED_MAX_BYTES, UNPAIRED_MAX_FRAME_BYTES } from './limits.ts';
import type { Logger } from './logger.ts';
import { UnpairedGuard } from './unpaired-guard.ts';

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

export interface SessionHooks {
  /** A frame arrived (text decoded, binary as bytes); run its handling through `enqueue`. */
  frame(frame: string | Uint8Array): void;
  /** The client left more than MAX_BUFFERED_OUTGOING_BYTES unread: it is being cut off. */
  notReading(): void;
}

/**
 * One socket's transport: frames in (checked for size, in order), messages out (with
 * back-pressure), the phase clock, and the ways the server ends it. It knows nothing of hello,
 * pairing or jobs (connection.ts and its phase handlers do).
 */
export class Session {
  /** Being closed by the server: its slot is free already. */
  leaving = false;
  /** The socket closed (the connection is over). */
  private ended = false;
  private chain: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  /** Watches the raw bytes until the connection is paired; removed then. */
  private unpairedGuard: ((chunk: Buffer) => void) | null;

  constructor(
    readonly id: string,
    private readonly socket: WebSocket,
    private readonly raw: Duplex,
    private readonly logger: Logger,
    private readonly hooks: SessionHooks,
  ) {
    const guard = new UnpairedGuard(UNPAIRED_MAX_FRAME_BYTES, UNPAIRED_MAX_BYTES);
    this.unpairedGuard = (chunk: Buffer) => {
      const verdict = guard.push(chunk);
      if (verdict === null) return;
      this.logger.log('warn', 'unpaired-too-large', { connectionId: this.id, reason: verdict });
      this.cutOff(CLOSE_CODES.tooLarge, verdict === 'frame-too-large' ? 'frame too large before pairing' : 'too much data before pairing');
    };
    // Ahead of ws's own listener, so a huge frame is refused from its header, not once buffered.
    raw.prependListener('data', this.unpairedGuard);
    socket.on('message', (data, isBinary) => {
      const bytes = toBytes(data);
      if (!isBinary && bytes.byteLength > LIMITS.MAX_TEXT_MESSAGE_BYTES) {
        // Measured as received, never decoded: the protocol's own limit for text.
        void this.enqueue(() => this.sendError('too-large', `A text message may be at most ${LIMITS.MAX_TEXT_MESSAGE_BYTES} bytes; images travel in binary frames.`));
        return;
      }
      this.hooks.frame(isBinary ? bytes : bytes.toString('utf8'));
    });
  }

  get isEnded(): boolean {
    return this.ended;
  }

  /**
   * Runs `step` after every earlier one, so that a client's messages keep their order across
   * asynchronous steps; a step that throws is answered `internal` (a bug) and the next runs.
   */
  enqueue(step: () => Promise<void> | void): Promise<void> {
    this.chain = this.chain.then(step).catch((error: unknown) => this.internalError(error));
    return this.chain;
  }

  send(message: ServerMessage, images?: ReadonlyMap<string, Uint8Array>): void {
    if (this.ended || this.socket.readyState !== this.socket.OPEN) return;
    if (this.socket.bufferedAmount > MAX_BUFFERED_OUTGOING_BYTES) {
      // A client that never reads would otherwise hold every result and error in memory.
      this.logger.log('warn', 'client-not-reading', { connectionId: this.id, bufferedBytes: this.socket.bufferedAmount });
      this.hooks.notReading();
      this.cutOff(CLOSE_CODES.notReading, 'too much unread data');
      return;
    }
    this.socket.send(encodeMessage(message, images));
  }

  sendError(code: ErrorCode, message: string, ids: { requestId?: string; jobId?: string } = {}): void {
    this.logger.log('warn', 'error-reply', { connectionId: this.id, code, ...ids });
    this.send({ type: 'error', code, message, ...ids });
  }

  canTakePreview(): boolean {
    return this.socket.bufferedAmount < PREVIEW_BACKPRESSURE_BYTES;
  }

  /** The phase's clock (hello, proof, idle pairing): one at a time, replaced by the next. */
  arm(ms: number, onTimeout: () => void): void {
    this.disarm();
    this.timer = setTimeout(onTimeout, ms);
  }

  disarm(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Paired: full-size frames (images) from now on. */
  dropUnpairedGuard(): void {
    if (this.unpairedGuard) this.raw.off('data', this.unpairedGuard);
    this.unpairedGuard = null;
  }

  close(code: number, reason: string): void {
    this.disarm();
    if (this.socket.readyState === this.socket.OPEN || this.socket.readyState === this.socket.CONNECTING) {
      this.socket.close(code, reason);
    }
  }

  /** Closed by the server's decision: its slot is free at once. */
  leave(code: number, reason: string): void {
    this.leaving = true;
    this.close(code, reason);
  }

  /** Makes room for another connection: closed, and dropped if the peer lingers. */
  evict(code: number, reason: string): void {
    this.leaving = true;
    this.dropUnpairedGuard();
    this.close(code, reason);
    setTimeout(() => this.socket.terminate(), CUT_OFF_GRACE_MS).unref();
  }

  /** Stops reading at once (nothing more is buffered), says why, and drops the link soon after. */
  cutOff(code: number, reason: string): void {
    this.leaving = true;
    this.raw.pause();
    this.dropUnpairedGuard();
    this.close(code, reason);
    // The peer's answer to the close is never read (reading is paused): send the close frame
    // and the end of the stream at once, and drop the link if the peer lingers.
    this.raw.end();
    setTimeout(() => this.socket.terminate(), CUT_OFF_GRACE_MS).unref();
  }

  /** The socket closed: nothing more is sent, no clock runs. */
  end(): void {
    this.ended = true;
    this.disarm();
  }

  private internalError(error: unknown): void {
    this.logger.log('error', 'internal-error', {
      connectionId: this.id,
      detail: error instanceof Error ? (error.stack ?? error.message) : String(error),
    });
    this.sendError('internal', 'The daemon hit an unexpected problem with that message; its log has the details.');
  }
}

function toBytes(data: Buffer | ArrayBuffer | Buffer[]): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}
