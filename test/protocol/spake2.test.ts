import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ristretto255, ristretto255_hasher } from '@noble/curves/ed25519.js';
import { hkdf } from '@noble/hashes/hkdf.js';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { concatBytes, utf8ToBytes } from '@noble/hashes/utils.js';
import {
  SPAKE2_CODE_PREFIX,
  SPAKE2_DST,
  SPAKE2_M_SEED,
  SPAKE2_N_SEED,
  Spake2Client,
  bytesToHex,
  equalBytes,
  keyProof,
  proofKeyInfo,
  proofTranscript,
  spake2Context,
  spake2Respond,
  type ProofContext,
} from '../../protocol/index.ts';

const context = spake2Context(4, 'atelier-figma', 'localhost:7878');

test('SPAKE2 on the right code: both sides derive the same key and each confirmation checks out', () => {
  const client = new Spake2Client('042917', context);
  const daemon = spake2Respond('042917', context, client.share)!;
  const done = client.finish(daemon.share, daemon.confirm);
  assert.ok(done, 'the daemon\'s confirmation matches');
  assert.ok(equalBytes(done.key, daemon.key), 'the same key on both sides');
  assert.ok(equalBytes(done.confirm, daemon.expectedConfirm), 'the client\'s confirmation matches');
  assert.equal(done.key.byteLength, 32);
  // Fresh randomness each time: another exchange on the same code gives another key.
  const again = new Spake2Client('042917', context);
  const other = spake2Respond('042917', context, again.share)!;
  assert.ok(!equalBytes(again.finish(other.share, other.confirm)!.key, done.key));
});

test('a wrong code, another context (client, Host, protocol) or a tampered share: no confirmation, no key', () => {
  for (const [code, ctx] of [
    ['042918', context],
    ['042917', spake2Context(4, 'atelier-figma', 'localhost:7879')],
    ['042917', spake2Context(4, 'someone-else', 'localhost:7878')],
    ['042917', spake2Context(3, 'atelier-figma', 'localhost:7878')],
  ] as const) {
    const client = new Spake2Client('042917', context);
    const daemon = spake2Respond(code, ctx, client.share)!;
    assert.equal(client.finish(daemon.share, daemon.confirm), null, `${code} ${bytesToHex(ctx)}`);
  }
  const client = new Spake2Client('042917', context);
  const daemon = spake2Respond('042917', context, client.share)!;
  const flipped = daemon.confirm.slice();
  flipped[0]! ^= 1;
  assert.equal(client.finish(daemon.share, flipped), null);
});

test('shares that are not canonical non-identity ristretto255 elements are refused', () => {
  const identity = ristretto255.Point.ZERO.toBytes();
  const nonCanonical = new Uint8Array(32).fill(0xff);
  for (const share of [identity, nonCanonical, new Uint8Array(31), new Uint8Array(33)]) {
    assert.equal(spake2Respond('042917', context, share), null, bytesToHex(share));
    assert.equal(new Spake2Client('042917', context).finish(share, new Uint8Array(32)), null);
  }
});

test('the context cannot read two ways: a client name holding "|host=" is not another Host', () => {
  // Joined with "|" (protocol 3) both read "atelier-pair|protocol=4|client=atelier-figma|host=evil:1|host=localhost:7878".
  const named = spake2Context(4, 'atelier-figma|host=evil:1', 'localhost:7878');
  const hosted = spake2Context(4, 'atelier-figma', 'evil:1|host=localhost:7878');
  assert.notDeepEqual(named, hosted);
  const client = new Spake2Client('04291735', named);
  const daemon = spake2Respond('04291735', hosted, client.share)!;
  assert.equal(client.finish(daemon.share, daemon.confirm), null, 'the two sides do not agree');
});

/**
 * RFC 9382 §3-4 computed here from the RFC, not from protocol/spake2.ts: M, N and w from the
 * documented seeds, and the confirmation a peer would send for a given K.
 */
