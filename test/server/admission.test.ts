import assert from 'node:assert/strict';
import { test } from 'node:test';
import { admit, claimsReservedSlot, full, type SlotHolder } from '../../daemon/server/admission.ts';
import { MAX_PENDING_CLAIMS_PER_KEY, UNPAIRED_MIN_LIFE_MS } from '../../daemon/server/limits.ts';
import { evictable, holdsUnpairedSlot, pendingClaim, type Phase, type SlotView } from '../../daemon/server/phase.ts';

/**
 * The slot policy without sockets (admission.ts, and the slot facts of phase.ts that it reads):
 * the rules the handshake tests (lock-out, bounded, impostor) check end to end.
 */

const holder = (name: string, facts: Partial<SlotHolder> = {}): SlotHolder & { name: string } => ({
  name,
  holdsUnpairedSlot: true,
  pendingClaim: null,
  evictable: false,
  ...facts,
});
const limits = { maxConnections: 6, maxUnpairedConnections: 3 };

test('a free unpaired slot admits at once; a full set gives way in the order guessed, idle, silent; none that may give way refuses', () => {
  assert.deepEqual(admit([holder('a')], false, limits), { admit: true, victim: null });
  const silent = holder('silent', { evictable: 'silent' });
  const idle = holder('idle', { evictable: 'idle' });
  const guessed = holder('guessed', { evictable: 'guessed' });
  assert.equal((admit([silent, idle, guessed], false, limits) as { victim: { name: string } }).victim.name, 'guessed');
  assert.equal((admit([silent, idle, holder('busy')], false, limits) as { victim: { name: string } }).victim.name, 'idle');
  assert.deepEqual(admit([holder('x'), holder('y'), holder('z')], false, limits), { admit: false });
});

test('a claim on a known pairing takes a reserved slot past the unpaired limit, but not past maxConnections', () => {
  const unpaired = [holder('x'), holder('y'), holder('z')];
  assert.deepEqual(admit(unpaired, true, limits), { admit: true, victim: null });
  const paired = [1, 2, 3].map((i) => holder(`p${i}`, { holdsUnpairedSlot: false }));
  assert.deepEqual(admit([...unpaired, ...paired], true, limits), { admit: false }, 'every slot taken and nobody may give way');
  assert.equal(full(paired.concat(paired), limits), true, 'all taken by paired plugins: refused before any check');
  assert.equal(full([...unpaired, ...paired], limits), false, 'an unpaired holder might give way');
});

test('a few claims per key wait for their proof at a time; more compete like anyone', () => {
  const knows = (hint: string) => hint === 'k1';
  const claims = Array.from({ length: MAX_PENDING_CLAIMS_PER_KEY }, (_, i) => holder(`c${i}`, { holdsUnpairedSlot: false, pendingClaim: 'k1' }));
  assert.equal(claimsReservedSlot('k1', claims.slice(1), knows), true);
  assert.equal(claimsReservedSlot('k1', claims, knows), false);
  assert.equal(claimsReservedSlot('k2', [], knows), false, 'an unknown key reserves nothing');
});

const view = (phase: Phase, facts: Partial<Omit<SlotView, 'phase'>> = {}): SlotView => ({ phase, upgrade: { host: '', claimsKeyId: null }, leaving: false, pairInHand: 0, ...facts });
const client = { name: 'test', label: 'test/1', readsDaemonState: true };
const unpaired = (since: number, extra: Partial<Extract<Phase, { name: 'unpaired' }>> = {}): Phase => ({ name: 'unpaired', since, client, welcome: 'sent', wrongCodes: 0, pendingPair: null, saving: false, ...extra });

test('slot facts follow the phase: a guess made, a pairing being saved, a share in hand, the turn\'s age', () => {
  const now = 10 * UNPAIRED_MIN_LIFE_MS;
  const old = now - 2 * UNPAIRED_MIN_LIFE_MS;
  assert.equal(evictable(view(unpaired(now, { wrongCodes: 1 })), now), 'guessed', 'a failed guess gives way even when young');
  assert.equal(evictable(view(unpaired(old, { wrongCodes: 1, saving: true })), now), false, 'a pairing being saved keeps its slot');
  assert.equal(evictable(view(unpaired(old), { pairInHand: 1 }), now), false, 'a share waiting for its turn keeps the slot');
  assert.equal(evictable(view(unpaired(now)), now), false, 'its turn is not over');
  assert.equal(evictable(view(unpaired(old)), now), 'idle');
  assert.equal(evictable(view({ name: 'awaiting-hello', since: old }), now), 'silent');
  assert.equal(evictable(view({ name: 'paired', client, keyId: 'k1', welcome: 'sent' }), now), false);
  const claiming = view({ name: 'awaiting-hello', since: old }, { upgrade: { host: '', claimsKeyId: 'k1' } });
  assert.equal(holdsUnpairedSlot(claiming), false, 'a claim holds a reserved slot');
  assert.equal(pendingClaim(claiming), 'k1');
  assert.equal(pendingClaim({ ...claiming, leaving: true }), null, 'on its way out it claims nothing');
});
