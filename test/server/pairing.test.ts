import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PairingWindow, type PairingWindowState } from '../../daemon/server/pairing.ts';

function setup(windowMs = 60_000, attemptIntervalMs = 0) {
  let now = 1_000_000;
  const changes: Array<[PairingWindowState, string]> = [];
  const pairing = new PairingWindow({ windowMs, attemptIntervalMs, now: () => now, onChange: (state, reason) => changes.push([state, reason]) });
  const wrong = (): string => (pairing.state.code === '00000000' ? '00000001' : '00000000');
  return { pairing, changes, wrong, advance: (ms: number) => (now += ms) };
}

test('pairing is closed until a window opens; the window has one eight-digit code and closes once used', async () => {
  const { pairing, changes } = setup();
  assert.equal(pairing.state.code, null);
  assert.deepEqual(await pairing.attemptAsync('12345678'), { ok: false, code: 'pairing-closed' });
  pairing.open();
  const code = pairing.state.code!;
  assert.match(code, /^[0-9]{8}$/);
  assert.deepEqual(changes.at(-1), [{ code, secondsLeft: 60, failures: 0 }, 'opened']);
  const used = await pairing.attemptAsync(code);
  assert.equal(used.ok, true);
  assert.equal(pairing.state.code, code, 'held until the pairing is saved');
  if (used.ok) used.commit();
  assert.equal(pairing.state.code, null);
  assert.equal(changes.at(-1)![1], 'used');
  assert.deepEqual(await pairing.attemptAsync(code), { ok: false, code: 'pairing-closed' });
  pairing.dispose();
});

test('wrong codes are counted and shown, but never close the window nor lock the right code out', async () => {
  const { pairing, changes, wrong } = setup();
  pairing.open();
  const code = pairing.state.code!;
  for (let i = 0; i < 50; i++) assert.deepEqual(await pairing.attemptAsync(wrong()), { ok: false, code: 'bad-pairing-code' });
  assert.equal(pairing.state.failures, 50);
  assert.equal(changes.filter(([, reason]) => reason === 'failure').length, 50);
  assert.equal(pairing.state.code, code, 'the same code all window long');
  const right = await pairing.attemptAsync(code);
  assert.equal(right.ok, true);
  pairing.dispose();
});

test('the window expires; reopening gives a new code and a fresh count', async () => {
  const { pairing, wrong, advance } = setup(10_000);
  pairing.open();
  const first = pairing.state.code!;
  await pairing.attemptAsync(wrong());
  advance(10_001);
  assert.deepEqual(await pairing.attemptAsync(first), { ok: false, code: 'pairing-closed' });
  pairing.open();
  assert.equal(pairing.state.failures, 0);
  // A fresh random code equals the old one with probability 1e-6.
  if (pairing.state.code === first) return;
  assert.notEqual(pairing.state.code, first);
  pairing.dispose();
});

test('attempts from all connections are checked one at a time, at most one per interval, in the order they came', async () => {
  const { pairing, wrong } = setup(60_000, 40);
  pairing.open();
  const code = pairing.state.code!;
  const order: string[] = [];
  const attempts = [wrong(), wrong(), code].map((candidate, i) => pairing.attemptAsync(candidate).then((r) => order.push(`${i}:${r.ok}`)));
  await Promise.all(attempts);
  assert.deepEqual(order, ['0:false', '1:false', '2:true'], 'the right code waits only for the attempts queued before it');
  pairing.dispose();
});

test('a pairing that could not be saved does not burn the code; a second use waits while one is saved', async () => {
  const { pairing } = setup();
  pairing.open();
  const code = pairing.state.code!;
  const first = await pairing.attemptAsync(code);
  assert.equal(first.ok, true);
  assert.equal((await pairing.attemptAsync(code)).ok, false, 'one code, one plugin');
  assert.equal(pairing.state.failures, 0, 'not counted as a guess');
  if (first.ok) first.release();
  assert.equal(pairing.state.code, code);
  const again = await pairing.attemptAsync(code);
  assert.equal(again.ok, true, 'the same code works once the folder is fixed');
  if (again.ok) again.commit();
  assert.equal(pairing.state.code, null);
  pairing.dispose();
});

test('codes of other lengths never match', async () => {
  const { pairing } = setup();
  pairing.open();
  assert.equal((await pairing.attemptAsync(pairing.state.code! + '0')).ok, false);
  pairing.dispose();
});
