import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';
import { LIMITS } from '../protocol/index.ts';

/**
 * The hint a paired plugin puts in its upgrade URL (see protocol/limits.ts, KEY_HINT_PARAM):
 * a SHA-256 prefix of its token, from @noble/hashes because Figma's UI iframe may not offer
 * WebCrypto's digest (and it is asynchronous where it does).
 */
export function keyHint(token: string): string {
  return bytesToHex(sha256(utf8ToBytes(token))).slice(0, LIMITS.KEY_HINT_HEX_LENGTH);
}

/** The daemon URL with this plugin's hint, when it has a token. */
export function urlWithHint(url: string, token: string | null): string {
  if (!token) return url;
  const base = url.endsWith('/') ? url : `${url}/`;
  return `${base}?${LIMITS.KEY_HINT_PARAM}=${keyHint(token)}`;
}
