import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { chmod, mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { LIMITS } from '../../protocol/index.ts';
import { TOKENS_FILE_NAME } from './limits.ts';

/**
 * Paired clients' tokens, stored only as SHA-256 hashes in `<configDir>/tokens.json`
 * (directory 0700, file 0600). A token is 32 random bytes, base64url; it is shown once, to the
 * client that paired, and never logged.
 */

const recordSchema = z.object({
  /** Short random id, safe to log and to show in a "paired clients" list. */
  id: z.string().regex(/^[0-9a-f]{8,32}$/),
  /** SHA-256 of the token, hex. */
  hash: z.string().regex(/^[0-9a-f]{64}$/),
  clientName: z.string().max(64),
  createdAt: z.string(),
});
const fileSchema = z.object({ version: z.literal(1), tokens: z.array(recordSchema) });

export type TokenRecord = z.infer<typeof recordSchema>;

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

function sha256(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

function tokensPath(configDir: string): string {
  return join(configDir, TOKENS_FILE_NAME);
}

async function readRecordsAsync(configDir: string): Promise<TokenRecord[]> {
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
  return parsed.data.tokens;
}

async function writeRecordsAsync(configDir: string, tokens: TokenRecord[]): Promise<void> {
  const path = tokensPath(configDir);
  const temporary = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await mkdir(configDir, { recursive: true, mode: 0o700 });
    await writeFile(temporary, JSON.stringify({ version: 1, tokens }, null, 2) + '\n', { mode: 0o600 });
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

/** Paired clients, without their hashes. */
export async function listTokensAsync(configDir: string): Promise<Array<Omit<TokenRecord, 'hash'>>> {
  return (await readRecordsAsync(configDir)).map(({ hash: _hash, ...rest }) => rest);
}

/** The in-memory view of the tokens file used by a running daemon; writes are serialised. */
export class TokenStore {
  private writing: Promise<void> = Promise.resolve();

  private constructor(
    private readonly configDir: string,
    private records: TokenRecord[],
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

  /** Creates a token for a newly paired client and persists its hash. */
  async issueAsync(clientName: string): Promise<{ token: string; id: string }> {
    const token = randomBytes(32).toString('base64url');
    const record: TokenRecord = {
      id: randomBytes(6).toString('hex'),
      hash: sha256(token).toString('hex'),
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
    return { token, id: record.id };
  }

  /**
   * Whether a paired plugin's upgrade hint (a SHA-256 prefix of its token, see protocol
   * KEY_HINT_PARAM) names a known pairing. Only reserves a slot: the token proves it at hello.
   */
  knowsHint(hint: string): boolean {
    return hint.length === LIMITS.KEY_HINT_HEX_LENGTH && this.records.some((r) => r.hash.startsWith(hint));
  }

  /** The id of the record matching `token`, or null. Compares every hash in constant time. */
  verify(token: string): string | null {
    const presented = sha256(token);
    let match: string | null = null;
    for (const record of this.records) {
      const stored = Buffer.from(record.hash, 'hex');
      if (timingSafeEqual(stored, presented) && match === null) match = record.id;
    }
    return match;
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
