/**
 * The Photopea panel's key store: the pairing key as non-extractable WebCrypto keys in
 * IndexedDB (client/webcrypto-key.ts). The panel's origin is http://localhost:<port>: any
 * program that listens there while Atelier is not running serves that same origin inside
 * Photopea and can read its storage. What it finds here are CryptoKeys that sign only inside
 * the browser; the raw key cannot be read out (exportKey rejects them). A key an older panel
 * left in localStorage is moved here once and deleted there.
 */
import { z } from 'zod';
import { LIMITS } from '../protocol/index.ts';
import { webStorageKeyStore, type KeyProver, type KeyStore, type StorageLike, type StoredKey } from './key-store.ts';
import { cryptoKeyProver, importPairingKeyAsync, type CryptoKeyRecord } from './webcrypto-key.ts';

/** The few IndexedDB operations the store needs (tests stand in one that structured-clones). */
export interface KeyValueStore {
  get(key: string): Promise<unknown>;
  put(key: string, value: unknown): Promise<void>;
  delete(key: string): Promise<void>;
}

const OBJECT_STORE = 'keys';
const RECORD_KEY = 'pairing';

const hmacKey = z.custom<CryptoKey>((value) => typeof CryptoKey !== 'undefined' && value instanceof CryptoKey && !value.extractable && value.algorithm.name === 'HMAC');
/** What IndexedDB gives back is checked like any stored data. */
const recordSchema: z.ZodType<CryptoKeyRecord> = z.object({
  keyId: z.string().regex(new RegExp(`^[0-9a-f]{${LIMITS.KEY_HINT_HEX_LENGTH}}$`)),
  daemon: hmacKey,
  plugin: hmacKey,
});

function request<T>(req: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error ?? new Error('IndexedDB request failed'));
  });
}

/** One object store in an IndexedDB database, opened on first use. */
export function indexedDbStore(factory: IDBFactory, database: string): KeyValueStore {
  let opened: Promise<IDBDatabase> | null = null;
  const open = (): Promise<IDBDatabase> => {
    opened ??= new Promise((resolve, reject) => {
      const req = factory.open(database, 1);
      req.onupgradeneeded = () => req.result.createObjectStore(OBJECT_STORE);
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error ?? new Error('IndexedDB could not be opened'));
    });
    return opened;
  };
  const store = async (mode: IDBTransactionMode) => (await open()).transaction(OBJECT_STORE, mode).objectStore(OBJECT_STORE);
  return {
    get: async (key) => request((await store('readonly')).get(key)),
    put: async (key, value) => void (await request((await store('readwrite')).put(value, key))),
    delete: async (key) => void (await request((await store('readwrite')).delete(key))),
  };
}

/** A store that lasts as long as the page (storage blocked: the panel pairs again next time). */
export function memoryStore(): KeyValueStore {
  const values = new Map<string, unknown>();
  return {
    get: async (key) => values.get(key),
    put: async (key, value) => void values.set(key, value),
    delete: async (key) => void values.delete(key),
  };
}

export interface IndexedDbKeyStoreOptions {
  db: KeyValueStore;
  /** Where an older panel kept the raw key (localStorage): moved into `db` once, then deleted. */
  legacy?: { storage: StorageLike; name: string };
  subtle?: SubtleCrypto;
}

export function indexedDbKeyStore(options: IndexedDbKeyStoreOptions): KeyStore {
  const { db } = options;
  const legacy = options.legacy ? webStorageKeyStore(options.legacy.storage, options.legacy.name) : null;
  const dropLegacy = (): void => {
    try {
      void legacy?.save(null);
    } catch {
      // Storage refused: nothing can be read there either.
    }
  };
  /** Keeps `key` as CryptoKeys; where IndexedDB refuses, they still prove for this page's life. */
  const keep = async (key: StoredKey): Promise<KeyProver> => {
    const record = await importPairingKeyAsync(key, options.subtle);
    await db.put(RECORD_KEY, record);
    return cryptoKeyProver(record, options.subtle);
  };
  return {
    load: async () => {
      const stored = recordSchema.safeParse(await db.get(RECORD_KEY).catch(() => undefined));
      if (stored.success) {
        dropLegacy();
        return cryptoKeyProver(stored.data, options.subtle);
      }
      const old = legacy?.load() ?? null;
      if (old === null || 'prove' in old || old instanceof Promise) return null;
      try {
        const prover = await keep(old);
        // Deleted only once the new copy is stored: a failed move leaves the old key to try again.
        dropLegacy();
        return prover;
      } catch {
        return cryptoKeyProver(await importPairingKeyAsync(old, options.subtle), options.subtle);
      }
    },
    save: async (key) => {
      if (key === null) {
        dropLegacy();
        await db.delete(RECORD_KEY).catch(() => undefined);
        return;
      }
      return keep(key).catch(async () => cryptoKeyProver(await importPairingKeyAsync(key, options.subtle), options.subtle));
    },
  };
}
