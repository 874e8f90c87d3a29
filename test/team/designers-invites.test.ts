import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { PROTOCOL_VERSION, Spake2Client, spake2Context, spake2Respond } from '../../protocol/index.ts';
import { createMemoryLogger, PairingNotSavedError } from '../../daemon/server/index.ts';
import { INVITE_GUESS_BUDGET, LOCAL_WINDOW_GUESSES, INVITE_SECRET_DIGITS } from '../../daemon/team/designer-limits.ts';
import { INVITE_SENTENCES, InvitePairing, createInviteAsync, inviteKey, listInvitesAsync, type InviteTurn } from '../../daemon/team/invites.ts';
import { ServerSecret } from '../../daemon/team/server-secret.ts';
import { TeamKeyStore, designerKeysKey, listDesignersAsync } from '../../daemon/team/team-keys.ts';
import { useTeamRedis } from './front-door-support.ts';

const logger = createMemoryLogger();
const team = useTeamRedis(logger);
const missing = team.skip;
const secret = ServerSecret.fromBytes(randomBytes(32));

async function frontDoorAsync(prefix: string, guessBudget?: number) {
  const { redis, subscriber } = await team.connectAsync();
  const keys = await TeamKeyStore.openAsync({ redis, subscriber, secret, prefix, logger });
  const pairing = new InvitePairing({ redis, secret, keys, logger, prefix, attemptIntervalMs: 1, ...(guessBudget ? { guessBudget } : {}) });
  return { redis, keys, pairing };
}

const HOST = 'studio.example:443';

/**
 * One plugin's attempt as the connection runs it: SPAKE2 on `typed` against the turn's secret;
 * a right code takes a seat and saves the key, a wrong one fails the turn (its one guess).
 */
async function pairAsync(pairing: InvitePairing, slot: string | null, typed: string): Promise<{ turn: InviteTurn; keyId: string | null; key: Uint8Array | null }> {
  const turn = await pairing.beginAsync(slot);
  if (!turn.ok) return { turn, keyId: null, key: null };
  const context = spake2Context(PROTOCOL_VERSION, 'atelier-figma', HOST);
  const client = new Spake2Client(typed, context);
  const answer = spake2Respond(turn.secret, context, client.share)!;
  const done = client.finish(answer.share, answer.confirm);
  if (!done) {
    turn.fail();
    return { turn, keyId: null, key: null };
  }
  const seat = turn.seat();
  assert.ok(seat, 'a right code takes a seat');
  const { id } = await seat.issueAsync('atelier-figma', answer.key);
  seat.commit();
  assert.deepEqual(done.key, answer.key);
  return { turn, keyId: id, key: done.key };
}

function wrongCode(code: string): string {
  const last = (Number(code.at(-1)) + 1) % 10;
  return `${code.slice(0, -1)}${last}`;
}

test('the guess budget per invite is at most the local window guess risk (worked out in designer-limits.ts)', () => {
  // Slot digits are public: the secret part alone must carry the bound.
  assert.ok(INVITE_GUESS_BUDGET / 10 ** INVITE_SECRET_DIGITS <= LOCAL_WINDOW_GUESSES / 10 ** 8);
});

test('an invite pairs one plugin once: the key is saved under the designer name, sealed, and the invite is gone', { skip: missing }, async () => {
  const prefix = `t1:${randomBytes(4).toString('hex')}:`;
  const { redis, keys, pairing } = await frontDoorAsync(prefix);
  const invite = await createInviteAsync(redis, secret, 'Ana María', { prefix });
  assert.match(invite.code, /^\d{8}$/);
  assert.equal(invite.code.slice(0, 2), invite.slot);
  const stored = JSON.stringify(await redis.hgetall(inviteKey(prefix, invite.slot)));
  assert.ok(!stored.includes(invite.code) && !stored.includes(invite.code.slice(2)), 'the code is not in Redis in clear');
  assert.deepEqual((await listInvitesAsync(redis, prefix)).map((i) => [i.slot, i.name, i.guesses]), [[invite.slot, 'Ana María', 0]]);

  const first = await pairAsync(pairing, invite.slot, invite.code);
  assert.ok(first.keyId && first.key);
  assert.match(first.keyId, /^[0-9a-f]{16}$/);
  assert.deepEqual(keys.keyFor(first.keyId), first.key, 'usable at once on this front door');
  assert.equal(keys.nameOf(first.keyId), 'Ana María');
  const record = await redis.hget(designerKeysKey(prefix), first.keyId);
  assert.ok(record && !record.includes(Buffer.from(first.key).toString('hex')) && !record.includes(Buffer.from(first.key).toString('base64')), 'the key is sealed in Redis');
  assert.deepEqual((await listDesignersAsync(redis, prefix)).map((d) => [d.keyId, d.name, d.clientName]), [[first.keyId, 'Ana María', 'atelier-figma']]);
  assert.deepEqual(await listInvitesAsync(redis, prefix), [], 'used up');

  const again = await pairAsync(pairing, invite.slot, invite.code);
  assert.deepEqual(again.turn, { ok: false, code: 'pairing-closed', message: INVITE_SENTENCES.noInvite(invite.slot) });

  // Another front door on the same Redis (started later) opens the same key with the same secret.
  const other = await frontDoorAsync(prefix);
  assert.deepEqual(other.keys.keyFor(first.keyId), first.key);
  await keys.closeAsync();
  await other.keys.closeAsync();
});

