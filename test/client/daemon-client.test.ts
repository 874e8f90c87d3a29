import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import {
  PROTOCOL_VERSION,
  bytesToHex,
  equalBytes,
  hexToBytes,
  keyProof,
  spake2Context,
  spake2Respond,
  fixtureToFrame,
  invalidFixtureSchema,
  parseClientFrame,
  validFixtureSchema,
  type ClientMessage,
  type ValidFixture,
  type InvalidFixture,
  type WelcomeMessage,
} from '../../protocol/index.ts';
import { RECONNECT_INITIAL_MS, RECONNECT_MAX_MS } from '../../client/limits.ts';
import { DaemonClient, IMPOSTOR_SENTENCE, describeSetup, hostKeyStore, type ConnectionState, type JobMessage, type StoredKey } from '../../client/index.ts';
import { SocketFactory, type FakeSocket } from './fake-socket.ts';
import type { KeyStore } from '../../client/key-store.ts';
import { indexedDbKeyStore } from '../../client/indexeddb-key-store.ts';
import { cloneStore, memoryStorage } from './clone-store.ts';

const fixturesDir = new URL('../../protocol/fixtures/', import.meta.url);

function loadValid(name: string): ValidFixture {
  return validFixtureSchema.parse(JSON.parse(readFileSync(new URL(`valid/${name}`, fixturesDir), 'utf8')));
}

function allFixtures<T>(kind: 'valid' | 'invalid', schema: { parse(v: unknown): T }): [string, T][] {
  const dir = new URL(`${kind}/`, fixturesDir);
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .map((f) => [f, schema.parse(JSON.parse(readFileSync(new URL(f, dir), 'utf8')))]);
}

function welcome(paired: boolean): string | Uint8Array {
  const fixture = loadValid('daemon-welcome.json');
  return fixtureToFrame({ ...fixture, message: { ...(fixture.message as WelcomeMessage), paired } });
}

function sentMessages(frames: (string | Uint8Array)[]): ClientMessage[] {
  return frames.map((frame) => {
    const parsed = parseClientFrame(frame);
    assert.ok(parsed.ok, `the client sent an invalid frame: ${parsed.ok ? '' : parsed.message}`);
    return parsed.value.message;
  });
}

const KEY: StoredKey = { keyId: '0123456789abcdef', key: '11'.repeat(32) };

function setup(key: StoredKey | null = null, keyStore?: KeyStore) {
  const factory = new SocketFactory();
  const states: ConnectionState[] = [];
  const saved: (StoredKey | null)[] = [];
  const jobs: { message: JobMessage; images: Map<string, Uint8Array> }[] = [];
  const protocolErrors: string[] = [];
  let lost = 0;
  const client = new DaemonClient({
    url: 'ws://localhost:7878',
    keyStore: keyStore ?? hostKeyStore(key, (k) => saved.push(k)),
    clientVersion: '0.1.0',
    createSocket: factory.create,
    schedule: factory.schedule,
    onState: (s) => states.push(s),
    onJobMessage: (message, images) => jobs.push({ message, images }),
    onConnectionLost: () => lost++,
    onProtocolError: (m) => protocolErrors.push(m),
  });
  return { client, factory, states, saved, jobs, protocolErrors, lostCount: () => lost, state: () => states.at(-1)! };
}

/**
 * Plays the daemon's side of the challenge–response on `socket` (as daemon/server/connection.ts
 * does): answers the client's hello with a nonce and the daemon's proof of `key` (or of `proveWith`,
 * an impostor's guess), and returns what the client answered, checked against the plugin proof.
 */
