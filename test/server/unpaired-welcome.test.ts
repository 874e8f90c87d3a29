/**
 * Issue 28 item 12: any page can open a socket to the daemon (Figma's plugin frames send Origin
 * `null`, which the daemon must allow), and the unpaired welcome told it the daemon's version,
 * engine and device, and the state broadcasts followed. Until paired, a client now learns only
 * what pairing needs; the full welcome follows `paired`, and the real plugin client, unchanged,
 * reaches "ready" with it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DAEMON_STATE_CAPABILITY, PROTOCOL_VERSION } from '../../protocol/index.ts';
import { startPlugin } from './plugin-client.ts';
import { TestClient } from './test-client.ts';
import { openPairingCode, startTestDaemonAsync, useTestEngine } from './test-daemon.ts';

const engine = useTestEngine();
/** Distinctive, so that it can be looked for in everything an unpaired client received. */
const DAEMON_VERSION = '7.6.5-door';

test('a page (Origin null) learns the protocol and nothing of the daemon until it pairs: no version, engine, device, state or limits', { timeout: 120_000 }, async () => {
  // No engine yet, as on a first run: the state changes below would have been broadcast.
  const daemon = await startTestDaemonAsync(undefined, { daemonVersion: DAEMON_VERSION });
  try {
    const page = await TestClient.connectAsync(daemon.server.url, { origin: 'null' });
    page.hello(undefined, [DAEMON_STATE_CAPABILITY]);
    const { message: welcome } = await page.waitForAsync('welcome');
    assert.deepEqual(welcome, { type: 'welcome', protocol: PROTOCOL_VERSION, engine: null, capabilities: [], presets: [], paired: false });

    daemon.server.reportState({ state: 'downloading-weights', progress: { bytes: 1, total: 2 }, message: 'Downloading the style model (50%)' });
    daemon.server.setEngine(engine());
    // Pairing on the same connection: only then the full welcome, after `paired`.
    const key = await page.pairAsync(openPairingCode(daemon.server));
    assert.ok(key);
    const { message: full } = await page.waitForAsync('welcome', (m) => m.paired);
    assert.deepEqual(
      page.messages().map((m) => m.type),
      ['welcome', 'pair-response', 'paired', 'welcome'],
      'no daemon-state reached it while unpaired',
    );
    assert.equal(full.daemon?.version, DAEMON_VERSION);
    assert.equal(full.engine?.backend, engine().info.backend);
    assert.equal(full.engine?.device, engine().info.device);
    assert.equal(full.state?.state, 'ready');
    assert.ok(full.limits && full.capabilities.includes(DAEMON_STATE_CAPABILITY) && full.presets.length > 0);
    const beforePaired = JSON.stringify(page.messages().slice(0, 2));
    for (const secret of [DAEMON_VERSION, `"${engine().info.device}"`, `"${engine().info.engine}"`]) {
      assert.ok(!beforePaired.includes(secret), `nothing before pairing says ${secret}`);
    }
    page.close();
  } finally {
    await daemon.stopAsync();
  }
});

test('the plugin client, unchanged, pairs on that welcome and is ready with the full one, never with a partial one', { timeout: 120_000 }, async () => {
  const daemon = await startTestDaemonAsync(engine(), { daemonVersion: DAEMON_VERSION });
  const plugin = startPlugin(daemon.server.url, null);
  try {
    await plugin.waitForAsync((s) => s.kind === 'pairing-needed', 'the pairing panel');
    assert.equal(plugin.client.pair(openPairingCode(daemon.server)), true);
    const ready = await plugin.waitForAsync((s) => s.kind === 'ready', 'ready');
    assert.ok(ready.kind === 'ready');
    assert.equal(ready.welcome.daemon?.version, DAEMON_VERSION);
    assert.equal(ready.welcome.limits?.maxOutputSide, 4096);
    for (const state of plugin.states) {
      if (state.kind === 'ready' || state.kind === 'setting-up') assert.ok(state.welcome.limits, `${state.kind} with a full welcome`);
    }
  } finally {
    plugin.client.stop();
    await daemon.stopAsync();
  }
});