test('a wrong code costs the invite one guess, the right code still works after it, and the budget burns the invite', { skip: missing }, async () => {
  const prefix = `t2:${randomBytes(4).toString('hex')}:`;
  const { redis, keys, pairing } = await frontDoorAsync(prefix, 3);
  const invite = await createInviteAsync(redis, secret, 'Bo', { prefix });
  const wrong = await pairAsync(pairing, invite.slot, wrongCode(invite.code));
  assert.equal(wrong.keyId, null);
  assert.equal((await listInvitesAsync(redis, prefix))[0]?.guesses, 1, 'the wrong share was counted');
  // A share answered and never confirmed (the peer checked its guess offline and left) counts too:
  // it was counted before the answer went out.
  const silent = await pairing.beginAsync(invite.slot);
  assert.ok(silent.ok);
  assert.equal((await listInvitesAsync(redis, prefix))[0]?.guesses, 2);
  const right = await pairAsync(pairing, invite.slot, invite.code);
  assert.ok(right.keyId, 'the designer’s own code still works within the budget');

  const burnt = await createInviteAsync(redis, secret, 'Cy', { prefix });
  for (let i = 0; i < 3; i++) assert.equal((await pairAsync(pairing, burnt.slot, wrongCode(burnt.code))).keyId, null);
  const refused = await pairAsync(pairing, burnt.slot, burnt.code);
  assert.equal(refused.turn.ok, false, 'the right code after the budget is refused');
  assert.match(refused.turn.ok ? '' : (refused.turn.message ?? ''), /burned|too many wrong codes|no longer works|No invite/);
  assert.deepEqual(await listInvitesAsync(redis, prefix), [], 'burned: deleted');
  assert.ok(logger.lines.some((l) => l.event === 'invite-burned' || (l.event === 'invite-refused' && l.reason === 'burned')));
  assert.ok(!JSON.stringify(logger.lines).includes(burnt.code.slice(2)), 'no code in the log');
  await keys.closeAsync();
});

test('guesses from two front doors add up against one budget', { skip: missing }, async () => {
  const prefix = `t3:${randomBytes(4).toString('hex')}:`;
  const a = await frontDoorAsync(prefix, 4);
  const b = await frontDoorAsync(prefix, 4);
  const invite = await createInviteAsync(a.redis, secret, 'Dee', { prefix });
  const outcomes = await Promise.all([a, b, a, b, a, b].map((door) => pairAsync(door.pairing, invite.slot, wrongCode(invite.code))));
  assert.equal(outcomes.filter((o) => o.turn.ok).length, 4, 'four answers in all, whichever door');
  assert.equal((await pairAsync(b.pairing, invite.slot, invite.code)).keyId, null);
  await a.keys.closeAsync();
  await b.keys.closeAsync();
});

test('an expired invite refuses, and a share without an invite slot is told to ask for one', { skip: missing }, async () => {
  const prefix = `t4:${randomBytes(4).toString('hex')}:`;
  const { redis, keys, pairing } = await frontDoorAsync(prefix);
  const invite = await createInviteAsync(redis, secret, 'Eve', { prefix, validMs: 300 });
  await new Promise((resolve) => setTimeout(resolve, 400));
  const late = await pairAsync(pairing, invite.slot, invite.code);
  assert.deepEqual(late.turn, { ok: false, code: 'pairing-closed', message: INVITE_SENTENCES.noInvite(invite.slot) });
  const noSlot = await pairing.beginAsync(null);
  assert.deepEqual(noSlot, { ok: false, code: 'pairing-closed', message: INVITE_SENTENCES.noSlot });
  await keys.closeAsync();
});

test('an invite used by another front door between the seat and the save is not saved twice', { skip: missing }, async () => {
  const prefix = `t5:${randomBytes(4).toString('hex')}:`;
  const a = await frontDoorAsync(prefix);
  const b = await frontDoorAsync(prefix);
  const invite = await createInviteAsync(a.redis, secret, 'Flo', { prefix });
  const turnA = await a.pairing.beginAsync(invite.slot);
  const turnB = await b.pairing.beginAsync(invite.slot);
  assert.ok(turnA.ok && turnB.ok);
  const seatA = turnA.seat()!;
  const seatB = turnB.seat()!;
  const key = new Uint8Array(32).fill(1);
  const saved = await seatA.issueAsync('atelier-figma', key);
  await assert.rejects(seatB.issueAsync('atelier-photopea', key), (error: unknown) => error instanceof PairingNotSavedError && error.message === INVITE_SENTENCES.used);
  assert.deepEqual((await listDesignersAsync(a.redis, prefix)).map((d) => d.keyId), [saved.id]);
  await a.keys.closeAsync();
  await b.keys.closeAsync();
});

test('a share that was no group element (seat released before any save) gives its guess back', { skip: missing }, async () => {
  const prefix = `t6:${randomBytes(4).toString('hex')}:`;
  const { redis, keys, pairing } = await frontDoorAsync(prefix);
  const invite = await createInviteAsync(redis, secret, 'Gil', { prefix });
  const turn = await pairing.beginAsync(invite.slot);
  assert.ok(turn.ok);
  assert.equal((await listInvitesAsync(redis, prefix))[0]?.guesses, 1, 'counted before the answer');
  // What connection.ts does when spake2Respond refuses the share: seat() and release() at once.
  turn.seat()!.release();
  // The refund is sent without waiting; the next command on the same connection runs after it.
  assert.equal((await listInvitesAsync(redis, prefix))[0]?.guesses, 0);
  // A save that failed keeps its guess (the right code was tested).
  const right = await pairing.beginAsync(invite.slot);
  assert.ok(right.ok);
  const seat = right.seat()!;
  await redis.hset(inviteKey(prefix, invite.slot), 'sealedCode', 'changed');
  await assert.rejects(seat.issueAsync('atelier-figma', new Uint8Array(32)), PairingNotSavedError);
  seat.release();
  assert.equal((await redis.hget(inviteKey(prefix, invite.slot), 'guesses')), '1');
  await keys.closeAsync();
});
