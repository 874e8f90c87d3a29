/**
 * The pairing key as WebCrypto keys that cannot be read back: the raw key is imported once as
 * an HKDF key (extractable false), each role's proof key derived from it exactly as
 * protocol/key-proof.ts does (HKDF-SHA256, salt empty, info "atelier <role> proof", 32 bytes)
 * as a non-extractable HMAC-SHA256 key, and only those two are kept. `crypto.subtle.exportKey`
 * rejects them, and they survive structured cloning, so IndexedDB can hold them.
 * (An empty HKDF salt is RFC 5869's default of HashLen zero bytes, as @noble/hashes' hkdf uses.)
 */
import { utf8ToBytes } from '@noble/hashes/utils.js';
import { hexToBytes, proofKeyInfo, proofTranscript, type ProofRole } from '../protocol/index.ts';
import type { KeyProver, StoredKey } from './key-store.ts';

/** What is stored: the key's id and one non-extractable HMAC key per role. */
export interface CryptoKeyRecord {
  keyId: string;
  daemon: CryptoKey;
  plugin: CryptoKey;
}

const ROLES: readonly ProofRole[] = ['daemon', 'plugin'];

/** Turns the raw pairing key into the two role keys; the raw bytes are not kept anywhere. */
export async function importPairingKeyAsync(stored: StoredKey, subtle: SubtleCrypto = globalThis.crypto.subtle): Promise<CryptoKeyRecord> {
  const raw = hexToBytes(stored.key);
  const base = await subtle.importKey('raw', raw as Uint8Array<ArrayBuffer>, 'HKDF', false, ['deriveKey']);
  raw.fill(0);
  const [daemon, plugin] = await Promise.all(
    ROLES.map((role) =>
      subtle.deriveKey(
        { name: 'HKDF', hash: 'SHA-256', salt: new Uint8Array(0), info: utf8ToBytes(proofKeyInfo(role)) as Uint8Array<ArrayBuffer> },
        base,
        { name: 'HMAC', hash: 'SHA-256', length: 256 },
        false,
        ['sign'],
      ),
    ),
  );
  return { keyId: stored.keyId, daemon: daemon!, plugin: plugin! };
}

/** Proves with the stored role keys: WebCrypto signs, the key never leaves it. */
export function cryptoKeyProver(record: CryptoKeyRecord, subtle: SubtleCrypto = globalThis.crypto.subtle): KeyProver {
  return {
    keyId: record.keyId,
    prove: async (role, context) => new Uint8Array(await subtle.sign('HMAC', record[role], proofTranscript(role, context) as Uint8Array<ArrayBuffer>)),
  };
}
