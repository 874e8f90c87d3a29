import { randomInt, timingSafeEqual } from 'node:crypto';
import { LIMITS } from '../../protocol/index.ts';

export type PairingAttempt =
  /** Right code: `commit()` once the pairing is saved (the window then closes), `release()` if it could not be. */
  | { ok: true; commit(): void; release(): void }
  | { ok: false; code: 'bad-pairing-code' }
  | { ok: false; code: 'pairing-closed' };

/**
 * One turn of the window, taken in order with every other connection's: the daemon answers the
 * plugin's SPAKE2 share with the window's `secret` (the code) and, when the plugin's
 * confirmation arrives, either `claim()`s the code (right confirmation; null when the window
 * closed or another plugin holds the code meanwhile) or calls `fail()` (wrong confirmation, or
 * none: the peer may have checked its one guess against the daemon's confirmation either way).
 */
export type PairingTurn =
  | { ok: true; secret: string; fail(): void; claim(): PairingClaim | null }
  | { ok: false; code: 'pairing-closed' };

/** The code held for one plugin: `commit()` once its pairing is saved, `release()` if it could not be. */
export interface PairingClaim {
  commit(): void;
  release(): void;
}

/** What the tray and terminal show about pairing. */
export interface PairingWindowState {
  /** The code while the window is open, else null. */
  code: string | null;
  /** Seconds until the window closes (0 when closed). */
  secondsLeft: number;
  /** Wrong codes tried in this window: more than the designer's typos means someone else is trying. */
  failures: number;
}

export interface PairingOptions {
  /** How long a window stays open. */
  windowMs: number;
  /** Least time between two attempts checked, across all connections. */
  attemptIntervalMs: number;
  /** A window opened, was used, expired, or its count changed: the tray and log show it. */
  onChange: (state: PairingWindowState, reason: 'opened' | 'used' | 'expired' | 'failure') => void;
  now?: () => number;
}

function newCode(): string {
  return String(randomInt(0, 10 ** LIMITS.PAIRING_CODE_DIGITS)).padStart(LIMITS.PAIRING_CODE_DIGITS, '0');
}

/**
 * Pairing happens only inside a window the designer opens (at start, or from the tray or the
 * terminal), with one code for the window's whole life. Attempts from every connection are
 * checked one at a time, at most one per `attemptIntervalMs`, so a window can see at most
 * windowMs / attemptIntervalMs guesses (300 by default: 3 in 10,000 to hit a 6-digit code)
 * however many sockets a guesser opens. Wrong codes never close the window or lock anyone out:
 * the designer's own attempt waits at most for the few attempts queued before it (one per
 * unpaired connection), and the window's count of wrong codes is shown to the designer.
 */
export class PairingWindow {
  private code: string | null = null;
  private closesAt = 0;
  private failures = 0;
  private inUse = false;
  /** Bumped with every new code, so a turn of an earlier window cannot claim a later code. */
  private generation = 0;
  private nextCheckAt = 0;
  private chain: Promise<unknown> = Promise.resolve();
  private expiry: NodeJS.Timeout | undefined;
  private readonly now: () => number;

  constructor(private readonly options: PairingOptions) {
    this.now = options.now ?? Date.now;
  }

  get state(): PairingWindowState {
    const open = this.isOpen;
    return { code: open ? this.code : null, secondsLeft: open ? Math.ceil((this.closesAt - this.now()) / 1000) : 0, failures: this.failures };
  }

  get isOpen(): boolean {
    return this.code !== null && this.now() < this.closesAt;
  }

  /** Opens a window with a fresh code (or restarts the open one's clock, keeping its code). */
  open(): void {
    if (!this.isOpen) {
      this.code = newCode();
      this.failures = 0;
      this.generation += 1;
    }
    this.closesAt = this.now() + this.options.windowMs;
    clearTimeout(this.expiry);
    this.expiry = setTimeout(() => this.close('expired'), this.options.windowMs);
    this.expiry.unref();
    this.options.onChange(this.state, 'opened');
  }

  /** A turn, in order with every other connection's, at most one per interval. */
  beginAsync(): Promise<PairingTurn> {
    const result = this.chain.then(async () => {
      const wait = this.nextCheckAt - this.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      this.nextCheckAt = this.now() + this.options.attemptIntervalMs;
      return this.turn();
    });
    this.chain = result.catch(() => undefined);
    return result;
  }

  /** A turn for a caller that holds the candidate code itself (the same rules as beginAsync). */
  async attemptAsync(candidate: string): Promise<PairingAttempt> {
    const turn = await this.beginAsync();
    if (!turn.ok) return turn;
    const expected = Buffer.from(turn.secret, 'utf8');
    const given = Buffer.from(candidate, 'utf8');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      turn.fail();
      return { ok: false, code: 'bad-pairing-code' };
    }
    const claim = turn.claim();
    // The right code while its pairing is being saved: one code, one plugin (not a guess).
    return claim ? { ok: true, ...claim } : { ok: false, code: 'bad-pairing-code' };
  }

  dispose(): void {
    clearTimeout(this.expiry);
  }

  private turn(): PairingTurn {
    if (!this.isOpen || this.code === null) return { ok: false, code: 'pairing-closed' };
    const generation = this.generation;
    let settled = false;
    return {
      ok: true,
      secret: this.code,
      fail: () => {
        if (settled) return;
        settled = true;
        this.failures += 1;
        this.options.onChange(this.state, 'failure');
      },
      claim: () => {
        if (settled || !this.isOpen || this.generation !== generation || this.inUse) return null;
        settled = true;
        return this.hold();
      },
    };
  }

  /** Held, not yet used up: a pairing that cannot be saved must not burn the code. */
  private hold(): PairingClaim {
    this.inUse = true;
    let settled = false;
    return {
      commit: () => {
        if (settled) return;
        settled = true;
        this.inUse = false;
        this.close('used');
      },
      release: () => {
        if (settled) return;
        settled = true;
        this.inUse = false;
      },
    };
  }

  private close(reason: 'used' | 'expired'): void {
    clearTimeout(this.expiry);
    this.code = null;
    this.closesAt = 0;
    this.options.onChange(this.state, reason);
  }
}
