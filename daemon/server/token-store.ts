import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { LIMITS } from '../../protocol/index.ts';
import { TOKENS_FILE_NAME } from './limits.ts';
import type { KeyStore } from './pairing-seam.ts';

/**
 * Paired plugins' keys in `<configDir>/tokens.json` (directory 0700, file 0600, replaced
 * atomically). Each key is the 32-byte result of a SPAKE2 pairing (protocol/spake2.ts): it
 * never crossed the wire and is never logged. Unlike protocol 1's tokens, which were kept as
 * SHA-256 hashes because the plugin sent the token itself, the daemon must keep the key as it
 * is: it proves itself with it (HMAC, protocol/key-proof.ts) before the plugin proves anything,
 * and an HMAC cannot be checked against a hash. The file's protection is therefore its
 * permissions (only the user, who can read the plugin's storage anyway). A protocol-1 file
 * (token hashes) is read as no pairings: those plugins cannot prove a key and pair again.
 */

const recordSchema = z.object({
  /** Random lookup id (the upgrade hint), safe to log and to show in a "paired clients" list. */
  id: z.string().regex(new RegExp(`^[0-9a-f]{${LIMITS.KEY_HINT_HEX_LENGTH}}$`)),
  /** The pairing key, hex. */
  key: z.string().regex(/^[0-9a-f]{64}$/),
  clientName: z.string().max(64),
  createdAt: z.string(),
});
const fileSchema = z.union([
  z.object({ version: z.literal(2), keys: z.array(recordSchema) }),
  /** Protocol 1's token hashes: no longer usable. */
  z.object({ version: z.literal(1), tokens: z.array(z.unknown()) }),
]);

export type KeyRecord = z.infer<typeof recordSchema>;

export type TokenStoreErrorCode = 'tokens_unreadable' | 'tokens_unwritable';

/** The paired-clients file cannot be read or written; the sentence says what to do. */
export class TokenStoreError extends Error {
  constructor(
    readonly code: TokenStoreErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'TokenStoreError';
  }
}

function reasonOf(error: unknown): string {
  return (error as NodeJS.ErrnoException).code ?? (error instanceof Error ? error.message : String(error));
}

function tokensPath(configDir: string): string {
  return join(configDir, TOKENS_FILE_NAME);
}

async function readRecordsAsync(configDir: string): Promise<KeyRecord[]> {
  let text: string;
  try {
    text = await readFile(tokensPath(configDir), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new TokenStoreError('tokens_unreadable', `Atelier cannot read its paired-plugins file ${tokensPath(configDir)} (${reasonOf(error)}); make it readable by you, or delete it and pair again.`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new TokenStoreError('tokens_unreadable', `The paired-plugins file ${tokensPath(configDir)} is not JSON; delete it and pair again.`);
  }
  const parsed = fileSchema.safeParse(json);
  if (!parsed.success) {
    throw new TokenStoreError('tokens_unreadable', `The paired-plugins file ${tokensPath(configDir)} is damaged; delete it and pair again.`);
  }
  return parsed.data.version === 2 ? parsed.data.keys : [];
}

async function writeRecordsAsync(configDir: string, tokens: KeyRecord[]): Promise<void> {
  const path = tokensPath(configDir);
  const temporary = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await mkdir(configDir, { recursive: true, mode: 0o700 });
    await writeFile(temporary, JSON.stringify({ version: 2, keys: tokens }, null, 2) + '\n', { mode: 0o600 });
    // writeFile's mode is filtered by the umask; make sure nobody else can read it.
    await chmod(temporary, 0o600);
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true }).catch(() => undefined);
    throw new TokenStoreError('tokens_unwritable', `Atelier cannot save its paired-plugins file ${path} (${reasonOf(error)}); make the folder ${configDir} writable by you.`);
  }
}

/** Forgets every paired client (they must pair again). Works whether or not a daemon runs. */
export async function revokeAllTokensAsync(configDir: string): Promise<number> {
  const tokens = await readRecordsAsync(configDir).catch(() => []);
  await writeRecordsAsync(configDir, []);
  return tokens.length;
}

/** Paired clients, without their keys. */
export async function listTokensAsync(configDir: string): Promise<Array<Omit<KeyRecord, 'key'>>> {
  return (await readRecordsAsync(configDir)).map(({ key: _key, ...rest }) => rest);
}

/** The in-memory view of the keys file used by a running daemon; writes are serialised. */
export class TokenStore implements KeyStore {
  private writing: Promise<void> = Promise.resolve();

  private constructor(
    private readonly configDir: string,
    private records: KeyRecord[],
  ) {}

  static async openAsync(configDir: string): Promise<TokenStore> {
    await mkdir(configDir, { recursive: true, mode: 0o700 });
    const records = await readRecordsAsync(configDir);
    const path = tokensPath(configDir);
    const info = await stat(path).catch(() => undefined);
    if (info && (info.mode & 0o077) !== 0) await chmod(path, 0o600);
    return new TokenStore(configDir, records);
  }

  get size(): number {
    return this.records.length;
  }

  /** Saves the key of a newly paired client under a fresh random id; not paired if not saved. */
  async issueAsync(clientName: string, key: Uint8Array): Promise<{ id: string }> {
    const record: KeyRecord = {
      id: randomBytes(LIMITS.KEY_HINT_HEX_LENGTH / 2).toString('hex'),
      key: Buffer.from(key).toString('hex'),
      clientName: clientName.slice(0, 64),
      createdAt: new Date().toISOString(),
    };
    this.records = [...this.records, record];
    try {
      await this.persistAsync();
    } catch (error) {
      // Not saved: not paired either, or the plugin would lose its pairing at the next start.
      this.records = this.records.filter((r) => r !== record);
      throw error;
    }
    return { id: record.id };
  }

  /**
   * Whether a paired plugin's upgrade hint (its key id, see protocol KEY_HINT_PARAM) names a
   * known pairing. Only reserves a slot: the key proves it, in the challenge–response.
   */
  knowsHint(hint: string): boolean {
    return hint.length === LIMITS.KEY_HINT_HEX_LENGTH && this.records.some((r) => r.id === hint);
  }

  /** The key saved under `id`, or null (a lookup by a client-given id: exact match only). */
  keyFor(id: string): Uint8Array | null {
    const record = this.records.find((r) => r.id === id);
    return record ? new Uint8Array(Buffer.from(record.key, 'hex')) : null;
  }

  async revokeAsync(id: string): Promise<boolean> {
    const before = this.records.length;
    this.records = this.records.filter((r) => r.id !== id);
    if (this.records.length === before) return false;
    await this.persistAsync();
    return true;
  }

  async revokeAllAsync(): Promise<number> {
    const count = this.records.length;
    this.records = [];
    await this.persistAsync();
    return count;
  }

  private persistAsync(): Promise<void> {
    const snapshot = this.records;
    this.writing = this.writing.catch(() => undefined).then(() => writeRecordsAsync(this.configDir, snapshot));
    return this.writing;
  }
}