const DST = utf8ToBytes(SPAKE2_DST);
const M = ristretto255_hasher.hashToCurve(utf8ToBytes(SPAKE2_M_SEED), { DST });
const N = ristretto255_hasher.hashToCurve(utf8ToBytes(SPAKE2_N_SEED), { DST });
const wOf = (code: string): bigint => ristretto255_hasher.hashToScalar(utf8ToBytes(`${SPAKE2_CODE_PREFIX}${code}`), { DST });
function lengthPrefixed(...parts: Uint8Array[]): Uint8Array {
  return concatBytes(...parts.flatMap((part) => {
    const length = new Uint8Array(8);
    new DataView(length.buffer).setBigUint64(0, BigInt(part.byteLength), true);
    return [length, part];
  }));
}
function scalarLE(value: bigint): Uint8Array {
  return Uint8Array.from({ length: 32 }, (_, i) => Number((value >> BigInt(8 * i)) & 0xffn));
}
function daemonConfirmFor(aad: Uint8Array, pA: Uint8Array, pB: Uint8Array, K: Uint8Array, w: bigint): Uint8Array {
  const TT = lengthPrefixed(utf8ToBytes('atelier-plugin'), utf8ToBytes('atelier-daemon'), pA, pB, K, scalarLE(w));
  const kc = hkdf(sha256, sha256(TT).slice(16, 32), undefined, concatBytes(utf8ToBytes('ConfirmationKeys'), aad), 64);
  return hmac(sha256, kc.slice(32, 64), TT);
}

test('the oracle above agrees with protocol/spake2.ts on an honest exchange', () => {
  // A daemon share y·G + w·N with a y of our own: the client must accept our confirmation.
  const w = wOf('04291735');
  const y = 123456789n;
  const pB = ristretto255.Point.BASE.multiply(y).add(N.multiply(w));
  const client = new Spake2Client('04291735', context);
  const K = ristretto255.Point.fromBytes(client.share).subtract(M.multiply(w)).multiply(y);
  const confirm = daemonConfirmFor(context, client.share, pB.toBytes(), K.toBytes(), w);
  assert.ok(client.finish(pB.toBytes(), confirm), 'the oracle computes what the client expects');
});

test('a share that makes K the identity is refused on both sides, even with a matching confirmation', () => {
  const w = wOf('04291735');
  // The plugin's share w·M: the daemon's K = y·(pA − w·M) is the identity whatever y is.
  assert.equal(spake2Respond('04291735', context, M.multiply(w).toBytes()), null);
  // Another code's w'·M is an ordinary (wrong) guess: answered.
  assert.ok(spake2Respond('04291735', context, M.multiply(wOf('11111111')).toBytes()));
  // The daemon's share w·N: the plugin's K = x·(pB − w·N) is the identity, and a peer knowing w
  // can compute the confirmation for it without the plugin's secret x.
  const client = new Spake2Client('04291735', context);
  const pB = N.multiply(w).toBytes();
  const confirm = daemonConfirmFor(context, client.share, pB, ristretto255.Point.ZERO.toBytes(), w);
  assert.equal(client.finish(pB, confirm), null);
});

test('key proofs differ by role and by every detail of the connection', () => {
  const key = new Uint8Array(32).fill(7);
  const base: ProofContext = { protocol: 2, keyId: '0123456789abcdef', host: 'localhost:7878', clientName: 'atelier-figma', clientNonce: new Uint8Array(32).fill(1), daemonNonce: new Uint8Array(32).fill(2) };
  const proof = keyProof(key, 'daemon', base);
  assert.ok(!equalBytes(proof, keyProof(key, 'plugin', base)), 'a daemon proof is no plugin proof');
  for (const change of [{ protocol: 1 }, { keyId: 'fedcba9876543210' }, { host: 'localhost:7879' }, { clientName: 'x' }, { clientNonce: new Uint8Array(32).fill(3) }, { daemonNonce: new Uint8Array(32).fill(3) }]) {
    assert.ok(!equalBytes(proof, keyProof(key, 'daemon', { ...base, ...change })), JSON.stringify(Object.keys(change)));
  }
  assert.ok(equalBytes(proof, keyProof(key, 'daemon', { ...base, host: 'LOCALHOST:7878' })), 'Host compares without case, as HTTP does');
  assert.ok(!equalBytes(proof, keyProof(new Uint8Array(32).fill(8), 'daemon', base)));
  // What a WebCrypto prover MACs itself (client/webcrypto-key.ts) is exactly what keyProof MACs.
  const roleKey = hkdf(sha256, key, undefined, utf8ToBytes(proofKeyInfo('daemon')), 32);
  assert.ok(equalBytes(proof, hmac(sha256, roleKey, proofTranscript('daemon', base))));
});
