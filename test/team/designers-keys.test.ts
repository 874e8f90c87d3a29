import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { createMemoryLogger } from '../../daemon/server/index.ts';
import { createInviteAsync, listInvitesAsync } from '../../daemon/team/invites.ts';
import { ServerSecret } from '../../daemon/team/server-secret.ts';
import { TeamKeyStore, designerKeysKey, listDesignersAsync, revokeDesignerAsync, sealedDesignerRecord } from '../../daemon/team/team-keys.ts';
import { useTeamRedis } from './front-door-support.ts';

const logger = createMemoryLogger();
const team = useTeamRedis(logger);
const missing = team.skip;
const secret = ServerSecret.fromBytes(randomBytes(32));
const connectAsync = team.connectAsync;

/** A designer paired as an invite's use saves one (invites.ts). */
async function pairAsync(redis: Redis, prefix: string, name: string, clientName = 'atelier-figma'): Promise<{ keyId: string; key: Uint8Array }> {
  const keyId = randomBytes(8).toString('hex');
  const key = new Uint8Array(randomBytes(32));
  await redis.hset(designerKeysKey(prefix), keyId, sealedDesignerRecord(secret, keyId, name, clientName, key));
  return { keyId, key };
}

function nextRevoke(store: TeamKeyStore): Promise<string[]> {
  return new Promise((resolve) => {
    const stop = store.onRevoked((ids) => {
      stop();
      resolve(ids);
    });
  });
}

test('revoke NAME removes all its keys and open invites, and every front door hears it at once', { skip: missing }, async () => {
  const prefix = `k1:${randomBytes(4).toString('hex')}:`;
  const { redis } = await connectAsync();
  const figma = await pairAsync(redis, prefix, 'Gus');
  const photopea = await pairAsync(redis, prefix, 'Gus', 'atelier-photopea');
  const other = await pairAsync(redis, prefix, 'Hal');
  await createInviteAsync(redis, secret, 'Gus', { prefix });
  const doors = await Promise.all([0, 1].map(async () => TeamKeyStore.openAsync({ ...(await connectAsync()), secret, prefix, logger, refreshMs: 60_000 })));
  for (const door of doors) {
    assert.equal(door.size, 3);
    assert.deepEqual(door.keyFor(figma.keyId), figma.key);
    assert.equal(door.knowsHint(photopea.keyId), true);
  }
  const heard = doors.map(nextRevoke);
  const revoked = await revokeDesignerAsync(redis, 'Gus', prefix);
  assert.deepEqual(new Set(revoked.keyIds), new Set([figma.keyId, photopea.keyId]));
  assert.equal(revoked.invites, 1);
  for (const ids of await Promise.all(heard)) assert.deepEqual(new Set(ids), new Set([figma.keyId, photopea.keyId]));
  for (const door of doors) {
    assert.equal(door.keyFor(figma.keyId), null);
    assert.equal(door.knowsHint(photopea.keyId), false);
    assert.deepEqual(door.keyFor(other.keyId), other.key, 'other designers untouched');
  }
  assert.deepEqual((await listDesignersAsync(redis, prefix)).map((d) => d.name), ['Hal']);
  assert.deepEqual(await listInvitesAsync(redis, prefix), []);
  assert.deepEqual(await revokeDesignerAsync(redis, 'Nobody', prefix), { keyIds: [], invites: 0 });
  await Promise.all(doors.map((d) => d.closeAsync()));
});

test('a revoke whose message was missed (Redis away, another tool) still takes effect at the next reload', { skip: missing }, async () => {
  const prefix = `k2:${randomBytes(4).toString('hex')}:`;
  const { redis } = await connectAsync();
  const gone = await pairAsync(redis, prefix, 'Ida');
  const door = await TeamKeyStore.openAsync({ ...(await connectAsync()), secret, prefix, logger, refreshMs: 200 });
  const heard = nextRevoke(door);
  await redis.hdel(designerKeysKey(prefix), gone.keyId); // no message published
  assert.deepEqual(await heard, [gone.keyId]);
  assert.equal(door.keyFor(gone.keyId), null);
  // A pairing another front door saved shows up too.
  const added = await pairAsync(redis, prefix, 'Jo');
  await door.refreshAsync();
  assert.deepEqual(door.keyFor(added.keyId), added.key);
  await door.closeAsync();
});

test('keys sealed under another secret do not open: the front door refuses to start with a sentence', { skip: missing }, async () => {
  const prefix = `k3:${randomBytes(4).toString('hex')}:`;
  const { redis } = await connectAsync();
  await pairAsync(redis, prefix, 'Kim');
  await assert.rejects(
    TeamKeyStore.openAsync({ ...(await connectAsync()), secret: ServerSecret.fromBytes(randomBytes(32)), prefix, logger }),
    /another secret file.*--secret-file/,
  );
});

test('a record moved to another key id does not open (the seal is bound to its key id)', { skip: missing }, async () => {
  const prefix = `k4:${randomBytes(4).toString('hex')}:`;
  const { redis } = await connectAsync();
  const real = await pairAsync(redis, prefix, 'Lu');
  const record = await redis.hget(designerKeysKey(prefix), real.keyId);
  const forged = 'ffffffffffffffff';
  await redis.hset(designerKeysKey(prefix), forged, record!);
  const door = await TeamKeyStore.openAsync({ ...(await connectAsync()), secret, prefix, logger });
  assert.deepEqual(door.keyFor(real.keyId), real.key);
  assert.equal(door.keyFor(forged), null);
  assert.ok(logger.lines.some((l) => l.event === 'designer-key-unopened' && l.keyId === forged));
  await door.closeAsync();
});
