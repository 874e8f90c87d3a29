import { randomInt, timingSafeEqual } from 'node:crypto';
import { LIMITS } from '../../protocol/index.ts';
import { MAX_PAIRING_LOCKOUT_MS } from './limits.ts';

export type PairingAttempt =
  /** Right code: `commit()` once the pairing is saved (the code is then replaced), `release()` if it could not be. */
  | { ok: true; commit(): void; release(): void }
  | { ok: false; code: 'bad-pairing-code'; attemptsLeft: number }
  | { ok: false; code: 'pairing-locked'; retryInSeconds: number };

export interface PairingOptions {
  maxFailures: number;
  lockoutMs: number;
  /** Called with each new code, so the log and tray can show it. */
  onCode: (code: string, reason: 'start' | 'used' | 'too-many-failures') => void;
  now?: () => number;
}

function newCode(): string {
  return String(randomInt(0, 10 ** LIMITS.PAIRING_CODE_DIGITS)).padStart(LIMITS.PAIRING_CODE_DIGITS, '0');
}

/**
 * The one-time pairing code. It is replaced after each successful pairing and after
 * `maxFailures` wrong guesses in a row, which also pause pairing (doubling each time), so
 * guessing the 10^6 codes is hopeless. Failures count across connections: reconnecting
 * does not reset them.
 */
export class PairingCodes {
  private code = newCode();
  private failures = 0;
  private lockouts = 0;
  private lockedUntil = 0;
  /** A right code is being saved: a second use of it waits (one code, one plugin). */
  private inUse = false;
  private readonly now: () => number;

  constructor(private readonly options: PairingOptions) {
    this.now = options.now ?? Date.now;
    options.onCode(this.code, 'start');
  }

  get current(): string {
    return this.code;
  }

  attempt(candidate: string): PairingAttempt {
    const now = this.now();
    if (now < this.lockedUntil) {
      return { ok: false, code: 'pairing-locked', retryInSeconds: Math.ceil((this.lockedUntil - now) / 1000) };
    }
    const expected = Buffer.from(this.code, 'utf8');
    const given = Buffer.from(candidate, 'utf8');
    const match = given.length === expected.length && timingSafeEqual(given, expected);
    if (match) {
      if (this.inUse) return { ok: false, code: 'pairing-locked', retryInSeconds: 1 };
      // Held, not yet replaced: a pairing that cannot be saved must not burn the code.
      this.inUse = true;
      let settled = false;
      return {
        ok: true,
        commit: () => {
          if (settled) return;
          settled = true;
          this.inUse = false;
          this.failures = 0;
          this.lockouts = 0;
          this.rotate('used');
        },
        release: () => {
          if (settled) return;
          settled = true;
          this.inUse = false;
        },
      };
    }
    this.failures += 1;
    if (this.failures >= this.options.maxFailures) {
      this.failures = 0;
      const pause = Math.min(this.options.lockoutMs * 2 ** this.lockouts, MAX_PAIRING_LOCKOUT_MS);
      this.lockouts += 1;
      this.lockedUntil = now + pause;
      this.rotate('too-many-failures');
      return { ok: false, code: 'pairing-locked', retryInSeconds: Math.ceil(pause / 1000) };
    }
    return { ok: false, code: 'bad-pairing-code', attemptsLeft: this.options.maxFailures - this.failures };
  }

  private rotate(reason: 'used' | 'too-many-failures'): void {
    this.code = newCode();
    this.options.onCode(this.code, reason);
  }
}
