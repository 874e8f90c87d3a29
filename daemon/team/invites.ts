import { randomBytes, randomInt } from 'node:crypto';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import { LIMITS } from '../../protocol/index.ts';
import { PairingNotSavedError, type Logger, type PairingSeat, type PairingSentences, type PairingSource, type PairingSourceTurn } from '../server/index.ts';
import { DESIGNER_NAME_PATTERN, INVITE_ATTEMPT_INTERVAL_MS, INVITE_GUESS_BUDGET, INVITE_KEY_PREFIX, INVITE_SECRET_DIGITS, INVITE_VALID_MS } from './designer-limits.ts';
import { DEFAULT_KEY_PREFIX } from './limits.ts';
import type { ServerSecret } from './server-secret.ts';
import { designerKeysKey, publishDesignersAsync, sealedDesignerRecord, type TeamKeyStore } from './team-keys.ts';

/**
 * Team invites (issue 30): `atelier team invite NAME` makes an 8-digit code whose first
 * INVITE_SLOT_DIGITS digits name the invite (its slot, `<prefix>invite:<slot>` in Redis) and
 * whose other digits are secret. The plugin sends the slot beside its SPAKE2 share (`pair.invite`)
 * and the whole code is SPAKE2's password, as with the local daemon's window. Each invite pairs
 * one plugin once, for INVITE_VALID_MS, and answers at most INVITE_GUESS_BUDGET shares in its
 * life (designer-limits.ts works out why that keeps the risk at or below a local window's).
 * The code is kept sealed under the server secret: the front door needs the code itself to
 * answer a share, so it cannot be stored as a hash.
 */

const SLOTS = 10 ** LIMITS.INVITE_SLOT_DIGITS;

export function inviteKey(prefix: string, slot: string): string {
  return `${prefix}${INVITE_KEY_PREFIX}${slot}`;
}

function slotText(slot: number): string {
  return String(slot).padStart(LIMITS.INVITE_SLOT_DIGITS, '0');
}

function sealLabelOfInvite(slot: string): string {
  return `atelier invite code ${slot}`;
}

/** A name `team invite` accepts, or a sentence. */
export function checkDesignerName(name: string): string | null {
  return DESIGNER_NAME_PATTERN.test(name) ? null : `"${name}" cannot be a designer's name: use up to 64 letters, digits, spaces, dots, dashes, underscores or apostrophes, starting with a letter or digit.`;
}

export interface CreatedInvite {
  /** The whole code, 8 digits: shown once to the admin, never stored in clear nor logged. */
  code: string;
  slot: string;
  name: string;
  expiresAt: Date;
}

/** Creates the invite only where no invite is (two admins inviting at once take two slots). */
const CREATE_SCRIPT = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], 'name', ARGV[1], 'sealedCode', ARGV[2], 'createdAt', ARGV[3], 'expiresAt', ARGV[4], 'guesses', 0)
redis.call('PEXPIREAT', KEYS[1], ARGV[4])
return 1
`;

export interface InviteOptions {
  prefix?: string;
  validMs?: number;
  now?: () => number;
}

/** A new invite for `name` in a free slot; an Error with a sentence when all slots hold invites. */
export async function createInviteAsync(redis: Redis, secret: ServerSecret, name: string, options: InviteOptions = {}): Promise<CreatedInvite> {
  const prefix = options.prefix ?? DEFAULT_KEY_PREFIX;
  const now = (options.now ?? Date.now)();
  const expiresAt = now + (options.validMs ?? INVITE_VALID_MS);
  const slots = [...Array(SLOTS).keys()];
  // Slots in random order: which invite a slot is reveals nothing about the next one.
  for (let i = slots.length - 1; i > 0; i--) {
    const j = randomInt(0, i + 1);
    [slots[i], slots[j]] = [slots[j]!, slots[i]!];
  }
  for (const n of slots) {
    const slot = slotText(n);
    const code = `${slot}${String(randomInt(0, 10 ** INVITE_SECRET_DIGITS)).padStart(INVITE_SECRET_DIGITS, '0')}`;
    const sealed = secret.seal(Buffer.from(code, 'utf8'), sealLabelOfInvite(slot));
    const made = await redis.eval(CREATE_SCRIPT, 1, inviteKey(prefix, slot), name, sealed, String(now), String(expiresAt));
    if (made === 1) return { code, slot, name, expiresAt: new Date(expiresAt) };
  }
  throw new Error(`All ${SLOTS} invites are open already; wait for some to be used or to expire (a day), or revoke the designers they were made for.`);
}

export interface OpenInvite {
  slot: string;
  name: string;
  expiresAt: Date;
  /** Shares answered so far (of INVITE_GUESS_BUDGET). */
  guesses: number;
}

/** Invites not used yet, by slot. */
export async function listInvitesAsync(redis: Redis, prefix = DEFAULT_KEY_PREFIX): Promise<OpenInvite[]> {
  const pipeline = redis.pipeline();
  for (let n = 0; n < SLOTS; n++) pipeline.hmget(inviteKey(prefix, slotText(n)), 'name', 'expiresAt', 'guesses');
  const replies = (await pipeline.exec()) ?? [];
  const invites: OpenInvite[] = [];
  replies.forEach(([error, value], n) => {
    // No invite in this slot reads as [null, null, null]; anything else not an invite is skipped.
    const fields = inviteFieldsSchema.safeParse(error ? null : value);
    if (fields.success) invites.push({ slot: slotText(n), name: fields.data[0], expiresAt: new Date(fields.data[1]), guesses: fields.data[2] });
  });
  return invites;
}

/** HMGET name, expiresAt, guesses of one invite (createInviteAsync writes them). */
const inviteFieldsSchema = z.tuple([z.string().min(1), z.coerce.number().int().positive(), z.coerce.number().int().min(0)]);

/**
 * One guess, counted before its answer goes out (so nothing — a crash, a closed socket, another
 * front door — can give an invite more than its budget), or why there is none.
 */
const TAKE_GUESS_SCRIPT = `
if redis.call('EXISTS', KEYS[1]) == 0 then return { 'none' } end
local fields = redis.call('HMGET', KEYS[1], 'name', 'sealedCode', 'expiresAt', 'guesses')
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
if tonumber(fields[3]) <= now then
  redis.call('DEL', KEYS[1])
  return { 'expired' }
