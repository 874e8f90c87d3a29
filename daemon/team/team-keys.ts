import type { Redis } from 'ioredis';
import { z } from 'zod';
import { LIMITS } from '../../protocol/index.ts';
import type { KeyStore, Logger } from '../server/index.ts';
import { DESIGNERS_CHANNEL, DESIGNERS_REFRESH_MS, DESIGNER_KEYS_KEY, INVITE_KEY_PREFIX, MAX_DESIGNER_NAME_LENGTH } from './designer-limits.ts';
import { DEFAULT_KEY_PREFIX } from './limits.ts';
import { ServerSecretError, type ServerSecret } from './server-secret.ts';

/**
 * A studio's designers in Redis: one hash, `<prefix>designer:keys`, field = the pairing's key id
 * (random hex, the protocol's lookup id and the owner of its jobs), value = a record with the
 * designer's name, the plugin that paired, when, and the key sealed under the server secret
 * (server-secret.ts). A designer pairs each plugin (Figma, Photopea) with an invite of its own,
 * so one name may hold several keys; `team revoke NAME` removes them all. Front doors hold the
 * opened keys in memory (TeamKeyStore) because lookups are synchronous.
 */

const keyIdSchema = z.string().regex(new RegExp(`^[0-9a-f]{${LIMITS.KEY_HINT_HEX_LENGTH}}$`));

const designerRecordSchema = z.object({
  name: z.string().min(1).max(MAX_DESIGNER_NAME_LENGTH),
  clientName: z.string().max(64),
  pairedAt: z.string(),
  /** The 32-byte pairing key, sealed (ServerSecret.seal) under `sealLabelOfKey(keyId)`. */
  sealedKey: z.string().max(256),
});
export type DesignerRecord = z.infer<typeof designerRecordSchema>;

/** What `designers` messages say; any message makes front doors reload, the ids say whom it concerns. */
const designersMessageSchema = z.object({ type: z.enum(['paired', 'revoked']), keyIds: z.array(keyIdSchema).max(1000) });
export type DesignersMessage = z.infer<typeof designersMessageSchema>;

/** A paired key as `team list` shows it (never the key). */
export interface DesignerKey {
  keyId: string;
  name: string;
  clientName: string;
  pairedAt: string;
}

export function designerKeysKey(prefix: string): string {
  return `${prefix}${DESIGNER_KEYS_KEY}`;
}

export function designersChannel(prefix: string): string {
  return `${prefix}${DESIGNERS_CHANNEL}`;
}

/** GCM's additional data for a key: a sealed key moved to another key id does not open. */
export function sealLabelOfKey(keyId: string): string {
  return `atelier designer key ${keyId}`;
}

/** A designer record, sealed, ready for HSET (invites.ts saves it when an invite is used). */
export function sealedDesignerRecord(secret: ServerSecret, keyId: string, name: string, clientName: string, key: Uint8Array, now = new Date()): string {
  const record: DesignerRecord = { name, clientName: clientName.slice(0, 64), pairedAt: now.toISOString(), sealedKey: secret.seal(key, sealLabelOfKey(keyId)) };
  return JSON.stringify(record);
}

/** Text from Redis (a record, a message): JSON checked by `schema`; not JSON fails like a wrong shape. */
function parseJsonWith<T>(schema: z.ZodType<T>, text: string): z.SafeParseReturnType<unknown, T> {
  try {
    return schema.safeParse(JSON.parse(text));
  } catch {
    return schema.safeParse(undefined);
  }
}

/** Records as stored, by key id; fields that are not a record are left out (and reported). */
async function readRecordsAsync(redis: Redis, prefix: string, onDamaged: (keyId: string) => void = () => undefined): Promise<Map<string, DesignerRecord>> {
  const raw = await redis.hgetall(designerKeysKey(prefix));
  const records = new Map<string, DesignerRecord>();
  for (const [keyId, text] of Object.entries(raw)) {
    const parsed = parseJsonWith(designerRecordSchema, text);
    if (keyIdSchema.safeParse(keyId).success && parsed.success) records.set(keyId, parsed.data);
    else onDamaged(keyId);
  }
  return records;
}

/** Every paired key, by name then pairing time. */
export async function listDesignersAsync(redis: Redis, prefix = DEFAULT_KEY_PREFIX): Promise<DesignerKey[]> {
  const records = await readRecordsAsync(redis, prefix);
  return [...records]
    .map(([keyId, r]) => ({ keyId, name: r.name, clientName: r.clientName, pairedAt: r.pairedAt }))
    .sort((a, b) => a.name.localeCompare(b.name) || a.pairedAt.localeCompare(b.pairedAt));
}

