import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runTeamCommandAsync } from '../../daemon/cli/team-command.ts';
import { connectCommandRedisAsync, closeRedisAsync } from '../../daemon/team/command-redis.ts';
import { ServerSecret } from '../../daemon/team/server-secret.ts';
import { designerKeysKey, sealedDesignerRecord } from '../../daemon/team/team-keys.ts';
import { teamKeys } from '../../daemon/team/redis-keys.ts';
import { TeamJobStore } from '../../daemon/team/team-job-store.ts';
import { redisMissing, startRedisAsync, type TestRedis } from '../support/redis-server.ts';
import { freePortAsync, textSink } from './front-door-support.ts';

const missing = redisMissing();
let server: TestRedis;
let dir: string;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'atelier-team-cli-'));
  if (!missing) server = await startRedisAsync();
});
after(async () => {
  await server?.stopAsync();
  await rm(dir, { recursive: true, force: true });
});

async function runAsync(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; out: string; err: string }> {
  const stdout = textSink();
  const stderr = textSink();
  const code = await runTeamCommandAsync(args, { stdout, stderr, env: { HOME: dir, XDG_CONFIG_HOME: join(dir, 'xdg'), ...env } });
  return { code, out: stdout.text, err: stderr.text };
}

test('team invite prints a code once; list shows the invite, then the paired designer with jobs waiting; revoke removes them', { skip: missing ?? false }, async () => {
  const secretFile = join(dir, 'team-secret');
  const secret = await ServerSecret.loadAsync(secretFile, true);
  const prefix = `c1:${randomBytes(3).toString('hex')}:`;
  const common = ['--redis', server.url, '--prefix', prefix];

  const invite = await runAsync(['invite', 'Ana', 'María', '--secret-file', secretFile, ...common]);
  assert.equal(invite.code, 0, invite.err);
  const code = /Invite for Ana María: (\d{4} \d{4})/.exec(invite.out)?.[1];
  assert.ok(code, invite.out);
  assert.match(invite.out, /Valid until \d{4}-\d\d-\d\d \d\d:\d\d UTC/);

  const listed = await runAsync(['list', ...common]);
  assert.equal(listed.code, 0, listed.err);
  assert.match(listed.out, new RegExp(`Invite for Ana María \\(starts with ${code.slice(0, 2)}\\): open until .* 0 of 50 tries used`));
  assert.ok(!listed.out.includes(code) && !listed.out.includes(code.replace(' ', '').slice(2)), 'the code is shown only once');

  // A pairing as the front door saves it (invites.ts), with two jobs waiting in B's per-owner set.
  const redis = await connectCommandRedisAsync(server.url);
  const keyId = '0123456789abcdef';
  await redis.hset(designerKeysKey(prefix), keyId, sealedDesignerRecord(secret, keyId, 'Ana María', 'atelier-figma', new Uint8Array(32).fill(3), new Date('2026-12-07T08:30:00Z')));
  // Three jobs as the runner keeps them (team-job-store.ts): two queued, one running.
  const store = new TeamJobStore(redis, teamKeys(prefix));
  for (const [n, jobId] of ['job-a', 'job-b', 'job-c'].entries()) {
    await store.createAsync({ jobId, owner: keyId, clientName: 'atelier-figma', requestId: `r${n}`, connectionId: null, placement: { document: 'Poster', label: `L${n}`, data: '{}' }, acceptedAt: new Date().toISOString(), contentCount: 1, styleWeights: [1], regions: [], featherPx: null, options: {}, progressEvery: 1 }, { contents: [new Uint8Array(4)], styles: [new Uint8Array(4)], masks: [] }, n + 1);
  }
  await store.markRunningAsync('job-a', 'gpu-0');
  const withKey = await runAsync(['list', ...common]);
  assert.match(withKey.out, /NAME\s+PLUGIN\s+PAIRED AT\s+KEY ID\s+JOBS WAITING/);
  assert.match(withKey.out, /Ana María\s+atelier-figma\s+2026-12-07 08:30 UTC\s+0123456789abcdef\s+2/);
  const json = JSON.parse((await runAsync(['list', '--json', ...common])).out) as { designers: Array<Record<string, unknown>>; invites: unknown[] };
  assert.deepEqual(json.designers, [{ keyId, name: 'Ana María', clientName: 'atelier-figma', pairedAt: '2026-12-07T08:30:00.000Z', jobsWaiting: 2 }]);
  assert.equal(json.invites.length, 1);

  const revoked = await runAsync(['revoke', 'Ana María', ...common]);
  assert.equal(revoked.code, 0, revoked.err);
  assert.match(revoked.out, /Revoked Ana María: 1 key \(0123456789abcdef\) and 1 open invite\./);
  // With no front door running, the command drops the designer's jobs itself.
  assert.match(revoked.out, /Their waiting jobs and kept results are deleted/);
  // The queued ones are gone; the running one is its worker's to stop (a cancel is published to it).
  assert.deepEqual(await store.ownerActiveIdsAsync(keyId), ['job-a']);
  assert.deepEqual((await store.getManyAsync(['job-b', 'job-c'])), [null, null]);
  assert.match((await runAsync(['list', ...common])).out, /No designers yet/);
  const again = await runAsync(['revoke', 'Ana María', ...common]);
  assert.equal(again.code, 1);
  assert.match(again.err, /no designer named "Ana María"/);
  await closeRedisAsync(redis);
});

test('team commands say what is missing: no Redis URL, Redis not running, no secret file, a bad name', async () => {
  const noUrl = await runAsync(['list']);
  assert.equal(noUrl.code, 2);
  assert.match(noUrl.err, /Pass --redis redis:\/\/HOST:6379 or set ATELIER_REDIS_URL/);

  const port = await freePortAsync();
  const down = await runAsync(['list'], { ATELIER_REDIS_URL: `redis://:hunter2@127.0.0.1:${port}` });
  assert.equal(down.code, 1);
  assert.match(down.err, new RegExp(`cannot reach Redis at redis://:\\*\\*\\*@127\\.0\\.0\\.1:${port}`));
  assert.ok(!down.err.includes('hunter2'), 'the password is not printed');

  const noSecret = await runAsync(['invite', 'Bo', '--redis', `redis://127.0.0.1:${port}`]);
  assert.equal(noSecret.code, 1);
  assert.match(noSecret.err, /secret file .*team-secret does not exist.*--secret-file/);

  const badName = await runAsync(['invite', '../etc', '--redis', `redis://127.0.0.1:${port}`]);
  assert.equal(badName.code, 2);
  assert.match(badName.err, /cannot be a designer's name/);

  assert.equal((await runAsync(['invite', '--redis', 'redis://x'])).code, 2);
  assert.match((await runAsync(['list', '--redis', 'http://x'])).err, /starts with redis:\/\/ or rediss:\/\//);
  // `team status` is the status command's (team-status-command.ts), with its own usage.
  const status = await runAsync(['status', '--redis', 'http://x']);
  assert.equal(status.code, 2);
  assert.match(status.err, /^atelier team status: /);
});