async function challenge(socket: FakeSocket, key: StoredKey, proveWith: StoredKey = key): Promise<{ answered: boolean; proofOk: boolean }> {
  const hello = sentMessages(socket.sent).find((m) => m.type === 'hello');
  assert.ok(hello?.type === 'hello' && hello.auth, 'the hello names the key');
  assert.equal(hello.auth.keyId, key.keyId);
  const daemonNonce = new Uint8Array(32).map((_, i) => (i * 7 + socket.sent.length) & 0xff);
  const context = { protocol: PROTOCOL_VERSION, keyId: key.keyId, host: 'localhost:7878', clientName: 'atelier-figma', clientNonce: hexToBytes(hello.auth.nonce), daemonNonce };
  const before = socket.sent.length;
  socket.receive(JSON.stringify({ type: 'auth-challenge', nonce: bytesToHex(daemonNonce), proof: bytesToHex(keyProof(hexToBytes(proveWith.key), 'daemon', context)) }));
  // The client proves through its key store's prover, which may be asynchronous (WebCrypto, on
  // libuv's thread pool: a count of event-loop turns ran out under a full CI run's load): wait
  // for its answer, or for it to give up on this connection; the bound only stops a hang.
  const giveUpAt = Date.now() + 10_000;
  while (socket.sent.length === before && socket.readyState === 1 && Date.now() < giveUpAt) await new Promise((resolve) => setTimeout(resolve, 1));
  const answer = sentMessages(socket.sent.slice(before)).find((m) => m.type === 'auth');
  if (answer?.type !== 'auth') return { answered: socket.sent.length > before, proofOk: false };
  return { answered: true, proofOk: equalBytes(hexToBytes(answer.proof), keyProof(hexToBytes(key.key), 'plugin', context)) };
}

/** Plays the daemon's side of one SPAKE2 pairing on `code`; returns the key the daemon derived. */
function respondToPair(socket: FakeSocket, code: string, keyId = KEY.keyId): { key: string; confirmed: boolean } {
  const pair = sentMessages(socket.sent).filter((m) => m.type === 'pair').at(-1);
  assert.ok(pair?.type === 'pair');
  const answer = spake2Respond(code, spake2Context(PROTOCOL_VERSION, 'atelier-figma', 'localhost:7878'), hexToBytes(pair.share))!;
  const before = socket.sent.length;
  socket.receive(JSON.stringify({ type: 'pair-response', share: bytesToHex(answer.share), confirm: bytesToHex(answer.confirm) }));
  const confirm = sentMessages(socket.sent.slice(before)).find((m) => m.type === 'pair-confirm');
  const confirmed = confirm?.type === 'pair-confirm' && equalBytes(hexToBytes(confirm.confirm), answer.expectedConfirm);
  if (confirmed) socket.receive(JSON.stringify({ type: 'paired', keyId }));
  return { key: bytesToHex(answer.key), confirmed };
}

async function readyClient() {
  const t = setup(KEY);
  t.client.start();
  t.factory.last.open();
  assert.deepEqual(await challenge(t.factory.last, KEY), { answered: true, proofOk: true });
  t.factory.last.receive(welcome(true));
  assert.equal(t.state().kind, 'ready');
  return t;
}

test('first contact: hello without a key, pairing needed, SPAKE2 on the code (never sent), key stored, ready', () => {
  const t = setup();
  t.client.start();
  assert.equal(t.state().kind, 'connecting');
  assert.equal(t.factory.last.url, 'ws://localhost:7878');
  t.factory.last.open();
  const [hello] = sentMessages(t.factory.last.sent);
  assert.equal(hello!.type, 'hello');
  assert.ok(hello!.type === 'hello' && hello.protocol === PROTOCOL_VERSION && hello.auth === undefined);

  t.factory.last.receive(welcome(false));
  assert.deepEqual(t.state(), { kind: 'pairing-needed', error: null });

  assert.equal(t.client.pair('123456'), true);
  assert.equal(t.state().kind, 'pairing');
  assert.ok(!t.factory.last.sent.some((f) => typeof f === 'string' && f.includes('123456')), 'the code never goes out');
  const { key, confirmed } = respondToPair(t.factory.last, '123456');
  assert.equal(confirmed, true);
  assert.deepEqual(t.saved, [{ keyId: KEY.keyId, key }]);
  assert.ok(!t.factory.last.sent.some((f) => typeof f === 'string' && f.includes(key)), 'the key never goes out');
  assert.equal(t.state().kind, 'ready');
});

test('a wrong code: the daemon\'s confirmation does not match, nothing more is sent, the panel explains', () => {
  const t = setup();
  t.client.start();
  t.factory.last.open();
  t.factory.last.receive(welcome(false));
  t.client.pair('000000');
  const { confirmed } = respondToPair(t.factory.last, '123456');
  assert.equal(confirmed, false);
  assert.ok(!sentMessages(t.factory.last.sent).some((m) => m.type === 'pair-confirm'), 'no confirmation for a wrong code');
  const state = t.state();
  assert.ok(state.kind === 'pairing-needed' && /wrong/.test(state.error ?? ''));
  assert.deepEqual(t.saved, []);
  // Another try on the same connection works.
  assert.equal(t.client.pair('123456'), true);
  assert.equal(respondToPair(t.factory.last, '123456').confirmed, true);
  assert.equal(t.state().kind, 'ready');
});

