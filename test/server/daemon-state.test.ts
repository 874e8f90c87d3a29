import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Engine } from '../../daemon/engine/index.ts';
import type { DaemonStateMessage } from '../../protocol/index.ts';
import { TestClient } from './test-client.ts';
import { createTestEngineAsync, pairedClientAsync, smallStylizeAsync, startTestDaemonAsync } from './test-daemon.ts';

let engine: Engine;
let cleanupEngineAsync: () => Promise<void>;

before(async () => {
  ({ engine, cleanupAsync: cleanupEngineAsync } = await createTestEngineAsync());
});

after(async () => {
  await cleanupEngineAsync();
});

const READS_STATE = ['daemon-state'];

test('before the engine exists: pairing works, state updates arrive (throttled), stylize is not-ready; then ready and a job runs', async () => {
  const daemon = await startTestDaemonAsync(undefined);
  try {
    assert.equal(daemon.server.state().state, 'starting');
    const { client, key } = await pairedClientAsync(daemon.server, READS_STATE);
    // The welcome that follows `paired` (the unpaired one says nothing of the daemon).
    const welcome = client.messages().filter((m) => m.type === 'welcome').at(-1)!;
    assert.ok(welcome.type === 'welcome' && welcome.paired);
    assert.equal(welcome.engine, null, 'no engine yet');
    assert.equal(welcome.state?.state, 'starting');

    // An older client (no capabilities) cannot read that welcome: it gets its welcome once ready.
    const legacy = await TestClient.connectAsync(daemon.server.url);
    await legacy.answerChallengeAsync(key, legacy.hello(key));

    daemon.server.reportState({ state: 'downloading-weights', progress: { bytes: 0, total: 1000 }, message: 'Downloading the style model' });
    for (const bytes of [100, 200, 300, 400]) {
      daemon.server.reportState({ state: 'downloading-weights', progress: { bytes, total: 1000 }, message: 'Downloading the style model' });
    }
    const first = (await client.waitForAsync('daemon-state')).message;
    assert.deepEqual([first.state, first.progress, first.engine], ['downloading-weights', { bytes: 0, total: 1000 }, null]);
    // Within the interval only the latest progress follows.
    const second = (await client.waitForAsync('daemon-state')).message;
    assert.deepEqual([second.state, second.progress], ['downloading-weights', { bytes: 400, total: 1000 }]);

    const job = await smallStylizeAsync('too-early');
    client.send(job.message, job.images);
    const refused = (await client.waitForAsync('error')).message;
    assert.equal(refused.code, 'not-ready');
    assert.equal(refused.requestId, 'too-early');
    assert.match(refused.message, /still downloading its style model \(40%\); try again/);

    client.send({ type: 'get-status' });
    assert.equal((await client.waitForAsync('status')).message.running, null, 'status is answered while setting up');

    daemon.server.reportState({ state: 'converting-weights', message: 'Converting the style model' });
    assert.equal((await client.waitForAsync('daemon-state')).message.state, 'converting-weights', 'a new state is not held back');
    daemon.server.reportState({ state: 'loading-engine', message: 'Loading the engine' });
    assert.equal((await client.waitForAsync('daemon-state')).message.state, 'loading-engine');

    daemon.server.setEngine(engine);
    const ready = (await client.waitForAsync('daemon-state')).message;
    assert.equal(ready.state, 'ready');
    assert.equal(ready.engine?.backend, 'cpu');
    assert.throws(() => daemon.server.setEngine(engine), /already has an engine/);

    const held = (await legacy.waitForAsync('welcome')).message;
    assert.equal(held.paired, true);
    assert.equal(held.engine?.backend, 'cpu', 'the held welcome carries the engine');
    assert.deepEqual(legacy.messages().map((m) => m.type), ['auth-challenge', 'welcome'], 'an older client never sees daemon-state');

    const late = await TestClient.connectAsync(daemon.server.url);
    const lateWelcome = (await late.authenticateAsync(key, READS_STATE)).message;
    assert.deepEqual([lateWelcome.engine?.backend, lateWelcome.state?.state], ['cpu', 'ready']);

    const now = await smallStylizeAsync('in-time');
    client.send(now.message, now.images);
    const { jobId } = (await client.waitForAsync('accepted')).message;
    await client.waitForAsync('result');
    await client.waitForAsync('completed', (m) => m.jobId === jobId);

    const states = client.messages().filter((m): m is DaemonStateMessage => m.type === 'daemon-state').map((m) => m.state);
    assert.deepEqual(states, ['downloading-weights', 'downloading-weights', 'converting-weights', 'loading-engine', 'ready']);
    for (const c of [client, legacy, late]) c.close();
  } finally {
    await daemon.stopAsync();
  }
});

test('a failed setup is final: clients read why, stylize says so, later reports are ignored', async () => {
  const daemon = await startTestDaemonAsync(undefined);
  try {
    const { client } = await pairedClientAsync(daemon.server, READS_STATE);
    daemon.server.reportState({ state: 'failed', message: 'cannot reach storage.googleapis.com (weights_offline)' });
    const failed = (await client.waitForAsync('daemon-state')).message;
    assert.deepEqual([failed.state, failed.engine], ['failed', null]);
    daemon.server.reportState({ state: 'loading-engine', message: 'Loading the engine' });
    assert.equal(daemon.server.state().state, 'failed');
    const job = await smallStylizeAsync('after-failure');
    client.send(job.message, job.images);
    const refused = (await client.waitForAsync('error')).message;
    assert.equal(refused.code, 'not-ready');
    assert.match(refused.message, /could not set up its style model: cannot reach storage/);
    assert.equal(client.messages().filter((m) => m.type === 'daemon-state').length, 1);
    client.close();
  } finally {
    await daemon.stopAsync();
  }
});
