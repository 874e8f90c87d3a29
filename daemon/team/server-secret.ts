import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { chmod, mkdir, open, readFile, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { SERVER_SECRET_BYTES, SERVER_SECRET_FILE_NAME } from './designer-limits.ts';

/**
 * The team server's secret: 32 random bytes in a file outside Redis (0600, in the config
 * directory unless `--secret-file` says otherwise). Designers' pairing keys and invite codes are
 * kept in Redis sealed under it with AES-256-GCM, so a copy of Redis (a backup, an RDB/AOF file,
 * someone with Redis access) holds no usable key: the server must prove a key before the
 * plugin does (protocol/key-proof.ts), so it needs the key itself, not a hash, and this secret is
 * what keeps it unreadable at rest. Each sealed value is bound (GCM's additional data) to what
 * it belongs to — a key to its key id, a code to its invite — so a sealed value copied to
 * another record does not open.
 */

/** `secret_mismatch`: designers' keys in Redis were sealed under another secret (team-keys.ts). */
export type ServerSecretErrorCode = 'secret_unreadable' | 'secret_unwritable' | 'secret_exposed' | 'secret_damaged' | 'secret_mismatch';

/** The secret file cannot be used; the sentence says what to do. */
export class ServerSecretError extends Error {
  constructor(
    readonly code: ServerSecretErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'ServerSecretError';
  }
}

const IV_BYTES = 12;
const TAG_BYTES = 16;
const SEAL_VERSION = 'v1';

export function defaultSecretFile(configDir: string): string {
  return join(configDir, SERVER_SECRET_FILE_NAME);
}

export class ServerSecret {
  private constructor(private readonly key: Buffer) {}

  /** From bytes (tests). */
  static fromBytes(bytes: Uint8Array): ServerSecret {
    if (bytes.byteLength !== SERVER_SECRET_BYTES) throw new RangeError(`a server secret is ${SERVER_SECRET_BYTES} bytes`);
    return new ServerSecret(Buffer.from(bytes));
  }

  /**
   * Reads the secret file, creating it (0600, folder 0700) when `create` and it does not exist.
   * A file others may read is refused: the secret would already be out.
   */
  static async loadAsync(file: string, create: boolean): Promise<ServerSecret> {
    let text: string | null = null;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT') throw new ServerSecretError('secret_unreadable', `Atelier cannot read the team server's secret file ${file} (${code ?? String(error)}); make it readable by the user the server runs as.`);
    }
    if (text === null) {
      if (!create) {
        throw new ServerSecretError('secret_unreadable', `The team server's secret file ${file} does not exist. Start the front door once (atelier server), or pass the same --secret-file it uses.`);
      }
      text = await createSecretFileAsync(file);
    }
    const info = await stat(file);
    if (process.platform !== 'win32' && (info.mode & 0o077) !== 0) {
      throw new ServerSecretError('secret_exposed', `The team server's secret file ${file} can be read by other users (mode ${(info.mode & 0o777).toString(8)}); run \`chmod 600 ${file}\`. If others may have read it, make a new one and invite every designer again.`);
    }
    const hex = text.trim();
    if (!new RegExp(`^[0-9a-f]{${SERVER_SECRET_BYTES * 2}}$`).test(hex)) {
      throw new ServerSecretError('secret_damaged', `The team server's secret file ${file} is damaged (it should hold ${SERVER_SECRET_BYTES * 2} hex digits). Restore it from a backup, or delete it and invite every designer again.`);
    }
    return new ServerSecret(Buffer.from(hex, 'hex'));
  }

  /** AES-256-GCM under the secret, bound to `label`: "v1.<iv>.<tag>.<ciphertext>", base64url. */
  seal(plain: Uint8Array, label: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(Buffer.from(label, 'utf8'));
    const body = Buffer.concat([cipher.update(plain), cipher.final()]);
    return [SEAL_VERSION, iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), body.toString('base64url')].join('.');
  }

  /** The sealed bytes, or null when they were sealed under another secret or another label, or altered. */
  open(sealed: string, label: string): Uint8Array | null {
    const parts = sealed.split('.');
    if (parts.length !== 4 || parts[0] !== SEAL_VERSION) return null;
    const iv = Buffer.from(parts[1]!, 'base64url');
    const tag = Buffer.from(parts[2]!, 'base64url');
    if (iv.byteLength !== IV_BYTES || tag.byteLength !== TAG_BYTES) return null;
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, iv);
      decipher.setAAD(Buffer.from(label, 'utf8'));
      decipher.setAuthTag(tag);
      return new Uint8Array(Buffer.concat([decipher.update(Buffer.from(parts[3]!, 'base64url')), decipher.final()]));
    } catch {
      return null;
    }
  }
}

/** Writes a fresh secret without ever replacing one (two processes starting at once read the same). */
async function createSecretFileAsync(file: string): Promise<string> {
  const text = `${randomBytes(SERVER_SECRET_BYTES).toString('hex')}\n`;
  try {
    await mkdir(dirname(file), { recursive: true, mode: 0o700 });
    const handle = await open(file, 'wx', 0o600);
    try {
      await handle.writeFile(text);
    } finally {
      await handle.close();
    }
    // The mode given to open is filtered by the umask; make sure nobody else can read it.
    await chmod(file, 0o600);
    return text;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return readFile(file, 'utf8');
    throw new ServerSecretError('secret_unwritable', `Atelier cannot create the team server's secret file ${file} (${(error as NodeJS.ErrnoException).code ?? String(error)}); make its folder writable by the user the server runs as, or pass --secret-file.`);
  }
}
