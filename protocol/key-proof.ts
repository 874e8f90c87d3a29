import { hkdf } from '@noble/hashes/hkdf.js';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { concatBytes, utf8ToBytes } from '@noble/hashes/utils.js';

/**
 * The challenge–response of every connection after pairing: both sides hold the pairing key
 * (spake2.ts); each proves it with HMAC-SHA256 over both fresh nonces and the connection's
 * details, under a key of its own role (HKDF of the pairing key), so a proof is never valid for
 * the other direction, another connection (fresh nonces), another port (host) or protocol.
 * The daemon proves itself first; the plugin sends its proof only once the daemon's checks out.
 * (Origin is not bound: a browser client cannot know which Origin its frame sends.)
 */

export type ProofRole = 'daemon' | 'plugin';

/** What both sides see of one connection. */
export interface ProofContext {
  protocol: number;
  /** The key's lookup id (random, not derived from the key). */
  keyId: string;
  /** The Host the client dialed and the daemon received, e.g. "localhost:7878". */
  host: string;
  /** The client's name from its hello. */
  clientName: string;
  clientNonce: Uint8Array;
  daemonNonce: Uint8Array;
}

/** Bytes of each side's nonce and of a proof. */
export const AUTH_NONCE_BYTES = 32;
export const AUTH_PROOF_BYTES = 32;

function field(text: string | Uint8Array): Uint8Array {
  const bytes = typeof text === 'string' ? utf8ToBytes(text) : text;
  const length = new Uint8Array(4);
  new DataView(length.buffer).setUint32(0, bytes.byteLength, false);
  return concatBytes(length, bytes);
}

/** HKDF info of each role's key: HKDF-SHA256(pairing key, no salt, this info, 32 bytes). */
export function proofKeyInfo(role: ProofRole): string {
  return `atelier ${role} proof`;
}

/**
 * What a role's key MACs: every field length-prefixed. Exported for provers that hold the role
 * key where it cannot be read out (WebCrypto) and MAC these bytes themselves.
 */
export function proofTranscript(role: ProofRole, context: ProofContext): Uint8Array {
  return concatBytes(
    field('atelier-auth-v1'),
    field(role),
    field(String(context.protocol)),
    field(context.keyId),
    field(context.host.toLowerCase()),
    field(context.clientName),
    field(context.clientNonce),
    field(context.daemonNonce),
  );
}

/** HMAC(role key, transcript). */
export function keyProof(key: Uint8Array, role: ProofRole, context: ProofContext): Uint8Array {
  const roleKey = hkdf(sha256, key, undefined, utf8ToBytes(proofKeyInfo(role)), 32);
  return hmac(sha256, roleKey, proofTranscript(role, context));
}
