import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ristretto255 } from '@noble/curves/ed25519.js';
import { Spake2Client, bytesToHex, equalBytes, keyProof, spake2Context, spake2Respond, type ProofContext } from '../../protocol/index.ts';

const context = spake2Context(2, 'atelier-figma', 'localhost:7878');

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
    ['042917', spake2Context(2, 'atelier-figma', 'localhost:7879')],
    ['042917', spake2Context(2, 'someone-else', 'localhost:7878')],
    ['042917', spake2Context(1, 'atelier-figma', 'localhost:7878')],
  ] as const) {
    const client = new Spake2Client('042917', context);
    const daemon = spake2Respond(code, ctx, client.share)!;
    assert.equal(client.finish(daemon.share, daemon.confirm), null, `${code} ${ctx}`);
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
});
