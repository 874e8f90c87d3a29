import { z } from 'zod';
// sandbox.ts only: Figma's main code reads this schema from clientStorage and must not load crypto.
import { LIMITS } from '../protocol/sandbox.ts';
import type { ProofContext, ProofRole } from '../protocol/key-proof.ts';

/**
 * Where a plugin keeps its pairing key between sessions, behind one interface so each editor
 * stores it its own way: Figma in `figma.clientStorage` (through the bridge: plugin/ui posts it
 * to the main code, which holds no crypto), the raw key; Photopea as non-extractable WebCrypto
 * keys in IndexedDB (client/indexeddb-key-store.ts), which no page can read out. The key is the
 * SPAKE2 result (protocol/spake2.ts), hex; `keyId` is the daemon's random lookup id for it.
 */
export const storedKeySchema = z.object({
  keyId: z.string().regex(new RegExp(`^[0-9a-f]{${LIMITS.KEY_HINT_HEX_LENGTH}}$`)),
  key: z.string().regex(/^[0-9a-f]{64}$/),
});
export type StoredKey = z.infer<typeof storedKeySchema>;

/** What the connection's proofs need of a key (protocol/key-proof.ts), wherever the key lives. */
export interface KeyProver {
  readonly keyId: string;
  /** HMAC-SHA256 of the connection's transcript under `role`'s key. */
  prove(role: ProofRole, context: ProofContext): Promise<Uint8Array>;
}

/** A key as a store hands it back: the raw key (Figma), or only a way to prove it (Photopea). */
export type LoadedKey = StoredKey | KeyProver;

export interface KeyStore {
  /** The saved key, or null; read once, when the client starts. May answer synchronously. */
  load(): LoadedKey | null | Promise<LoadedKey | null>;
  /**
   * Saves a new key after pairing (its raw bytes are handed over this once), or forgets it (null)
   * when the daemon revoked it. A store that keeps only a prover answers it, to be used from then on.
   */
  save(key: StoredKey | null): void | KeyProver | Promise<void | KeyProver>;
}

export function isProver(key: LoadedKey): key is KeyProver {
  return typeof (key as Partial<KeyProver>).prove === 'function';
}

/** A key handed in by the host (Figma's main code sends it at init) and saved through `onSave`. */
export function hostKeyStore(initial: StoredKey | null, onSave: (key: StoredKey | null) => void): KeyStore {
  let current = initial;
  return {
    load: () => current,
    save: (key) => {
      current = key;
      onSave(key);
    },
  };
}

/** The part of the Web Storage API the local-storage key store uses. */
export interface StorageLike {
  getItem(name: string): string | null;
  setItem(name: string, value: string): void;
  removeItem(name: string): void;
}

/** A key kept in `localStorage` (or any Web Storage) under `name`; anything unreadable there reads as none. */
export function webStorageKeyStore(storage: StorageLike, name: string): KeyStore {
  return {
    load: () => {
      try {
        const text = storage.getItem(name);
        if (text === null) return null;
        const parsed = storedKeySchema.safeParse(JSON.parse(text));
        return parsed.success ? parsed.data : null;
      } catch {
        return null;
      }
    },
    save: (key) => {
      if (key === null) storage.removeItem(name);
      else storage.setItem(name, JSON.stringify(key));
    },
  };
}