export async function publishDesignersAsync(redis: Redis, prefix: string, message: DesignersMessage): Promise<void> {
  await redis.publish(designersChannel(prefix), JSON.stringify(message));
}

/**
 * Removes every key and open invite of `name` in one step (a script: no front door sees half a
 * revoke), then tells the front doors, which close those keys' connections (4002) and drop
 * their waiting jobs. Names compare exactly.
 */
const REVOKE_SCRIPT = `
local removed = {}
local all = redis.call('HGETALL', KEYS[1])
for i = 1, #all, 2 do
  local ok, record = pcall(cjson.decode, all[i + 1])
  if ok and type(record) == 'table' and record['name'] == ARGV[1] then
    redis.call('HDEL', KEYS[1], all[i])
    table.insert(removed, all[i])
  end
end
local invites = 0
for slot = 0, tonumber(ARGV[3]) - 1 do
  local key = ARGV[2] .. string.format('%0' .. ARGV[4] .. 'd', slot)
  if redis.call('HGET', key, 'name') == ARGV[1] then
    redis.call('DEL', key)
    invites = invites + 1
  end
end
return { removed, invites }
`;

export async function revokeDesignerAsync(redis: Redis, name: string, prefix = DEFAULT_KEY_PREFIX): Promise<{ keyIds: string[]; invites: number }> {
  const result = (await redis.eval(REVOKE_SCRIPT, 1, designerKeysKey(prefix), name, `${prefix}${INVITE_KEY_PREFIX}`, String(10 ** LIMITS.INVITE_SLOT_DIGITS), String(LIMITS.INVITE_SLOT_DIGITS))) as [string[], number];
  const keyIds = result[0];
  if (keyIds.length > 0) await publishDesignersAsync(redis, prefix, { type: 'revoked', keyIds });
  return { keyIds, invites: result[1] };
}

export interface TeamKeyStoreOptions {
  /** Commands (the front door's, redis-connection.ts frontDoorRedis: fails fast while Redis is away). */
  redis: Redis;
  /**
   * A connection in subscriber mode from now on (patientRedis: it waits and resubscribes after
   * Redis comes back); it may carry other channels too. Not closed here.
   */
  subscriber: Redis;
  secret: ServerSecret;
  prefix?: string;
  refreshMs?: number;
  logger: Logger;
}

interface OpenedKey {
  key: Uint8Array;
  name: string;
}

/**
 * The front door's KeyStore: the designers' keys, opened, in memory. Reloaded whenever a
 * `designers` message arrives (another front door paired someone, an admin revoked someone), when
 * the subscription comes back after Redis was away (messages sent meanwhile are lost), and every
 * DESIGNERS_REFRESH_MS. A key that disappears is reported to `onRevoked` listeners, however the
 * front door learned of it. While Redis is away the keys in memory stay valid: paired designers
 * keep connecting, and a revoke takes effect when Redis is back.
 */
export class TeamKeyStore implements KeyStore {
  private keys = new Map<string, OpenedKey>();
  private readonly listeners = new Set<(keyIds: string[]) => void>();
  private readonly subscriber: Redis;
  private readonly prefix: string;
  private refreshing: Promise<void> | null = null;
  private refreshAgain = false;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  /**
   * Ids revoked by a message: a reload that read Redis before the revoke must not bring them
   * back. Key ids are random and never reused, so they are never taken off.
   */
  private readonly revoked = new Set<string>();
  /** Key ids already logged as not opening (logged once each). */
  private readonly unopened = new Set<string>();

  private constructor(private readonly options: TeamKeyStoreOptions) {
    this.prefix = options.prefix ?? DEFAULT_KEY_PREFIX;
    this.subscriber = options.subscriber;
  }

  /**
   * Loads the keys and subscribes. Rejects with ioredis' error when Redis cannot be read, and
   * with ServerSecretError `secret_mismatch` when keys exist but none opens (another secret file).
   */
  static async openAsync(options: TeamKeyStoreOptions): Promise<TeamKeyStore> {
    const store = new TeamKeyStore(options);
    const records = await readRecordsAsync(options.redis, store.prefix);
    store.keys = store.open(records);
    if (records.size > 0 && store.keys.size === 0) {
      throw new ServerSecretError('secret_mismatch', `None of the ${records.size} designers' keys in Redis opens with this server secret: the front door was started with another secret file than the one they were sealed under. Start it with the same --secret-file, or revoke every designer and invite them again.`);
    }
    const channel = designersChannel(store.prefix);
    store.subscriber.on('message', store.onChannelMessage);
    // ioredis subscribes again after a reconnection; what was published meanwhile is lost.
    store.subscriber.on('ready', store.onReconnected);
    await store.subscriber.subscribe(channel);
    store.timer = setInterval(() => store.refresh(), options.refreshMs ?? DESIGNERS_REFRESH_MS);
    store.timer.unref();
    return store;
  }

