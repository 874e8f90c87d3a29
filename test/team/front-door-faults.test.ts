import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import type { StoredKey } from '../../client/index.ts';
import type { StylizeMessage } from '../../protocol/index.ts';
import { runTeamCommandAsync } from '../../daemon/cli/team-command.ts';
import { closeRedisAsync, connectCommandRedisAsync } from '../../daemon/team/command-redis.ts';
import { INVITE_SENTENCES, createInviteAsync } from '../../daemon/team/invites.ts';
import { teamKeys } from '../../daemon/team/redis-keys.ts';
import { ServerSecret } from '../../daemon/team/server-secret.ts';
import { redisMissing, startRedisAsync, type TestRedis } from '../support/redis-server.ts';
import { freePortAsync, opensslMissing, selfSignedAsync, spawnNodeUntilAsync, type NodeProcess, startTestPlugin, textSink, type TestPlugin } from './front-door-support.ts';
import { spawnWorkerAsync, testPrefix, tinyPngAsync, WAIT_MS, type WorkerProcess } from './runner-harness.ts';

/**
 * Issue 30's front-door faults with real processes: redis-server (append-only), the front door as
 * `atelier server` (bin/atelier.js) over wss:// with a self-signed certificate, a stand-in GPU
 * worker process (B's), and designers as the real plugin client in this process.
 */
const skip = redisMissing() ?? opensslMissing() ?? false;
const ITERATION_MS = 60;

type Designer = TestPlugin & { name: string };

