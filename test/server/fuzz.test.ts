import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Engine } from '../../daemon/engine/index.ts';
import { emptyTally, fuzzDaemonAsync } from './fuzz-client.ts';
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

test('thousands of fuzzed frames (fixed seed) from unpaired and paired clients: valid answers only, no internal error, and a job completes after', async () => {
  const unpaired = emptyTally();
  await fuzzDaemonAsync(daemon.server, 2000, 1, false, unpaired);
  const paired = emptyTally();
  await fuzzDaemonAsync(daemon.server, 1000, 2, true, paired);
  for (const run of [unpaired, paired]) {
    assert.deepEqual(run.invalid, [], 'the daemon sent a frame outside the protocol');
    assert.equal(run.internal, 0, 'a fuzzed frame reached a bug (internal)');
    assert.equal(run.hangs, 0);
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