end
local guesses = tonumber(fields[4])
if guesses >= tonumber(ARGV[1]) then
  redis.call('DEL', KEYS[1])
  return { 'burned' }
end
redis.call('HINCRBY', KEYS[1], 'guesses', 1)
return { 'ok', fields[1], fields[2], tostring(guesses + 1) }
`;

/** Saves the pairing and uses the invite up in one step, only if it is still the invite this turn answered with. */
const USE_SCRIPT = `
if redis.call('HGET', KEYS[1], 'sealedCode') ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[2], ARGV[2], ARGV[3])
return 1
`;

/** Deletes the invite once its last guess failed, if it is still the same invite. */
const BURN_SCRIPT = `
if redis.call('HGET', KEYS[1], 'sealedCode') == ARGV[1] and tonumber(redis.call('HGET', KEYS[1], 'guesses')) >= tonumber(ARGV[2]) then
  return redis.call('DEL', KEYS[1])
end
return 0
`;

/**
 * Gives back the guess of a turn whose share was not a group element: the connection answered
 * `bad-message` and sent nothing derived from the code, so no code was tested.
 */
const REFUND_SCRIPT = `
if redis.call('HGET', KEYS[1], 'sealedCode') == ARGV[1] and tonumber(redis.call('HGET', KEYS[1], 'guesses')) > 0 then
  return redis.call('HINCRBY', KEYS[1], 'guesses', -1)
end
return -1
`;

/** A refusal with the sentence a studio's designer reads (the local one names the tray). */
export type InviteTurn = PairingSourceTurn | { ok: false; code: 'pairing-closed'; message: string };

export const INVITE_SENTENCES = {
  noInvite: (slot: string) => `No invite starts with ${slot}: it was used, revoked or expired, or the code is mistyped. Check the code, or ask your studio's admin for a new one (atelier team invite NAME).`,
  burned: (slot: string) => `The invite starting with ${slot} had too many wrong codes and no longer works. Ask your studio's admin for a new one (atelier team invite NAME).`,
  noSlot: 'This team server pairs with invites: ask your studio\u2019s admin for an invite code (atelier team invite NAME). If you have one, update the Atelier plugin.',
  unreachable: 'The team server cannot reach its database (Redis) right now; try the same code again in a minute.',
  used: 'That invite was used by another plugin a moment ago; ask your studio\u2019s admin for a new one (atelier team invite NAME).',
} as const;

/**
 * The hub's pairing sentences on a team server (daemon/server/pairing-sentences.ts): its codes
 * come from the studio's admin, not from a tray menu.
 */
export const TEAM_PAIRING_SENTENCES: PairingSentences = {
  wrongCode: (left) => `That invite code is wrong; check the code your studio\u2019s admin gave you (${left} more ${left === 1 ? 'try' : 'tries'} on this connection).`,
  lastWrongCode: 'That invite code is wrong too; check the code your studio\u2019s admin gave you, then try again.',
  closed: INVITE_SENTENCES.noSlot,
  codeGone: INVITE_SENTENCES.used,
  notPaired: 'Pair with the team server first: enter the invite code your studio\u2019s admin gave you.',
  unknownKey: 'The team server does not know this plugin\u2019s pairing (it was revoked, or the plugin was paired with another server); ask your studio\u2019s admin for an invite code (atelier team invite NAME).',
  authFailed: 'The team server could not confirm this plugin\u2019s pairing; ask your studio\u2019s admin for a new invite code (atelier team invite NAME).',
};

export interface InvitePairingOptions {
  redis: Redis;
  secret: ServerSecret;
  keys: TeamKeyStore;
  logger: Logger;
  prefix?: string;
  guessBudget?: number;
  attemptIntervalMs?: number;
}