describe('team front door: faults with real processes', { skip, timeout: 240_000 }, () => {
  let redis: TestRedis;
  let dir: string;
  let ca: Buffer;
  let tls: { certFile: string; keyFile: string };
  let secretFile: string;
  let secret: ServerSecret;
  let port: number;
  let admin: Redis;
  let door: NodeProcess;
  let worker: WorkerProcess;
  const prefix = testPrefix('door');
  const designers: Designer[] = [];

  /** `atelier server` as a studio runs it (bin/atelier.js, paths from the repository root), on the port it is restarted on. */
  function startDoorAsync(): Promise<NodeProcess> {
    return spawnNodeUntilAsync(
      ['bin/atelier.js', 'server', '--redis', redis.url, '--host', '127.0.0.1', '--port', String(port), '--tls-cert', tls.certFile, '--tls-key', tls.keyFile, '--public-host', 'localhost', '--secret-file', secretFile, '--prefix', prefix],
      'listening on',
      'the front door',
    );
  }

  function startDesigner(name: string, key: StoredKey | null): Designer {
    const designer = Object.assign(startTestPlugin(`wss://localhost:${port}`, key, ca, () => `front door log:\n${door.log().slice(-3000)}`), { name });
    designers.push(designer);
    return designer;
  }

  /** An invite as `atelier team invite` makes it, typed into a fresh plugin. */
  async function pairDesignerAsync(name: string): Promise<Designer & { key: StoredKey }> {
    const invite = await createInviteAsync(admin, secret, name, { prefix });
    const designer = startDesigner(name, null);
    await designer.untilAsync((s) => s.kind === 'pairing-needed', 'the pairing panel');
    assert.ok(designer.client.pair(invite.code));
    await designer.untilAsync((s) => s.kind === 'ready', 'ready after pairing');
    const key = designer.saved.at(-1);
    assert.ok(key);
    return Object.assign(designer, { key });
  }

  async function stylizeAsync(designer: Designer, requestId: string, iterations: number, document = 'Poster'): Promise<void> {
    const png = await tinyPngAsync();
    const ref = (id: string) => ({ id, mime: 'image/png' as const, width: 32, height: 32 });
    const message: StylizeMessage = {
      type: 'stylize',
      requestId,
      content: [ref('c0')],
      styles: [{ image: ref('s0'), weight: 1 }],
      options: { maxSide: 64, stages: 3, iterations, progressEvery: 1, previewEvery: 0 },
      placement: { document, label: `${requestId} · Style`, data: '{}' },
    };
    assert.ok(designer.client.stylize(message, new Map([['c0', png], ['s0', png]])), `${designer.name} is ready to send`);
  }

  async function acceptedAsync(designer: Designer, requestId: string): Promise<string> {
    const accepted = await designer.messageAsync((m) => (m.type === 'accepted' || m.type === 'error') && m.requestId === requestId, `accepted ${requestId}`);
    assert.equal(accepted.type, 'accepted', JSON.stringify(accepted));
    return accepted.type === 'accepted' ? accepted.jobId : '';
  }

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'atelier-door-faults-'));
    redis = await startRedisAsync({ appendOnly: true });
    const made = await selfSignedAsync(dir);
    tls = made;
    ca = made.cert;
    secretFile = join(dir, 'config', 'team-secret');
    secret = await ServerSecret.loadAsync(secretFile, true);
    port = await freePortAsync();
    admin = await connectCommandRedisAsync(redis.url);
    worker = await spawnWorkerAsync({ redisUrl: redis.url, prefix, name: 'gpu-0', iterationMs: ITERATION_MS, lockMs: 1_500, stalledMs: 500 });
    door = await startDoorAsync();
  });

  after(async () => {
    for (const d of designers) d.client.stop();
    await door?.stopAsync('SIGKILL');
    await worker?.stopAsync('SIGKILL');
    if (admin) await closeRedisAsync(admin);
    await redis?.stopAsync();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('the front door restarted mid-job: the plugin reconnects by itself and receives the result, once', async () => {
    const ana = await pairDesignerAsync('Ana');
    await stylizeAsync(ana, 'restart-1', 12);
    const jobId = await acceptedAsync(ana, 'restart-1');
    await ana.messageAsync((m) => m.type === 'progress' && m.jobId === jobId, 'progress');
    const before = ana.states.length;
    await door.stopAsync('SIGKILL');
    door = await startDoorAsync();
    await ana.untilAsync((s) => s.kind === 'ready', 'ready again after the restart', before);
    // What the plugin does on its next ready (plugin/ui, photopea): follow its file's jobs again.
    assert.ok(ana.client.reattach(jobId));
    await ana.messageAsync((m) => m.type === 'completed' && m.jobId === jobId, 'completed after the restart', 60_000);
    const results = ana.jobs.filter((m) => m.type === 'result' && m.jobId === jobId);
    assert.equal(results.length, 1, 'exactly one result');
    assert.equal(ana.jobs.filter((m) => m.type === 'completed' && m.jobId === jobId).length, 1);
  });

  it('Redis down: a stylize gets a sentence at once (not a hang), pairing says why too, and the front door recovers by itself', async () => {
    const bo = await pairDesignerAsync('Bo');
    const invite = await createInviteAsync(admin, secret, 'Cy', { prefix });
    const cy = startDesigner('Cy', null);
    await cy.untilAsync((s) => s.kind === 'pairing-needed', 'the pairing panel');
    await redis.restartAsync({
      whileDownAsync: async () => {
        await stylizeAsync(bo, 'down-1', 4);
        // Not a hang: answered while Redis is still down (the wait's bound is generous; a hang never ends).
        const refused = await bo.messageAsync((m) => m.type === 'error' && m.requestId === 'down-1', 'the refusal', 15_000);
        assert.equal(refused.type, 'error');
        assert.match(refused.type === 'error' ? refused.message : '', /Redis/);
        assert.equal(bo.states.at(-1)?.kind, 'ready', 'the connection stays: keys are in the front door’s memory');
        cy.client.pair(invite.code);
        const told = await cy.untilAsync((s) => s.kind === 'pairing-needed' && s.error !== null, 'the pairing refusal');
        assert.equal(told.kind === 'pairing-needed' ? told.error : null, INVITE_SENTENCES.unreachable);
      },
    });
    // Back: the same front door takes jobs again (within its reconnection), and the invite still pairs.
    let accepted: string | null = null;
    for (let attempt = 0; attempt < 40 && accepted === null; attempt++) {
      const requestId = `up-${attempt}`;
      await stylizeAsync(bo, requestId, 4);
      const answer = await bo.messageAsync((m) => (m.type === 'accepted' || m.type === 'error') && m.requestId === requestId, `answer to ${requestId}`);
      if (answer.type === 'accepted') accepted = answer.jobId;
      else await new Promise((resolve) => setTimeout(resolve, 250));
    }
    assert.ok(accepted, 'a stylize is accepted again once Redis is back');
    await bo.messageAsync((m) => m.type === 'completed' && m.jobId === accepted, 'completed after Redis came back', 60_000);
    cy.client.pair(invite.code);
    await cy.untilAsync((s) => s.kind === 'ready', 'Cy pairs once Redis is back');
    // The admin's own connection (a team command's) does not outlive a restart: a new one.
    admin.disconnect();
    admin = await connectCommandRedisAsync(redis.url);
  });

  it('a revoked designer’s open connection is closed (4002) and their waiting jobs are dropped; others’ jobs go on', async () => {
    const dee = await pairDesignerAsync('Dee');
    const eli = await pairDesignerAsync('Eli');
    // Eli's long job holds the one worker; Dee's waits behind it.
    await stylizeAsync(eli, 'eli-1', 30);
    const eliJob = await acceptedAsync(eli, 'eli-1');
    await eli.messageAsync((m) => m.type === 'started' && m.jobId === eliJob, 'Eli started');
    await stylizeAsync(dee, 'dee-1', 4);
    const deeJob = await acceptedAsync(dee, 'dee-1');
    const keys = teamKeys(prefix);
    assert.equal(await admin.zcard(keys.ownerActive(dee.key.keyId)), 1, 'Dee has a job waiting');

    const beforeRevoke = dee.states.length;
    const out = textSink();
    const code = await runTeamCommandAsync(['revoke', 'Dee', '--redis', redis.url, '--prefix', prefix], { stdout: out, stderr: out, env: {} });
    assert.equal(code, 0);
    await dee.untilAsync((s) => s.kind === 'pairing-needed', 'the pairing panel after the revoke', beforeRevoke);
    assert.ok(dee.closes.includes(4002), `closed with 4002 (got ${dee.closes.join(', ')})`);
    assert.equal(dee.saved.at(-1), null, 'the plugin forgot the revoked key');
    // Dropped: gone from the designer's active jobs, and never started.
    const deadline = Date.now() + WAIT_MS;
    while ((await admin.zcard(keys.ownerActive(dee.key.keyId))) > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(await admin.zcard(keys.ownerActive(dee.key.keyId)), 0, 'Dee’s waiting job was dropped');
    await eli.messageAsync((m) => m.type === 'completed' && m.jobId === eliJob, 'Eli’s job completes', 60_000);
    assert.equal(dee.jobs.filter((m) => m.type === 'started' && m.jobId === deeJob).length, 0, 'Dee’s job never ran');
    // The revoked key no longer connects.
    const stale = startDesigner('Dee again', dee.key);
    await stale.untilAsync((s) => s.kind === 'pairing-needed', 'asked to pair again');
  });
});
