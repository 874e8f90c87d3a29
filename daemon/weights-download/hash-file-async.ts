import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';

/** MD5 for 32 hex digits, SHA-256 for 64, as Keras' `get_file` decides. */
export function hashAlgorithmFor(expectedHash: string): 'md5' | 'sha256' {
  return expectedHash.length === 32 ? 'md5' : 'sha256';
}

/** Lower-case hex digest of a file, read as a stream (the weights file is ~80 MB). */
export async function hashFileAsync(file: string, algorithm: 'md5' | 'sha256'): Promise<string> {
  const hash = createHash(algorithm);
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
