import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { CLOSE_CODES, createConnectionHub, createMemoryLogger, loopbackPolicy, type ConnectionHubOptions, type PairingSource } from '../../daemon/server/index.ts';
import { LocalPairingSource } from '../../daemon/server/local-pairing.ts';
import { PairingWindow } from '../../daemon/server/pairing.ts';
import { TokenStore } from '../../daemon/server/token-store.ts';
import { DAEMON_STATE_CAPABILITY, PROTOCOL_VERSION, REGIONS_CAPABILITY, Spake2Client, TEAM_INVITE_CAPABILITY, bytesToHex, spake2Context } from '../../protocol/index.ts';
import { FAKE_RUNNER_INFO, FakeJobRunner } from '../support/fake-job-runner.ts';
import { TEST_CLIENT_NAME, TestClient, type TestKey } from './test-client.ts';
import { smallStylizeAsync, testImageAsync } from './test-daemon.ts';

/**
 * The connection hub (connection-hub.ts) as a team front door uses it (issue 30): over a plain
 * http server of the test's own, with a scripted JobRunner (test/support/fake-job-runner.ts)
 * instead of an engine, so the protocol is checked in milliseconds, and with the pairing and
 * keys behind their seams (the local window and tokens.json here).
 */

interface Hub {
  hub: ReturnType<typeof createConnectionHub>;
  url: string;
  window: PairingWindow;
  tokens: TokenStore;
  /** What `pair.invite` each pairing turn was asked with. */
  invites: Array<string | null>;
  stopAsync(): Promise<void>;
}

const NOT_READY_SENTENCE = 'No GPU worker is running; ask your studio admin to start one.';
const SHUTDOWN_SENTENCE = 'The team server is restarting; Atelier reconnects by itself.';

