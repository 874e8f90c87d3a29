/**
 * A stand-in for IndexedDB's object store: values are structured-cloned on the way in and out,
 * as IndexedDB does (a CryptoKey survives cloning, still non-extractable; a function would
 * not). `dump()` is what a page on the same origin could read out of it.
 */
import type { KeyValueStore } from '../../client/indexeddb-key-store.ts';

export function cloneStore(): KeyValueStore & { dump(): unknown[] } {
  const values = new Map<string, unknown>();
  return {
    get: async (key) => structuredClone(values.get(key)),
    put: async (key, value) => void values.set(key, structuredClone(value)),
    delete: async (key) => void values.delete(key),
    dump: () => [...values.values()].map((v) => structuredClone(v)),
  };
}

export function memoryStorage() {
  const items = new Map<string, string>();
  return {
    items,
    getItem: (k: string) => items.get(k) ?? null,
    setItem: (k: string, v: string) => void items.set(k, v),
    removeItem: (k: string) => void items.delete(k),
  };
}