  get size(): number {
    return this.keys.size;
  }

  keyFor(id: string): Uint8Array | null {
    return this.keys.get(id)?.key ?? null;
  }

  knowsHint(hint: string): boolean {
    return hint.length === LIMITS.KEY_HINT_HEX_LENGTH && this.keys.has(hint);
  }

  /** The designer's name of a key id, for logs and status. */
  nameOf(id: string): string | null {
    return this.keys.get(id)?.name ?? null;
  }

  /** A pairing this front door just saved: usable at once, before the round trip through Redis. */
  add(keyId: string, name: string, key: Uint8Array): void {
    this.keys.set(keyId, { key, name });
  }

  /** Hears key ids that were revoked (gone from Redis); returns the unsubscribe. */
  onRevoked(listener: (keyIds: string[]) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Reloads now (coalesced with one in flight); resolves when the keys are current. */
  refreshAsync(): Promise<void> {
    if (this.refreshing) {
      this.refreshAgain = true;
      return this.refreshing;
    }
    this.refreshing = (async () => {
      try {
        do {
          this.refreshAgain = false;
          await this.reloadAsync();
        } while (this.refreshAgain && !this.closed);
      } finally {
        this.refreshing = null;
      }
    })();
    return this.refreshing;
  }

  async closeAsync(): Promise<void> {
    this.closed = true;
    clearInterval(this.timer);
    this.listeners.clear();
    this.subscriber.off('message', this.onChannelMessage);
    this.subscriber.off('ready', this.onReconnected);
    await this.subscriber.unsubscribe(designersChannel(this.prefix)).catch(() => undefined);
  }

  private readonly onChannelMessage = (channel: string, text: string): void => {
    if (channel === designersChannel(this.prefix)) this.onMessage(text);
  };

  private readonly onReconnected = (): void => this.refresh();

  private refresh(): void {
    if (this.closed) return;
    this.refreshAsync().catch((error: unknown) => {
      // Redis away: the keys in memory stay; the next message, reconnection or tick reloads.
      this.options.logger.log('warn', 'designers-refresh-failed', { reason: error instanceof Error ? error.message : String(error) });
    });
  }

  private onMessage(text: string): void {
    const parsed = parseJsonWith(designersMessageSchema, text);
    if (!parsed.success) {
      this.options.logger.log('warn', 'designers-message-unreadable', {});
      return;
    }
    if (parsed.data.type === 'revoked') {
      // Act on the message itself at once (a reload follows), so a revoke is not delayed by a slow read.
      this.drop(parsed.data.keyIds.filter((id) => this.keys.has(id)));
    }
    this.refresh();
  }

  private async reloadAsync(): Promise<void> {
    // Keys added while Redis is read (a pairing saved here) may be missing from what it returns.
    const before = new Set(this.keys.keys());
    const records = await readRecordsAsync(this.options.redis, this.prefix, (keyId) => {
      if (!this.unopened.has(keyId)) this.options.logger.log('warn', 'designer-record-damaged', { keyId });
      this.unopened.add(keyId);
    });
    if (this.closed) return;
    const fresh = this.open(records);
    for (const id of this.revoked) fresh.delete(id);
    for (const [id, opened] of this.keys) if (!before.has(id) && !fresh.has(id)) fresh.set(id, opened);
    const gone = [...this.keys.keys()].filter((id) => !fresh.has(id));
    this.keys = fresh;
    if (gone.length > 0) this.announce(gone);
  }

  private drop(keyIds: string[]): void {
    if (keyIds.length === 0) return;
    for (const id of keyIds) {
      this.keys.delete(id);
      this.revoked.add(id);
    }
    this.announce(keyIds);
  }

  private announce(keyIds: string[]): void {
    this.options.logger.log('info', 'designers-revoked', { keyIds });
    for (const listener of this.listeners) listener(keyIds);
  }

  private open(records: Map<string, DesignerRecord>): Map<string, OpenedKey> {
    const opened = new Map<string, OpenedKey>();
    for (const [keyId, record] of records) {
      const key = this.options.secret.open(record.sealedKey, sealLabelOfKey(keyId));
      if (key && key.byteLength === 32) opened.set(keyId, { key, name: record.name });
      else if (!this.unopened.has(keyId)) {
        this.unopened.add(keyId);
        this.options.logger.log('warn', 'designer-key-unopened', { keyId, name: record.name, reason: 'sealed under another server secret, or altered' });
      }
    }
    return opened;
  }
}