test('a code typed while the unpaired connection is being replaced (4004) goes out on the next one', () => {
  const t = setup();
  t.client.start();
  t.factory.last.open();
  t.factory.last.receive(welcome(false));
  t.factory.last.drop(4004);
  assert.deepEqual(t.state(), { kind: 'pairing-needed', error: null }, 'the panel stays');
  assert.equal(t.client.pair('123456'), true, 'typing is not lost between connections');
  assert.equal(t.state().kind, 'pairing');
  t.factory.fireTimer();
  t.factory.last.open();
  t.factory.last.receive(welcome(false));
  assert.equal(respondToPair(t.factory.last, '123456').confirmed, true);
  assert.equal(t.state().kind, 'ready');
  // Replaced again after the share went out but before the answer: sent once more.
  const u = setup();
  u.client.start();
  u.factory.last.open();
  u.factory.last.receive(welcome(false));
  u.client.pair('123456');
  u.factory.last.drop(4004);
  u.factory.fireTimer();
  u.factory.last.open();
  u.factory.last.receive(welcome(false));
  assert.equal(respondToPair(u.factory.last, '123456').confirmed, true);
  assert.equal(u.state().kind, 'ready');
});

test('a stored key is named (with a fresh nonce, nothing derived from the key) and proven only after the daemon proves itself', async () => {
  const t = setup(KEY);
  t.client.start();
  assert.equal(t.factory.last.url, `ws://localhost:7878/?k=${KEY.keyId}`);
  t.factory.last.open();
  const [hello] = sentMessages(t.factory.last.sent);
  assert.ok(hello!.type === 'hello' && hello.auth?.keyId === KEY.keyId && /^[0-9a-f]{64}$/.test(hello.auth.nonce));
  assert.equal(t.factory.last.sent.length, 1, 'nothing else before the daemon\'s proof');
  assert.deepEqual(await challenge(t.factory.last, KEY), { answered: true, proofOk: true });
  t.factory.last.receive(welcome(true));
  assert.equal(t.state().kind, 'ready');
  // Each connection's nonce is fresh.
  t.factory.last.drop(1001);
  t.factory.fireTimer();
  t.factory.last.open();
  const again = sentMessages(t.factory.last.sent)[0]!;
  assert.ok(again.type === 'hello' && again.auth && again.auth.nonce !== hello!.auth!.nonce);
});

test('an impostor: a wrong daemon proof, or "paired" without one, shows "not your Atelier app", sends nothing and does not retry', async () => {
  const impostorKey: StoredKey = { keyId: KEY.keyId, key: '22'.repeat(32) };
  const t = setup(KEY);
  t.client.start();
  t.factory.last.open();
  assert.deepEqual(await challenge(t.factory.last, KEY, impostorKey), { answered: false, proofOk: false });
  assert.deepEqual(t.state(), { kind: 'impostor', message: IMPOSTOR_SENTENCE });
  assert.ok(t.factory.last.closedWith, 'the connection is closed');
  t.factory.last.drop(1000);
  assert.equal(t.factory.pendingTimers, 0, 'no blind retry');
  assert.deepEqual(t.saved, [], 'the key is kept');
  // Retry (the designer's button) connects again; a welcome that claims "paired" without any proof is an impostor too.
  t.client.retryNow();
  t.factory.last.open();
  t.factory.last.receive(welcome(true));
  assert.equal(t.state().kind, 'impostor');
  // A peer that says it does not know the key cannot make the plugin forget it.
  t.client.retryNow();
  t.factory.last.open();
  t.factory.last.receive(welcome(false));
  t.factory.last.receive(JSON.stringify({ type: 'error', code: 'bad-token', message: 'pair again' }));
  assert.equal(t.state().kind, 'pairing-needed');
  assert.deepEqual(t.saved, []);
  // Nor can a "paired" with no pairing exchange behind it.
  t.factory.last.receive(JSON.stringify({ type: 'paired', keyId: 'ffffffffffffffff' }));
  assert.equal(t.state().kind, 'impostor');
  assert.deepEqual(t.saved, []);
});

