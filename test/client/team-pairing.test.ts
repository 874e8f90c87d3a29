/**
 * Pairing with a studio's team server (issue 30): `pair.invite` carries the code's first
 * INVITE_SLOT_DIGITS digits only when the server's welcome lists team-invite, the whole code
 * stays SPAKE2's password, and the panels' sentences name the team server. The server's side
 * is played from the protocol's own parsers and SPAKE2 (strict as the real front door: a frame
 * the protocol refuses fails the test).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import {
  LIMITS,
  PROTOCOL_VERSION,
  TEAM_INVITE_CAPABILITY,
  bytesToHex,
  equalBytes,
  fixtureToFrame,
  hexToBytes,
  parseClientFrame,
  spake2Context,
  spake2Respond,
  validFixtureSchema,
  type ClientMessage,
  type WelcomeMessage,
} from '../../protocol/index.ts';
import { DaemonClient, hostKeyStore, type ConnectionState, type StoredKey } from '../../client/index.ts';
import { TEAM_IMPOSTOR_SENTENCE, WRONG_CODE_SENTENCE } from '../../client/connection-state.ts';
import { TEAM_WRONG_CODE_SENTENCE } from '../../client/team-server.ts';
import { SocketFactory, type FakeSocket } from './fake-socket.ts';

const TEAM_URL = 'wss://atelier.studio.example:8443';
const CODE = '27418305';

function unpairedWelcome(capabilities: string[]): string | Uint8Array {
  const fixture = validFixtureSchema.parse(JSON.parse(readFileSync(new URL('../../protocol/fixtures/valid/daemon-welcome-unpaired.json', import.meta.url), 'utf8')));
  return fixtureToFrame({ ...fixture, message: { ...(fixture.message as WelcomeMessage), capabilities } });
}

function sent(socket: FakeSocket): ClientMessage[] {
  return socket.sent.map((frame) => {
    const parsed = parseClientFrame(frame);
    assert.ok(parsed.ok, `the client sent a frame the protocol refuses: ${parsed.ok ? '' : parsed.message}`);
    return parsed.value.message;
  });
}

function setup(url: string, team: boolean) {
  const factory = new SocketFactory();
  const states: ConnectionState[] = [];
  const saved: (StoredKey | null)[] = [];
  const client = new DaemonClient({
    url,
    team,
    keyStore: hostKeyStore(null, (k) => saved.push(k)),
    clientVersion: '0.1.0',
    createSocket: factory.create,
    schedule: factory.schedule,
    onState: (s) => states.push(s),
    onJobMessage: () => undefined,
    onConnectionLost: () => undefined,
  });
  return { client, factory, states, saved, state: () => states.at(-1)! };
}

/** The server's side of SPAKE2 on `code`, bound to the host dialed, as the front door would answer. */
function answerPair(socket: FakeSocket, code: string, host: string): boolean {
  const pair = sent(socket).filter((m) => m.type === 'pair').at(-1);
  assert.ok(pair?.type === 'pair', 'a pair message went out');
  const answer = spake2Respond(code, spake2Context(PROTOCOL_VERSION, 'atelier-figma', host), hexToBytes(pair.share))!;
  const before = socket.sent.length;
  socket.receive(JSON.stringify({ type: 'pair-response', share: bytesToHex(answer.share), confirm: bytesToHex(answer.confirm) }));
  const confirm = sent(socket).slice(before).find((m) => m.type === 'pair-confirm');
  const confirmed = confirm?.type === 'pair-confirm' && equalBytes(hexToBytes(confirm.confirm), answer.expectedConfirm);
  if (confirmed) socket.receive(JSON.stringify({ type: 'paired', keyId: 'a1b2c3d4e5f60718' }));
  return confirmed;
}

