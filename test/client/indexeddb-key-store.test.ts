/**
 * Item 8 of issue 27: the Photopea panel's pairing key, kept as non-extractable WebCrypto keys
 * in IndexedDB. Another page on the panel's origin (a squatter on localhost:7878 while Atelier is
 * not running) can read the panel's storage, but finds no key material it can take away.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bytesToHex, hexToBytes, keyProof, PROTOCOL_VERSION, type ProofContext } from '../../protocol/index.ts';
import { indexedDbKeyStore } from '../../client/indexeddb-key-store.ts';
import { isProver, type KeyProver, type StoredKey } from '../../client/key-store.ts';
import { cloneStore, memoryStorage } from './clone-store.ts';

const KEY: StoredKey = { keyId: '0123456789abcdef', key: 'a7'.repeat(32) };
const LEGACY = 'atelier.photopea.key.v1';
const context: ProofContext = { protocol: PROTOCOL_VERSION, keyId: KEY.keyId, host: 'localhost:7878', clientName: 'atelier-photopea', clientNonce: new Uint8Array(32).fill(1), daemonNonce: new Uint8Array(32).fill(2) };

/** Everything a page on the same origin can read: every storage value and every stored object, exported where possible. */
async function squatterLoot(storage: ReturnType<typeof memoryStorage>, db: ReturnType<typeof cloneStore>): Promise<string[]> {
  const loot = [...storage.items.values()];
  for (const record of db.dump()) {
    loot.push(JSON.stringify(record));
    for (const value of Object.values(record as Record<string, unknown>)) {
      if (value instanceof CryptoKey) {
        await crypto.subtle.exportKey('raw', value).then(
          (raw) => loot.push(bytesToHex(new Uint8Array(raw))),
          () => undefined,
        );
      }
    }
  }
  return loot;
}

async function provesLikeTheDaemon(prover: KeyProver): Promise<void> {
  for (const role of ['daemon', 'plugin'] as const) {
    assert.equal(bytesToHex(await prover.prove(role, context)), bytesToHex(keyProof(hexToBytes(KEY.key), role, context)), role);
  }
}

test('a saved key is stored as non-extractable HMAC keys only: exportKey rejects, proofs match protocol/key-proof.ts', async () => {
  const db = cloneStore();
  const storage = memoryStorage();
  const store = indexedDbKeyStore({ db, legacy: { storage, name: LEGACY } });
  const prover = await store.save(KEY);
  assert.ok(prover && isProver(prover));
  await provesLikeTheDaemon(prover);
  const [record] = db.dump() as { keyId: string; daemon: CryptoKey; plugin: CryptoKey }[];
  assert.equal(record!.keyId, KEY.keyId);
  for (const key of [record!.daemon, record!.plugin]) {
    assert.equal(key.extractable, false);
    await assert.rejects(crypto.subtle.exportKey('raw', key));
    await assert.rejects(crypto.subtle.exportKey('jwk', key));
  }
  const loot = await squatterLoot(storage, db);
  assert.ok(!loot.some((text) => text.includes(KEY.key)), 'the raw key is nowhere to be read');
  // A new panel (page reload) proves with what IndexedDB gave back.
  const loaded = await indexedDbKeyStore({ db, legacy: { storage, name: LEGACY } }).load();
  assert.ok(loaded && isProver(loaded));
  await provesLikeTheDaemon(loaded);
});

test('a key an older panel left in localStorage is moved once and deleted there', async () => {
  const db = cloneStore();
  const storage = memoryStorage();
  storage.setItem(LEGACY, JSON.stringify(KEY));
  storage.setItem('atelier.photopea.options.v1', '{"quality":"draft"}');
  const loaded = await indexedDbKeyStore({ db, legacy: { storage, name: LEGACY } }).load();
  assert.ok(loaded && isProver(loaded));
  await provesLikeTheDaemon(loaded);
  assert.equal(storage.getItem(LEGACY), null, 'the old copy is gone');
  assert.equal(storage.getItem('atelier.photopea.options.v1'), '{"quality":"draft"}', 'nothing else touched');
  assert.equal(db.dump().length, 1);
  assert.ok(!(await squatterLoot(storage, db)).some((text) => text.includes(KEY.key)));
  // Next load: from IndexedDB (the move happened once).
  const again = await indexedDbKeyStore({ db, legacy: { storage, name: LEGACY } }).load();
  assert.ok(again && isProver(again));
  await provesLikeTheDaemon(again);
});

test('a legacy key that cannot be moved (IndexedDB refuses) stays where it was; forgetting deletes both', async () => {
  const storage = memoryStorage();
  storage.setItem(LEGACY, JSON.stringify(KEY));
  const refusing = { get: async () => undefined, put: async () => Promise.reject(new Error('QuotaExceededError')), delete: async () => undefined };
  const loaded = await indexedDbKeyStore({ db: refusing, legacy: { storage, name: LEGACY } }).load();
  assert.ok(loaded && isProver(loaded), 'this session still proves');
  await provesLikeTheDaemon(loaded);
  assert.notEqual(storage.getItem(LEGACY), null, 'kept for the next try');
  const db = cloneStore();
  const store = indexedDbKeyStore({ db, legacy: { storage, name: LEGACY } });
  await store.load();
  await store.save(null);
  assert.equal(storage.getItem(LEGACY), null);
  assert.deepEqual(db.dump(), []);
  assert.equal(await indexedDbKeyStore({ db, legacy: { storage, name: LEGACY } }).load(), null);
});

test('what IndexedDB hands back is checked: a record with extractable or foreign keys is not used', async () => {
  const db = cloneStore();
  const extractable = await crypto.subtle.importKey('raw', hexToBytes(KEY.key) as Uint8Array<ArrayBuffer>, { name: 'HMAC', hash: 'SHA-256' }, true, ['sign']);
  await db.put('pairing', { keyId: KEY.keyId, daemon: extractable, plugin: extractable });
  assert.equal(await indexedDbKeyStore({ db }).load(), null);
});
