import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PairingCodes } from '../../daemon/server/pairing.ts';

function setup(maxFailures = 3, lockoutMs = 10_000) {
  let now = 1_000_000;
  const codes: Array<[string, string]> = [];
  const pairing = new PairingCodes({ maxFailures, lockoutMs, now: () => now, onCode: (code, reason) => codes.push([code, reason]) });
  const wrong = (): string => (pairing.current === '000000' ? '000001' : '000000');
  return { pairing, codes, wrong, advance: (ms: number) => (now += ms) };
}

test('the code is six digits, announced at start, and replaced once used', () => {
  const { pairing, codes } = setup();
  assert.match(pairing.current, /^[0-9]{6}$/);
  assert.deepEqual(codes, [[pairing.current, 'start']]);
  const first = pairing.current;
  const used = pairing.attempt(first);
  assert.equal(used.ok, true);
  assert.equal(pairing.current, first, 'held until the pairing is saved');
  if (used.ok) used.commit();
  assert.equal(codes.length, 2);
  assert.equal(codes[1]![1], 'used');
  assert.equal(codes[1]![0], pairing.current);
  const reused = pairing.attempt(first);
  // A fresh random code equals the old one with probability 1e-6.
  if (pairing.current !== first) assert.equal(reused.ok, false);
});

test('wrong codes count down, then rotate the code and pause pairing with a growing lockout', () => {
  const { pairing, codes, wrong, advance } = setup(3, 10_000);
  assert.deepEqual(pairing.attempt(wrong()), { ok: false, code: 'bad-pairing-code', attemptsLeft: 2 });
  assert.deepEqual(pairing.attempt(wrong()), { ok: false, code: 'bad-pairing-code', attemptsLeft: 1 });
  const before = pairing.current;
  assert.deepEqual(pairing.attempt(wrong()), { ok: false, code: 'pairing-locked', retryInSeconds: 10 });
  assert.equal(codes.at(-1)![1], 'too-many-failures');
  assert.equal(codes.at(-1)![0], pairing.current);
  // Even the right code is refused while locked.
  const during = pairing.attempt(pairing.current);
  assert.equal(during.ok, false);
  if (!during.ok) assert.equal(during.code, 'pairing-locked');
  advance(10_001);
  for (let i = 0; i < 3; i++) pairing.attempt(wrong());
  const second = pairing.attempt(wrong());
  assert.deepEqual(second, { ok: false, code: 'pairing-locked', retryInSeconds: 20 });
  advance(20_001);
  assert.equal(pairing.attempt(pairing.current).ok, true);
  assert.notEqual(before, undefined);
});

test('codes of other lengths never match', () => {
  const { pairing } = setup();
  const result = pairing.attempt(pairing.current + '0');
  assert.equal(result.ok, false);
});

test('a pairing that could not be saved does not burn the code; a second use waits while one is saved', () => {
  const { pairing, codes } = setup();
  const code = pairing.current;
  const first = pairing.attempt(code);
  assert.equal(first.ok, true);
  const meanwhile = pairing.attempt(code);
  assert.equal(meanwhile.ok, false, 'one code, one plugin');
  if (first.ok) first.release();
  assert.equal(pairing.current, code);
  assert.equal(codes.length, 1, 'no new code was announced');
  const again = pairing.attempt(code);
  assert.equal(again.ok, true, 'the same code works once the folder is fixed');
  if (again.ok) again.commit();
  assert.notEqual(pairing.current, code);
});