test('a daemon that proved the key and then revokes it (4002) makes the plugin forget it', async () => {
  const t = await readyClient();
  t.factory.last.drop(4002);
  assert.deepEqual(t.saved, [null]);
});

test('a version mismatch is shown and not retried in a loop', () => {
  const t = setup();
  t.client.start();
  t.factory.last.open();
  t.factory.last.receive(JSON.stringify({ type: 'error', code: 'unsupported-version', message: 'Update the Atelier plugin in Figma.' }));
  t.factory.last.drop(4000);
  assert.deepEqual(t.state(), { kind: 'version-mismatch', message: 'Update the Atelier plugin in Figma.' });
  assert.equal(t.factory.pendingTimers, 0);
  // A welcome from another protocol version is a mismatch too.
  const u = setup();
  u.client.start();
  u.factory.last.open();
  const fixture = loadValid('daemon-welcome.json');
  u.factory.last.receive(fixtureToFrame({ ...fixture, message: { ...(fixture.message as WelcomeMessage), protocol: PROTOCOL_VERSION + 1 } }));
  assert.equal(u.state().kind, 'version-mismatch');
  assert.ok(u.factory.last.closedWith);
});

test('daemon not running: retries with a doubling, capped backoff', () => {
  const t = setup();
  t.client.start();
  const delays: number[] = [];
  for (let i = 0; i < 7; i++) {
    t.factory.last.drop();
    const state = t.state();
    assert.equal(state.kind, 'not-running');
    delays.push(state.kind === 'not-running' ? state.retryInMs : -1);
    t.factory.fireTimer();
  }
  assert.equal(delays[0], RECONNECT_INITIAL_MS);
  assert.equal(delays[1], RECONNECT_INITIAL_MS * 2);
  assert.equal(Math.max(...delays), RECONNECT_MAX_MS);
  assert.equal(t.factory.sockets.length, 8);
  assert.equal(t.lostCount(), 0);
});

test('when the daemon restarts, the client reconnects quickly and is ready again', async () => {
  const t = await readyClient();
  t.factory.last.drop(1001);
  assert.equal(t.lostCount(), 1);
  assert.deepEqual(t.state(), { kind: 'connecting', reconnecting: true });
  assert.equal(t.factory.fireTimer(), RECONNECT_INITIAL_MS);
  t.factory.last.open();
  await challenge(t.factory.last, KEY);
  t.factory.last.receive(welcome(true));
  assert.equal(t.state().kind, 'ready');
  assert.equal(t.factory.sockets.length, 2);
});

/** Lets asynchronous work (WebCrypto, a store) run until `done`, or fails after many turns. */
async function until(done: () => boolean): Promise<void> {
  for (let i = 0; i < 1000 && !done(); i++) await new Promise((resolve) => setTimeout(resolve, 5));
  assert.ok(done(), 'the asynchronous work never finished');
}

test('a store that keeps only a prover (Photopea\'s non-extractable keys): pairing saves it, the next connection proves with it', async () => {
  const db = cloneStore();
  const storage = memoryStorage();
  const t = setup(null, indexedDbKeyStore({ db, legacy: { storage, name: 'legacy' } }));
  t.client.start();
  await new Promise((resolve) => setImmediate(resolve));
  t.factory.last.open();
  t.factory.last.receive(welcome(false));
  t.client.pair('123456');
  const { key, confirmed } = respondToPair(t.factory.last, '123456');
  assert.equal(confirmed, true);
  // WebCrypto and the store answer asynchronously: wait for the outcome, not for a time.
  await until(() => db.dump().length > 0);
  assert.equal(db.dump().length, 1, 'saved as CryptoKeys');
  assert.equal(storage.items.size, 0, 'nothing in localStorage');
  // Restart: a new client loads the prover from the store and proves the key it never saw raw.
  const next = setup(null, indexedDbKeyStore({ db, legacy: { storage, name: 'legacy' } }));
  next.client.start();
  await until(() => next.factory.sockets.length > 0);
  next.factory.last.open();
  const hello = sentMessages(next.factory.last.sent).find((m) => m.type === 'hello');
  assert.ok(hello?.type === 'hello' && hello.auth);
  assert.deepEqual(await challenge(next.factory.last, { keyId: hello.auth.keyId, key }), { answered: true, proofOk: true });
});

