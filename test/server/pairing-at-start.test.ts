/**
 * Issue 28 item 11: a pairing window opened at every start (start at login included) even with
 * plugins paired, giving whoever waits for it a window's worth of free guesses each boot. It
 * opens at start only while nothing is paired; the tray and terminal still open one on demand.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createMemoryLogger, startDaemonServerAsync, type DaemonServer } from '../../daemon/server/index.ts';
import { TestClient, type TestKey } from './test-client.ts';
import { pairedClientAsync, useTestEngine } from './test-daemon.ts';

const engine = useTestEngine();
let configDir: string;

before(async () => {
  configDir = await mkdtemp(join(tmpdir(), 'atelier-config-'));
});

after(async () => {
  await rm(configDir, { recursive: true, force: true });
});

/** The daemon as the app starts it: the default `pairingOpenAtStart`, the same config folder each time. */
const startAsync = (): Promise<DaemonServer> => startDaemonServerAsync({ port: 0, configDir, engine: engine(), logger: createMemoryLogger(), pairingAttemptIntervalMs: 0 });

test('a start with nothing paired opens pairing; a start with a plugin paired does not, and the tray still can', async () => {
  const first = await startAsync();
  let key: TestKey;
  try {
    assert.match(first.pairingCode() ?? '', /^\d{8}$/, 'nothing paired yet: the designer gets a code at once');
    const paired = await pairedClientAsync(first);
    key = paired.key;
    paired.client.close();
  } finally {
    await first.close();
  }

  const second = await startAsync();
  try {
    assert.equal(second.pairingCode(), null, 'a plugin is paired: no window, no free guesses');
    assert.deepEqual(second.pairing(), { code: null, secondsLeft: 0, failures: 0 });
    const client = await TestClient.connectAsync(second.url);
    assert.equal((await client.authenticateAsync(key!)).message.paired, true, 'the paired plugin needs no window');
    client.close();
    // "Pair a new plugin…" in the tray (or Enter in the terminal) opens one on demand.
    second.openPairing();
    assert.match(second.pairingCode() ?? '', /^\d{8}$/);
  } finally {
    await second.close();
  }

  // Revoked: nothing is paired, so the next start opens pairing again.
  const third = await startAsync();
  try {
    assert.equal(third.pairingCode(), null);
    assert.equal(await third.revokeAllTokensAsync(), 1);
  } finally {
    await third.close();
  }
  const fourth = await startAsync();
  try {
    assert.match(fourth.pairingCode() ?? '', /^\d{8}$/);
  } finally {
    await fourth.close();
  }
});
