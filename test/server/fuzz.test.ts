import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Engine } from '../../daemon/engine/index.ts';
import { createFuzzFrames } from '../support/fuzz-frames.ts';
import { TestClient } from './test-client.ts';
import { createTestEngineAsync, pairedClientAsync, smallStylizeAsync, startTestDaemonAsync, type TestDaemon } from './test-daemon.ts';

/**
 * A bounded fuzz in the suite (fixed seed, a few thousand frames, seconds): unpaired and paired
 * clients send mutated contract messages; the daemon answers only valid frames, never
 * `internal`, and a paired job completes afterwards. The long run is scripts/fuzz-daemon.ts.
 */
let engine: Engine;
let cleanupEngineAsync: () => Promise<void>;
let daemon: TestDaemon;

before(async () => {
  ({ engine, cleanupAsync: cleanupEngineAsync } = await createTestEngineAsync());
  daemon = await startTestDaemonAsync(engine, { pairingAttemptIntervalMs: 0 });
});

after(async () => {
  await daemon.stopAsync();
  await cleanupEngineAsync();
});

/** Sends `count` frames, reconnecting (and, when `paired`, re-pairing) whenever the daemon closes the link. */
async function fuzzAsync(count: number, seed: number, paired: boolean): Promise<{ invalid: string[]; internal: number; replies: number }> {
  const next = createFuzzFrames(seed);
  const invalid: string[] = [];
  let internal = 0;
  let replies = 0;
  let sent = 0;
  while (sent < count) {
    const client = paired ? (await pairedClientAsync(daemon.server)).client : await TestClient.connectAsync(daemon.server.url);
    if (!paired) client.hello(undefined, ['daemon-state']);
    while (sent < count && client.closeCode === null) {
      for (let i = 0; i < 50 && sent < count; i++, sent++) client.sendRaw(next());
      // A round trip per batch, so the daemon keeps up and replies are read.
      client.send({ type: 'get-status' });
      const answered = paired
        ? client.waitForAsync('status', () => true, 30_000)
        : client.waitForAsync('error', (m) => m.code === 'not-paired' || m.code === 'hello-required', 30_000);
      await answered.catch(() => undefined);
    }
    for (const message of client.messages()) if (message.type === 'error' && message.code === 'internal') internal += 1;
    replies += client.messages().length;
    invalid.push(...client.invalid);
    client.close();
  }
  return { invalid, internal, replies };
}

test('thousands of fuzzed frames (fixed seed) from unpaired and paired clients: valid answers only, no internal error, and a job completes after', async () => {
  const unpaired = await fuzzAsync(2000, 1, false);
  const paired = await fuzzAsync(1000, 2, true);
  for (const run of [unpaired, paired]) {
    assert.deepEqual(run.invalid, [], 'the daemon sent a frame outside the protocol');
    assert.equal(run.internal, 0, 'a fuzzed frame reached a bug (internal)');
    assert.ok(run.replies > 0);
  }
  assert.ok(!daemon.logger.lines.some((l) => l.event === 'internal-error'), JSON.stringify(daemon.logger.lines.find((l) => l.event === 'internal-error')));

  const { client } = await pairedClientAsync(daemon.server);
  const job = await smallStylizeAsync('after-fuzz');
  client.send(job.message, job.images);
  await client.waitForAsync('accepted');
  await client.waitForAsync('completed');
  client.close();
});
