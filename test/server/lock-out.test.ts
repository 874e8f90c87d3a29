import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Engine } from '../../daemon/engine/index.ts';
import { urlWithHint } from '../../client/key-hint.ts';
import { DEFAULT_PAIRING_ATTEMPT_INTERVAL_MS, UNPAIRED_MIN_LIFE_MS } from '../../daemon/server/limits.ts';
import { LIMITS, PROTOCOL_VERSION, Spake2Client, bytesToHex, spake2Context } from '../../protocol/index.ts';
import { TEST_CLIENT_NAME, TestClient, type TestKey } from './test-client.ts';
import { createTestEngineAsync, openPairingCode, pairedClientAsync, startTestDaemonAsync, type TestDaemon } from './test-daemon.ts';

/**
 * A web page (Origin: null, as a sandboxed iframe sends) or another program holding sockets
 * and guessing codes must keep neither a paired plugin nor the designer out.
 */
let engine: Engine;
let cleanupEngineAsync: () => Promise<void>;
let daemon: TestDaemon;

before(async () => {
  ({ engine, cleanupAsync: cleanupEngineAsync } = await createTestEngineAsync());
  // The real pacing of attempts and the real slot counts.
  daemon = await startTestDaemonAsync(engine, { maxConnections: 16, pairingAttemptIntervalMs: DEFAULT_PAIRING_ATTEMPT_INTERVAL_MS });
});

after(async () => {
  await daemon.stopAsync();
  await cleanupEngineAsync();
});

const hostileHeaders = { Origin: 'null' };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const guessOf = (n: number): string => String(n % 10 ** LIMITS.PAIRING_CODE_DIGITS).padStart(LIMITS.PAIRING_CODE_DIGITS, '0');

/**
 * What a web page gets from its browser: at most one WebSocket per address in CONNECTING at a
 * time (RFC 6455 §4.1; Chromium's WebSocketEndpointLockManager, which also waits 10 ms after
 * each before the next), across all its sockets. Two, for the daemon's two loopback addresses
 * (a page may name both), so this page is at least as strong as a real one.
 */
function browserConnector(addresses = 2): (url: string) => Promise<TestClient | null> {
  const locks: Array<Promise<unknown>> = Array.from({ length: addresses }, () => Promise.resolve());
  let next = 0;
  return (url) => {
    const at = next++ % addresses;
    const attempt = locks[at]!.then(() => TestClient.connectAsync(url, hostileHeaders).catch(() => null));
    locks[at] = attempt.then(() => sleep(10));
    return attempt;
  };
}

/**
 * The strongest guesser a page can be: one guess per fresh connection (so it never has a failed
 * code on it), each step taken as late as the daemon still counts its turn, so that each socket
 * holds its slot as long as its one guess allows. `count` sockets at once.
 */
function guessFreshly(count: number): { stopAsync(): Promise<void>; guesses(): number; refused(): number } {
  let stopped = false;
  let guesses = 0;
  /** Upgrades answered 503 (the line was full, or a wait ran out). */
  let refused = 0;
  const connect = browserConnector();
  const live = new Set<TestClient>();
  const hold = UNPAIRED_MIN_LIFE_MS * 0.8;
  const loops = Array.from({ length: count }, async (_, n) => {
    while (!stopped) {
      const client = await connect(daemon.server.url);
      if (!client) {
        refused += 1;
        await sleep(10);
        continue;
      }
      live.add(client);
      // Each step is given up as soon as the test is over.
      const step = async <T>(next: Promise<T>): Promise<T> => {
        const value = await next;
        if (stopped) throw new Error('stopped');
        return value;
      };
      try {
        await step(sleep(hold));
        client.hello();
        await step(client.waitForAsync('welcome'));
        await step(sleep(hold));
        const spake = new Spake2Client(guessOf(guesses * 13 + n), spake2Context(PROTOCOL_VERSION, TEST_CLIENT_NAME, client.host));
        client.send({ type: 'pair', share: bytesToHex(spake.share) });
        guesses += 1;
        await step(client.waitForAsync('pair-response'));
        await step(sleep(hold));
      } catch {
        // Replaced or closed on the way (a page just opens the next one), or the test is over.
      }
      client.close();
      live.delete(client);
    }
  });
  return {
    guesses: () => guesses,
    refused: () => refused,
    async stopAsync() {
      stopped = true;
      for (const client of live) client.close();
      await Promise.all(loops);
    },
  };
}