test('every valid daemon job fixture reaches the job handler with its images', async () => {
  const jobTypes = new Set(['accepted', 'queue-position', 'started', 'progress', 'result', 'completed', 'cancelled', 'error']);
  const fixtures = allFixtures('valid', validFixtureSchema).filter(([, f]) => f.from === 'daemon');
  let checked = 0;
  for (const [name, fixture] of fixtures) {
    const type = (fixture.message as { type?: string } | undefined)?.type;
    if (!type || !jobTypes.has(type)) continue;
    const t = await readyClient();
    t.factory.last.receive(fixtureToFrame(fixture));
    assert.equal(t.jobs.length, 1, `${name} should reach the job handler`);
    assert.equal(t.jobs[0]!.message.type, type, name);
    for (const id of Object.keys(fixture.attachments ?? {})) assert.ok(t.jobs[0]!.images.get(id)?.length, `${name}: image ${id}`);
    assert.deepEqual(t.protocolErrors, [], name);
    checked++;
  }
  assert.ok(checked >= 7, `only ${checked} job fixtures found`);
});

test('every invalid fixture is refused: no job event, no state change', async () => {
  const fixtures = allFixtures<InvalidFixture>('invalid', invalidFixtureSchema);
  assert.ok(fixtures.length > 10);
  for (const [name, fixture] of fixtures) {
    const t = await readyClient();
    const statesBefore = t.states.length;
    t.factory.last.receive(fixtureToFrame(fixture));
    assert.equal(t.jobs.length, 0, `${name} must not reach the job handler`);
    assert.equal(t.states.length, statesBefore, `${name} must not change the connection state`);
    assert.equal(t.protocolErrors.length, 1, `${name} should be reported as unreadable`);
  }
});

test('stylize and cancel go out as valid protocol frames, only when ready', async () => {
  const t = setup(KEY);
  t.client.start();
  assert.equal(t.client.cancel('job-1'), false, 'nothing is sent before the daemon is ready');
  t.factory.last.open();
  await challenge(t.factory.last, KEY);
  t.factory.last.receive(welcome(true));
  assert.equal(t.client.cancel('job-1'), true);
  const sent = sentMessages(t.factory.last.sent);
  assert.deepEqual(sent.at(-1), { type: 'cancel', jobId: 'job-1' });
});

function daemonState(state: string, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ type: 'daemon-state', state, message: `${state} now`, engine: null, ...extra });
}

function settingUpWelcome(paired: boolean, progress = { bytes: 36_000_000, total: 80_000_000 }): string | Uint8Array {
  const fixture = loadValid('daemon-welcome-setting-up.json');
  const message = fixture.message as WelcomeMessage;
  return fixtureToFrame({ ...fixture, message: { ...message, paired, state: { ...message.state!, progress } } });
}

test('the hello announces daemon-state, so a daemon still downloading its model welcomes the plugin', () => {
  const t = setup();
  t.client.start();
  t.factory.last.open();
  const [hello] = sentMessages(t.factory.last.sent);
  assert.ok(hello!.type === 'hello');
  assert.deepEqual(hello.capabilities, ['daemon-state']);
});

test('paired while the daemon sets up: progress is shown, nothing can be sent, then ready', async () => {
  const t = setup(KEY);
  t.client.start();
  t.factory.last.open();
  await challenge(t.factory.last, KEY);
  t.factory.last.receive(settingUpWelcome(true));
  const first = t.state();
  assert.equal(first.kind, 'setting-up');
  assert.ok(first.kind === 'setting-up');
  assert.equal(first.setup.state, 'downloading-weights');
  assert.equal(describeSetup(first.setup).headline, 'Setting up Atelier: downloading the style model… 45%');
  assert.equal(describeSetup(first.setup).fraction, 0.45);
  assert.equal(t.client.cancel('job-1'), false, 'nothing is sent before the daemon is ready');

  t.factory.last.receive(daemonState('downloading-weights', { progress: { bytes: 72_000_000, total: 80_000_000 } }));
  const later = t.state();
  assert.ok(later.kind === 'setting-up');
  assert.equal(describeSetup(later.setup).pill, 'Setting up… 90%');
  t.factory.last.receive(daemonState('converting-weights'));
  assert.ok(t.state().kind === 'setting-up');
  assert.equal(describeSetup((t.state() as Extract<ConnectionState, { kind: 'setting-up' }>).setup).headline, 'Setting up Atelier: preparing the style model…');

  t.factory.last.receive(fixtureToFrame(loadValid('daemon-state-ready.json')));
  const ready = t.state();
  assert.equal(ready.kind, 'ready');
  assert.ok(ready.kind === 'ready');
  assert.equal(ready.welcome.engine?.backend, 'cpu', 'the engine arrives with ready');
  assert.equal(t.client.cancel('job-1'), true);
  assert.deepEqual(t.protocolErrors, []);
  assert.equal(t.jobs.length, 0, 'state messages are not job traffic');
});