test('a team server that lists team-invite gets the code\'s first digits in pair.invite; the whole code stays the password', () => {
  const t = setup(TEAM_URL, true);
  t.client.start();
  t.factory.last.open();
  t.factory.last.receive(unpairedWelcome([TEAM_INVITE_CAPABILITY]));
  assert.equal(t.client.pair(CODE), true);
  const pair = sent(t.factory.last).find((m) => m.type === 'pair');
  assert.ok(pair?.type === 'pair');
  assert.equal(pair.invite, CODE.slice(0, LIMITS.INVITE_SLOT_DIGITS));
  assert.ok(!t.factory.last.sent.some((f) => typeof f === 'string' && f.includes(CODE.slice(LIMITS.INVITE_SLOT_DIGITS))), 'the rest of the code never goes out');
  // SPAKE2 on the first digits alone would not confirm: the server answers on the whole code.
  assert.equal(answerPair(t.factory.last, CODE, 'atelier.studio.example:8443'), true);
  assert.equal(t.saved.length, 1);
});

test('a server whose welcome does not list team-invite never gets part of the code (the local daemon)', () => {
  for (const [url, team] of [['ws://localhost:7878', false], [TEAM_URL, true]] as const) {
    const t = setup(url, team);
    t.client.start();
    t.factory.last.open();
    t.factory.last.receive(unpairedWelcome([]));
    t.client.pair(CODE);
    const pair = sent(t.factory.last).find((m) => m.type === 'pair');
    assert.ok(pair?.type === 'pair');
    assert.equal(pair.invite, undefined, url);
    assert.ok(!t.factory.last.sent.some((f) => typeof f === 'string' && f.includes('"invite"')), `${url}: no invite field at all`);
  }
});

test('a code typed while the next connection is open but not yet welcomed waits for its welcome, then names its invite', () => {
  const t = setup(TEAM_URL, true);
  t.client.start();
  t.factory.last.open();
  t.factory.last.receive(unpairedWelcome([TEAM_INVITE_CAPABILITY]));
  t.factory.last.drop(4004); // the front door made room: the pairing panel stays
  t.factory.fireTimer();
  t.factory.last.open(); // open, hello sent, no welcome yet
  assert.equal(t.client.pair(CODE), true);
  assert.ok(!sent(t.factory.last).some((m) => m.type === 'pair'), 'nothing goes out before this connection\'s welcome');
  t.factory.last.receive(unpairedWelcome([TEAM_INVITE_CAPABILITY]));
  const pair = sent(t.factory.last).find((m) => m.type === 'pair');
  assert.ok(pair?.type === 'pair' && pair.invite === CODE.slice(0, LIMITS.INVITE_SLOT_DIGITS));
  assert.equal(answerPair(t.factory.last, CODE, 'atelier.studio.example:8443'), true);
});

test('a wrong invite code says to check the invite code, not the tray; an impostor names the team server', () => {
  const t = setup(TEAM_URL, true);
  t.client.start();
  t.factory.last.open();
  t.factory.last.receive(unpairedWelcome([TEAM_INVITE_CAPABILITY]));
  t.client.pair(CODE);
  assert.equal(answerPair(t.factory.last, '27000000', 'atelier.studio.example:8443'), false);
  assert.deepEqual(t.state(), { kind: 'pairing-needed', error: TEAM_WRONG_CODE_SENTENCE });
  assert.doesNotMatch(TEAM_WRONG_CODE_SENTENCE, /tray/);
  // "paired" from a server that proved nothing: not the server this plugin paired with.
  t.factory.last.receive(JSON.stringify({ type: 'paired', keyId: 'a1b2c3d4e5f60718' }));
  assert.deepEqual(t.state(), { kind: 'impostor', message: TEAM_IMPOSTOR_SENTENCE });
  // The local daemon keeps its own words.
  const local = setup('ws://localhost:7878', false);
  local.client.start();
  local.factory.last.open();
  local.factory.last.receive(unpairedWelcome([]));
  local.client.pair(CODE);
  answerPair(local.factory.last, '27000000', 'localhost:7878');
  assert.deepEqual(local.state(), { kind: 'pairing-needed', error: WRONG_CODE_SENTENCE });
});