/**
 * The front door's PairingSource: invites in Redis. Turns from every connection are taken one
 * at a time, at most one per INVITE_ATTEMPT_INTERVAL_MS, as the local window's are.
 */
export class InvitePairing implements PairingSource {
  private chain: Promise<unknown> = Promise.resolve();
  private nextCheckAt = 0;
  /** Slots whose right code a plugin of this front door is saving now (one code, one plugin). */
  private readonly seated = new Set<string>();
  private readonly prefix: string;
  private readonly budget: number;

  constructor(private readonly options: InvitePairingOptions) {
    this.prefix = options.prefix ?? DEFAULT_KEY_PREFIX;
    this.budget = options.guessBudget ?? INVITE_GUESS_BUDGET;
  }

  beginAsync(invite: string | null): Promise<InviteTurn> {
    const result = this.chain.then(async () => {
      const wait = this.nextCheckAt - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      this.nextCheckAt = performance.now() + (this.options.attemptIntervalMs ?? INVITE_ATTEMPT_INTERVAL_MS);
      return this.turnAsync(invite);
    });
    this.chain = result.catch(() => undefined);
    return result;
  }

  private refuse(message: string): InviteTurn {
    return { ok: false, code: 'pairing-closed', message };
  }

  private async turnAsync(slot: string | null): Promise<InviteTurn> {
    if (slot === null || !new RegExp(`^\\d{${LIMITS.INVITE_SLOT_DIGITS}}$`).test(slot)) return this.refuse(INVITE_SENTENCES.noSlot);
    const key = inviteKey(this.prefix, slot);
    let reply: string[];
    try {
      reply = (await this.options.redis.eval(TAKE_GUESS_SCRIPT, 1, key, String(this.budget))) as string[];
    } catch (error) {
      this.options.logger.log('warn', 'invite-unreachable', { slot, reason: error instanceof Error ? error.message : String(error) });
      return this.refuse(INVITE_SENTENCES.unreachable);
    }
    const [state, name, sealedCode, guesses] = reply;
    if (state !== 'ok' || name === undefined || sealedCode === undefined) {
      this.options.logger.log('warn', 'invite-refused', { slot, reason: state ?? 'none' });
      return this.refuse(state === 'burned' ? INVITE_SENTENCES.burned(slot) : INVITE_SENTENCES.noInvite(slot));
    }
    const opened = this.options.secret.open(sealedCode, sealLabelOfInvite(slot));
    if (!opened) {
      this.options.logger.log('error', 'invite-unopened', { slot, name, reason: 'sealed under another server secret, or altered' });
      return this.refuse(INVITE_SENTENCES.noInvite(slot));
    }
    const code = Buffer.from(opened).toString('utf8');
    const guessCount = Number(guesses);
    let settled = false;
    return {
      ok: true,
      secret: code,
      fail: () => {
        if (settled) return;
        settled = true;
        this.options.logger.log('warn', 'invite-wrong-code', { slot, name, guessesLeft: Math.max(0, this.budget - guessCount) });
        if (guessCount >= this.budget) {
          // Its last guess: gone now, so `team list` stops showing it.
          this.options.redis.eval(BURN_SCRIPT, 1, key, sealedCode, String(this.budget)).then(
            () => this.options.logger.log('warn', 'invite-burned', { slot, name }),
            () => undefined,
          );
        }
      },
      seat: () => {
        if (settled || this.seated.has(slot)) return null;
        settled = true;
        this.seated.add(slot);
        return this.seat(slot, key, name, sealedCode);
      },
    };
  }

  private seat(slot: string, key: string, name: string, sealedCode: string): PairingSeat {
    let held = true;
    let saving = false;
    const free = () => {
      if (!held) return;
      held = false;
      this.seated.delete(slot);
    };
    const { redis, secret, keys, logger } = this.options;
    return {
      issueAsync: async (clientName, pairingKey) => {
        saving = true;
        const keyId = randomBytes(LIMITS.KEY_HINT_HEX_LENGTH / 2).toString('hex');
        const record = sealedDesignerRecord(secret, keyId, name, clientName, pairingKey);
        let used: unknown;
        try {
          used = await redis.eval(USE_SCRIPT, 2, key, designerKeysKey(this.prefix), sealedCode, keyId, record);
        } catch (error) {
          throw new PairingNotSavedError(INVITE_SENTENCES.unreachable, `redis_unavailable: ${error instanceof Error ? error.message : String(error)}`);
        }
        if (used !== 1) throw new PairingNotSavedError(INVITE_SENTENCES.used, 'invite_used');
        keys.add(keyId, name, pairingKey);
        logger.log('info', 'invite-used', { slot, name, keyId, client: clientName });
        // Other front doors learn of it now rather than at their next reload.
        await publishDesignersAsync(redis, this.prefix, { type: 'paired', keyIds: [keyId] }).catch(() => undefined);
        return { id: keyId };
      },
      commit: free,
      release: () => {
        // Released before any save: the connection found the share was no group element.
        if (held && !saving) redis.eval(REFUND_SCRIPT, 1, key, sealedCode).catch(() => undefined);
        free();
      },
    };
  }
}