/** Holds `count` sockets open past hello (reopening any the daemon closes, with `reopen`), until stopped. */
function holdSockets(count: number, reopen: boolean): { stopAsync(): Promise<void>; opened(): number } {
  let stopped = false;
  let opened = 0;
  const live = new Set<TestClient>();
  const loops = Array.from({ length: count }, async () => {
    while (!stopped) {
      const client = await TestClient.connectAsync(daemon.server.url, hostileHeaders).catch(() => null);
      if (!client) {
        // Refused (every unpaired slot busy): a page would try again.
        await new Promise((resolve) => setTimeout(resolve, 10));
        continue;
      }
      opened += 1;
      live.add(client);
      client.hello();
      await client.closedAsync();
      live.delete(client);
      if (!reopen) return;
    }
  });
  return {
    opened: () => opened,
    async stopAsync() {
      stopped = true;
      for (const client of live) client.close();
      await Promise.all(loops);
    },
  };
}

/** Guesses codes on `count` connections, reconnecting when closed, until stopped. */
function guessCodes(count: number): { stopAsync(): Promise<void>; guesses(): number } {
  let stopped = false;
  let guesses = 0;
  const live = new Set<TestClient>();
  const loops = Array.from({ length: count }, async (_, n) => {
    while (!stopped) {
      const client = await TestClient.connectAsync(daemon.server.url, hostileHeaders).catch(() => null);
      if (!client) {
        await new Promise((resolve) => setTimeout(resolve, 10));
        continue;
      }
      live.add(client);
      client.hello();
      while (!stopped && client.closeCode === null) {
        const spake = new Spake2Client(guessOf(guesses * 7 + n), spake2Context(PROTOCOL_VERSION, TEST_CLIENT_NAME, client.host));
        client.send({ type: 'pair', share: bytesToHex(spake.share) });
        guesses += 1;
        const reply = await client.nextAsync().catch(() => null);
        if (reply === null) break;
      }
      client.close();
      live.delete(client);
    }
  });
  return {
    guesses: () => guesses,
    async stopAsync() {
      stopped = true;
      for (const client of live) client.close();
      await Promise.all(loops);
    },
  };
}

async function pluginGetsInAsync(key: TestKey, tries: number): Promise<void> {
  for (let i = 0; i < tries; i++) {
    // As the plugin does: its upgrade URL names its pairing, for a slot reserved for paired plugins.
    const plugin = await TestClient.connectAsync(urlWithHint(daemon.server.url, key.keyId), hostileHeaders);
    assert.equal((await plugin.authenticateAsync(key)).message.paired, true, `try ${i + 1}: the paired plugin got in`);
    plugin.send({ type: 'get-status' });
    assert.equal((await plugin.waitForAsync('status')).message.type, 'status');
    plugin.close();
  }
}

test('16 sockets held past hello and codes guessed all along keep out neither a paired plugin nor the designer pairing a new one', async () => {
  const { client: first, key } = await pairedClientAsync(daemon.server);
  first.close();
  const holders = holdSockets(16, false);
  const guessers = guessCodes(4);
  try {
    while (holders.opened() < 8 || guessers.guesses() < 8) await new Promise((resolve) => setTimeout(resolve, 20));
    await pluginGetsInAsync(key, 5);

    // The designer opens pairing (tray or terminal) and types the code into a new plugin,
    // which sends it right after its hello.
    const code = openPairingCode(daemon.server);
    let answer: string | null = null;
    for (let tries = 0; answer === null && tries < 50; tries++) {
      const fresh = await TestClient.connectAsync(daemon.server.url, hostileHeaders).catch(() => null);
      if (!fresh) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        continue;
      }
      fresh.hello();
      const reply = await fresh.pairAsync(code).then(
        (paired) => (paired ? 'paired' : 'wrong code'),
        (e: unknown) => String(e),
      );
      if (reply === 'paired' || !/closed \(4004\)/.test(reply)) answer = reply;
      fresh.close();
    }
    assert.equal(answer, 'paired');
    assert.ok(guessers.guesses() > 8, 'the guessing went on meanwhile');
  } finally {
    await Promise.all([holders.stopAsync(), guessers.stopAsync()]);
  }
});