test('unpaired while the daemon sets up: pairing works at once, then the setup progress shows', () => {
  const t = setup();
  t.client.start();
  t.factory.last.open();
  t.factory.last.receive(settingUpWelcome(false));
  assert.deepEqual(t.state(), { kind: 'pairing-needed', error: null });
  t.factory.last.receive(daemonState('downloading-weights', { progress: { bytes: 40_000_000, total: 80_000_000 } }));
  assert.deepEqual(t.state(), { kind: 'pairing-needed', error: null }, 'the pairing panel stays');
  assert.equal(t.client.pair('123456'), true);
  assert.equal(respondToPair(t.factory.last, '123456').confirmed, true);
  const after = t.state();
  assert.ok(after.kind === 'setting-up');
  assert.deepEqual(after.setup.progress, { bytes: 40_000_000, total: 80_000_000 }, 'the latest progress, kept while pairing');
  t.factory.last.receive(fixtureToFrame(loadValid('daemon-state-ready.json')));
  assert.equal(t.state().kind, 'ready');
});

test('a failed setup is shown, and stays shown as the reason while the daemon is gone', async () => {
  const t = setup(KEY);
  t.client.start();
  t.factory.last.open();
  await challenge(t.factory.last, KEY);
  t.factory.last.receive(settingUpWelcome(true));
  t.factory.last.receive(fixtureToFrame(loadValid('daemon-state-failed.json')));
  const failed = t.state();
  assert.ok(failed.kind === 'setting-up');
  assert.equal(describeSetup(failed.setup).failed, true);
  assert.match(describeSetup(failed.setup).detail, /cannot reach storage\.googleapis\.com/);
  t.factory.last.receive(fixtureToFrame(loadValid('daemon-shutdown.json')));
  t.factory.last.drop(1001);
  t.factory.fireTimer();
  t.factory.last.drop();
  const gone = t.state();
  assert.ok(gone.kind === 'not-running');
  assert.match(gone.lastFailure ?? '', /cannot reach storage\.googleapis\.com/);
  // A daemon that then starts cleanly clears it.
  t.factory.fireTimer();
  t.factory.last.open();
  await challenge(t.factory.last, KEY);
  t.factory.last.receive(welcome(true));
  assert.equal(t.state().kind, 'ready');
  t.factory.last.drop();
  t.factory.fireTimer();
  t.factory.last.drop();
  const again = t.state();
  assert.ok(again.kind === 'not-running' && again.lastFailure === undefined);
});

test('a stylize refused as not-ready reaches the job it is about', async () => {
  const t = await readyClient();
  t.factory.last.receive(fixtureToFrame(loadValid('daemon-error-not-ready.json')));
  assert.equal(t.jobs.length, 1);
  const refused = t.jobs[0]!.message;
  assert.ok(refused.type === 'error' && refused.code === 'not-ready' && refused.requestId === 'req-1');
});

test('setup text: unknown sizes show megabytes without a bar, the engine start has no percentage', () => {
  const unknown = describeSetup({ state: 'downloading-weights', progress: { bytes: 1_200_000, total: null }, message: '' });
  assert.equal(unknown.headline, 'Setting up Atelier: downloading the style model… 1.2 MB');
  assert.equal(unknown.fraction, null);
  const loading = describeSetup({ state: 'loading-engine', message: '' });
  assert.equal(loading.headline, 'Setting up Atelier: starting the engine…');
  assert.equal(loading.fraction, null);
});