async function startHubAsync(runner: FakeJobRunner, extra: Partial<ConnectionHubOptions> = {}): Promise<Hub> {
  const dir = await mkdtemp(join(tmpdir(), 'atelier-hub-'));
  const tokens = await TokenStore.openAsync(dir);
  const window = new PairingWindow({ windowMs: 60_000, attemptIntervalMs: 0, onChange: () => undefined });
  const local = new LocalPairingSource(window, tokens);
  const invites: Array<string | null> = [];
  const pairing: PairingSource = {
    beginAsync: (invite) => {
      invites.push(invite);
      return local.beginAsync(invite);
    },
  };
  const http = createServer((_request, response) => response.writeHead(404).end());
  let port = 0;
  const hub = createConnectionHub({
    runner,
    keys: tokens,
    pairing,
    logger: createMemoryLogger(),
    handshake: loopbackPolicy(
      () => port,
      () => [],
    ),
    version: '9.9.9',
    state: () => (runner.info() ? { state: 'ready', message: 'The team server is ready.' } : { state: 'starting', message: 'Waiting for a GPU worker.' }),
    notReadySentence: () => NOT_READY_SENTENCE,
    shutdownSentence: SHUTDOWN_SENTENCE,
    ...extra,
  });
  http.on('upgrade', hub.handleUpgrade);
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  port = (http.address() as AddressInfo).port;
  return {
    hub,
    url: `ws://127.0.0.1:${port}`,
    window,
    tokens,
    invites,
    stopAsync: async () => {
      window.dispose();
      await hub.closeAsync();
      await new Promise<void>((resolve) => http.close(() => resolve()));
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** hello, the unpaired welcome, SPAKE2 on the window's code, and the paired welcome (when the runner is ready or the client reads daemon-state). */
async function pairAsync(h: Hub, options: { capabilities?: string[]; invite?: string } = {}): Promise<{ client: TestClient; key: TestKey }> {
  const client = await TestClient.connectAsync(h.url);
  client.hello(undefined, options.capabilities ?? [DAEMON_STATE_CAPABILITY]);
  await client.waitForAsync('welcome');
  h.window.open();
  const key = await client.pairAsync(h.window.state.code!, options.invite);
  if (!key) throw new Error('pairing with the window\'s own code failed');
  await client.waitForAsync('welcome', (m) => m.paired);
  return { client, key };
}

test('a job through the hub reaches the runner as its spec, is accepted, and its messages arrive in order', async () => {
  const runner = new FakeJobRunner();
  const h = await startHubAsync(runner);
  try {
    const { client, key } = await pairAsync(h);
    const job = await smallStylizeAsync('through-hub', { previewEvery: 0 });
    const next = runner.nextJobAsync();
    client.send(job.message, job.images);
    const accepted = (await client.waitForAsync('accepted')).message;
    const fake = await next;
    assert.equal(accepted.jobId, fake.id);
    assert.equal(accepted.position, 0);
    assert.equal(fake.spec.owner, key.keyId, 'the job belongs to the pairing');
    assert.equal(fake.spec.clientName, 'test');
    assert.equal(fake.spec.placement, null);
    assert.deepEqual([...fake.spec.contents[0]!], [...job.images.get('c0')!]);
    assert.deepEqual(fake.spec.styles.map((s) => s.weight), [1]);
    assert.equal(fake.spec.progressEvery, 1, 'resolved in the runner\'s convention before queueing');

    const png = await testImageAsync('content', 32, 32);
    fake.start().progress(1).progress(2).result(png, 32, 32).complete();
    await client.waitForAsync('completed');
    const types = client.messages().filter((m) => 'jobId' in m && m.jobId === fake.id).map((m) => m.type);
    assert.deepEqual(types, ['accepted', 'started', 'progress', 'progress', 'result', 'completed']);
    const result = client.received.find((r) => r.message.type === 'result')!;
    assert.deepEqual([...result.images.get('result')!], [...png], 'the result\'s bytes as the runner sent them');
    client.close();
  } finally {
    await h.stopAsync();
  }
});

test('a team hub announces regions, and a stylize with regions reaches the runner with them by index, masks as sent', async () => {
  const runner = new FakeJobRunner();
  const h = await startHubAsync(runner, { capabilities: [TEAM_INVITE_CAPABILITY] });
  try {
    const { client } = await pairAsync(h);
    const welcome = client.messages().filter((m) => m.type === 'welcome').at(-1)!;
    assert.ok(welcome.type === 'welcome' && welcome.capabilities.includes(REGIONS_CAPABILITY), 'a plugin sends masks only where regions is listed');
    const job = await smallStylizeAsync('masked', { previewEvery: 0 });
    const ref = (id: string, mime: 'image/png' | 'image/jpeg') => ({ id, mime, width: 32, height: 32 });
    const masks = new Map([
      ['m0', await testImageAsync('style', 16, 16)],
      ['m1', await testImageAsync('content', 32, 32)],
    ]);
    const message = {
      ...job.message,
      content: [ref('c0', 'image/png'), ref('c1', 'image/png')],
      styles: [{ image: ref('s0', 'image/jpeg'), weight: 1 }, { image: ref('s1', 'image/png'), weight: 2 }],
      // c1's regions list their styles; c0's one leaves them out (every style paints there).
      regions: [
        { content: 'c1', mask: ref('m1', 'image/png'), styles: ['s1'] },
        { content: 'c0', mask: { ...ref('m0', 'image/png'), width: 16, height: 16 } },
        { content: 'c1', mask: { ...ref('m0x', 'image/png'), width: 16, height: 16 }, styles: ['s0'] },
      ],
      featherPx: 7,
    };
    const images = new Map([...job.images, ['c1', job.images.get('c0')!], ['s1', masks.get('m1')!], ['m0x', masks.get('m0')!], ...masks]);
    const next = runner.nextJobAsync();
    client.send(message, images);
    await client.waitForAsync('accepted', (m) => m.requestId === 'masked');
    const fake = await next;
    assert.deepEqual(
      fake.spec.regions.map((r) => ({ ...r, mask: [...r.mask] })),
      [
        { content: 1, mask: [...masks.get('m1')!], styles: [1] },
        { content: 0, mask: [...masks.get('m0')!], styles: [0, 1] },
        { content: 1, mask: [...masks.get('m0')!], styles: [0] },
      ],
    );
    assert.equal(fake.spec.featherPx, 7);
    client.close();
  } finally {
    await h.stopAsync();
  }
});

test('the runner\'s refusal reaches the plugin as it is: its code, its sentence, the requestId', async () => {
  const runner = new FakeJobRunner({ maxQueuedPerOwner: 0 });
  const h = await startHubAsync(runner);
  try {
    const { client } = await pairAsync(h);
    const first = await smallStylizeAsync('first');
    client.send(first.message, first.images);
    await client.waitForAsync('accepted');
    const second = await smallStylizeAsync('second');
    client.send(second.message, second.images);
    const refused = (await client.waitForAsync('error', (m) => m.requestId === 'second')).message;
    assert.equal(refused.code, 'busy');
    assert.equal(refused.message, 'You already have 0 jobs waiting; send more when one has started.');
    client.close();
  } finally {
    await h.stopAsync();
  }
});

test('while the runner is not ready the paired welcome and stylize say so; its readiness releases an older client\'s held welcome', async () => {
  const runner = new FakeJobRunner({ info: null });
  const h = await startHubAsync(runner);
  try {
    const { client: reader } = await pairAsync(h);
    const welcome = reader.messages().filter((m) => m.type === 'welcome').at(-1)!;
    assert.equal(welcome.type === 'welcome' && welcome.engine, null);
    assert.equal(welcome.type === 'welcome' && welcome.state?.state, 'starting');
    const job = await smallStylizeAsync('too-early');
    reader.send(job.message, job.images);
    const notReady = (await reader.waitForAsync('error', (m) => m.requestId === 'too-early')).message;
    assert.deepEqual([notReady.code, notReady.message], ['not-ready', NOT_READY_SENTENCE]);
    assert.deepEqual(runner.calls, [], 'nothing reached the runner');

    // An older client (no daemon-state) cannot read a welcome without an engine: it waits.
    const older = await TestClient.connectAsync(h.url);
    older.hello();
    older.send({ type: 'get-status' });
    await older.waitForAsync('error', (m) => m.code === 'not-paired');
    assert.equal(older.messages().some((m) => m.type === 'welcome'), false, 'no welcome yet');

    runner.setInfo(FAKE_RUNNER_INFO);
    h.hub.sendDaemonState({ type: 'daemon-state', state: 'ready', message: 'The team server is ready.', engine: FAKE_RUNNER_INFO });
    h.hub.runnerReady();
    const ready = (await reader.waitForAsync('daemon-state')).message;
    assert.deepEqual(ready.engine, FAKE_RUNNER_INFO);
    const late = (await older.waitForAsync('welcome')).message;
    assert.equal(late.paired, false);
    assert.equal(older.messages().some((m) => m.type === 'daemon-state'), false, 'unpaired clients learn nothing of the server');
    reader.close();
    older.close();
  } finally {
    await h.stopAsync();
  }
});

test('a team hub lists its capabilities before pairing, and pair.invite reaches the pairing source', async () => {
  const h = await startHubAsync(new FakeJobRunner(), { capabilities: [TEAM_INVITE_CAPABILITY] });
  try {
    const client = await TestClient.connectAsync(h.url);
    client.hello(undefined, [DAEMON_STATE_CAPABILITY]);
    const unpaired = (await client.waitForAsync('welcome')).message;
    assert.deepEqual(unpaired.capabilities, [TEAM_INVITE_CAPABILITY]);
    h.window.open();
    assert.ok(await client.pairAsync(h.window.state.code!, '42'));
    const paired = (await client.waitForAsync('welcome', (m) => m.paired)).message;
    assert.ok(paired.capabilities.includes(TEAM_INVITE_CAPABILITY) && paired.capabilities.includes('jobs'));
    assert.deepEqual(h.invites, ['42']);
    client.close();
  } finally {
    await h.stopAsync();
  }
});

test('revokeKey closes that pairing\'s connections (4002), cancels their connection-bound jobs, and leaves other designers alone', async () => {
  const runner = new FakeJobRunner();
  const h = await startHubAsync(runner);
  try {
    const a = await pairAsync(h);
    const second = await TestClient.connectAsync(h.url);
    await second.authenticateAsync(a.key, [DAEMON_STATE_CAPABILITY]);
    const b = await pairAsync(h);
    const job = await smallStylizeAsync('a-job');
    a.client.send(job.message, job.images);
    await a.client.waitForAsync('accepted');

    assert.equal(await h.tokens.revokeAsync(a.key.keyId), true);
    assert.equal(h.hub.revokeKey(a.key.keyId), 2);
    assert.equal(await a.client.closedAsync(), CLOSE_CODES.tokenRevoked);
    assert.equal(await second.closedAsync(), CLOSE_CODES.tokenRevoked);
    assert.equal(await runner.jobs[0]!.endedAsync(), 'cancelled', 'its job without a placement ended with its connection');
    assert.ok(runner.jobs[0]!.relay.followed === false, 'nobody follows it any more');

    b.client.send({ type: 'get-status' });
    const status = (await b.client.waitForAsync('status')).message;
    assert.deepEqual(status.queued, []);
    assert.equal(b.client.closeCode, null, 'the other designer is still connected');
    b.client.close();
  } finally {
    await h.stopAsync();
  }
});

test('cancel reaches the runner with the owner: another designer\'s job is unknown to them', async () => {
  const runner = new FakeJobRunner();
  const h = await startHubAsync(runner);
  try {
    const a = await pairAsync(h);
    const b = await pairAsync(h);
    const job = await smallStylizeAsync('mine', { previewEvery: 0 });
    a.client.send(job.message, job.images);
    const { jobId } = (await a.client.waitForAsync('accepted')).message;
    b.client.send({ type: 'cancel', jobId });
    assert.equal((await b.client.waitForAsync('error')).message.code, 'unknown-job');
    assert.equal(runner.jobs[0]!.state, 'waiting');
    a.client.send({ type: 'cancel', jobId });
    assert.equal((await a.client.waitForAsync('cancelled')).message.reason, 'client');
    a.client.close();
    b.client.close();
  } finally {
    await h.stopAsync();
  }
});

test('closing the hub tells every client with its sentence, closes them with 1001, and refuses later upgrades', async () => {
  const h = await startHubAsync(new FakeJobRunner());
  let stopped = false;
  try {
    const { client } = await pairAsync(h);
    const closing = h.hub.closeAsync();
    assert.equal((await client.waitForAsync('shutdown')).message.message, SHUTDOWN_SENTENCE);
    assert.equal(await client.closedAsync(), CLOSE_CODES.shutdown);
    await closing;
    await assert.rejects(TestClient.connectAsync(h.url), (error: { statusCode?: number }) => error.statusCode === 503);
    await h.stopAsync();
    stopped = true;
  } finally {
    if (!stopped) await h.stopAsync();
  }
});

test('a runner that rejects with a wire code and a sentence is answered with them (not internal); any other rejection is internal', async () => {
  const runner = new FakeJobRunner();
  const h = await startHubAsync(runner);
  try {
    const { client } = await pairAsync(h);
    const sentence = 'The team server cannot reach its database right now; try again in a minute.';
    runner.rejectNext(Object.assign(new Error(sentence), { code: 'not-ready' }));
    const job = await smallStylizeAsync('while-redis-is-down');
    client.send(job.message, job.images);
    const refused = (await client.waitForAsync('error', (m) => m.requestId === 'while-redis-is-down')).message;
    assert.deepEqual([refused.code, refused.message], ['not-ready', sentence]);

    runner.rejectNext(Object.assign(new Error(sentence), { code: 'not-ready' }));
    client.send({ type: 'list-jobs', document: 'file-a' });
    assert.deepEqual((await client.waitForAsync('error', (m) => m.code === 'not-ready')).message.message, sentence);

    runner.rejectNext(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6379'), { code: 'ECONNREFUSED' }));
    client.send({ type: 'get-status' });
    const bug = (await client.waitForAsync('error', (m) => m.code === 'internal')).message;
    assert.doesNotMatch(bug.message, /ECONNREFUSED/, 'an unexpected error\'s detail stays in the log');
    client.close();
  } finally {
    await h.stopAsync();
  }
});

test('a team hub\'s own pairing sentences replace the local daemon\'s (which point at a tray menu it has not got)', async () => {
  const sentences = {
    wrongCode: (left: number) => `Wrong invite code; check the code your studio admin gave you (${left} left).`,
    notPaired: 'Pair with your studio\'s team server first: enter the invite code your admin gave you.',
  };
  const h = await startHubAsync(new FakeJobRunner(), { capabilities: [TEAM_INVITE_CAPABILITY], sentences });
  try {
    const client = await TestClient.connectAsync(h.url);
    client.hello(undefined, [DAEMON_STATE_CAPABILITY]);
    await client.waitForAsync('welcome');
    client.send({ type: 'get-status' });
    assert.equal((await client.waitForAsync('error', (m) => m.code === 'not-paired')).message.message, sentences.notPaired);
    h.window.open();
    const spake = new Spake2Client(h.window.state.code!, spake2Context(PROTOCOL_VERSION, TEST_CLIENT_NAME, client.host));
    client.send({ type: 'pair', share: bytesToHex(spake.share), invite: '07' });
    await client.waitForAsync('pair-response');
    client.send({ type: 'pair-confirm', confirm: '00'.repeat(32) });
    const wrong = (await client.waitForAsync('error', (m) => m.code === 'bad-pairing-code')).message;
    assert.match(wrong.message, /^Wrong invite code; check the code your studio admin gave you \(\d+ left\)\.$/);
    client.close();
  } finally {
    await h.stopAsync();
  }
});

test('the welcome and daemon-state stay valid when the server\'s state lags the runner (a worker came between two polls)', async () => {
  const runner = new FakeJobRunner({ info: null });
  let said: 'ready' | 'starting' = 'starting';
  const h = await startHubAsync(runner, { state: () => (said === 'ready' ? { state: 'ready', message: 'Ready.' } : { state: 'starting', message: 'Waiting for a GPU worker.' }) });
  try {
    runner.setInfo(FAKE_RUNNER_INFO);
    const { client } = await pairAsync(h);
    const welcome = client.messages().filter((m) => m.type === 'welcome').at(-1)!;
    assert.ok(welcome.type === 'welcome' && welcome.state?.state === 'ready' && welcome.engine !== null, 'the runner is the truth: stylize would be accepted');

    runner.setInfo(null);
    said = 'ready';
    h.hub.stateChanged();
    const state = (await client.waitForAsync('daemon-state')).message;
    assert.deepEqual([state.state, state.engine, state.message], ['starting', null, NOT_READY_SENTENCE]);
    client.close();
  } finally {
    await h.stopAsync();
  }
});