test('sockets reopened as fast as the daemon closes them never keep a paired plugin out (its slots are reserved)', async () => {
  const { client: first, key } = await pairedClientAsync(daemon.server);
  first.close();
  const holders = holdSockets(32, true);
  try {
    while (holders.opened() < 32) await new Promise((resolve) => setTimeout(resolve, 20));
    await pluginGetsInAsync(key, 5);
  } finally {
    await holders.stopAsync();
  }
});

test('connections that hold a SPAKE2 exchange unconfirmed do not keep their slots: the designer still pairs', async () => {
  const code = openPairingCode(daemon.server);
  const holders: TestClient[] = [];
  for (let i = 0; i < 10; i++) {
    const client = await TestClient.connectAsync(daemon.server.url, hostileHeaders).catch(() => null);
    if (!client) continue;
    client.hello();
    await client.waitForAsync('welcome');
    // One guess, answered, and never confirmed.
    const spake = new Spake2Client('000000', spake2Context(PROTOCOL_VERSION, TEST_CLIENT_NAME, client.host));
    client.send({ type: 'pair', share: bytesToHex(spake.share) });
    await client.waitForAsync('pair-response');
    holders.push(client);
  }
  assert.ok(holders.length >= 8, 'the unpaired slots are full of unconfirmed exchanges');
  // A plugin confirms within one round trip; past UNPAIRED_MIN_LIFE_MS these may be replaced.
  await new Promise((resolve) => setTimeout(resolve, 1200));
  const designer = await TestClient.connectAsync(daemon.server.url, hostileHeaders);
  designer.hello();
  await designer.waitForAsync('welcome');
  assert.ok(await designer.pairAsync(code), 'the designer paired');
  designer.close();
  for (const holder of holders) holder.close();
});

test('16 connections guessing codes back to back, at the real pacing, do not keep the designer from pairing: a newcomer takes the slot of one that failed', { timeout: 120_000 }, async () => {
  const guessers = guessCodes(16);
  try {
    while (guessers.guesses() < 32) await sleep(20);
    const code = openPairingCode(daemon.server);
    const failuresBefore = daemon.server.pairing().failures;
    // Each try is a new plugin connection that sends the code right after its welcome.
    const outcomes: string[] = [];
    for (let tries = 0; tries < 3 && outcomes.at(-1) !== 'paired'; tries++) {
      const fresh = await TestClient.connectAsync(daemon.server.url, hostileHeaders).catch((e: unknown) => String(e));
      if (typeof fresh === 'string') {
        outcomes.push(fresh);
        continue;
      }
      fresh.hello();
      outcomes.push(await fresh.pairAsync(code).then((paired) => (paired ? 'paired' : 'wrong code'), (e: unknown) => String(e)));
      fresh.close();
    }
    assert.equal(outcomes.at(-1), 'paired', `the designer’s tries: ${outcomes.join('; ')}`);
    assert.ok(daemon.server.pairing().failures > failuresBefore, 'the guessing went on in the window meanwhile');
  } finally {
    await guessers.stopAsync();
  }
});

test('a page guessing on fresh sockets, each holding its slot as long as its one guess allows, does not keep the designer out: the designer’s upgrade waits its turn', { timeout: 120_000 }, async () => {
  const guessers = guessFreshly(16);
  try {
    // 16 sockets for 8 unpaired slots: once each has guessed, the slots are all taken in turns.
    while (guessers.guesses() < 24) await sleep(20);
    const code = openPairingCode(daemon.server);
    // One connection (the plugin's, typed code in hand): it must not be refused, only wait.
    const designer = await TestClient.connectAsync(daemon.server.url, hostileHeaders);
    designer.hello();
    await designer.waitForAsync('welcome');
    const paired = await designer.pairAsync(code);
    assert.ok(paired, 'the designer paired on its first connection');
    designer.close();
    assert.equal(guessers.refused(), 0, 'nor was the page refused: its upgrades waited in line too');
  } finally {
    await guessers.stopAsync();
  }
});
