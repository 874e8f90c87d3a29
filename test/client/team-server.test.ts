/**
 * The "Team server" field's rule (client/team-server.ts): wss://HOST[:PORT], ws:// only for this
 * computer (browsers refuse ws:// from an https editor to anything else as mixed content; W3C
 * Mixed Content, loopback being "potentially trustworthy"), one written form per server (keys are
 * kept per address), and a sentence a designer can act on for everything else.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pairingSentence, parseTeamServerAddress, serverTarget } from '../../client/team-server.ts';

const ok = (text: string) => {
  const parsed = parseTeamServerAddress(text);
  assert.ok(parsed.ok, `${text}: ${parsed.ok ? '' : parsed.message}`);
  return parsed.address;
};
const refused = (text: string) => {
  const parsed = parseTeamServerAddress(text);
  assert.ok(!parsed.ok, `${text} should be refused`);
  return parsed.message;
};

test('wss://HOST[:PORT] is taken in one written form; empty is the Atelier app on this computer', () => {
  assert.equal(ok(''), null);
  assert.equal(ok('   '), null);
  assert.equal(ok('wss://atelier.studio.example'), 'wss://atelier.studio.example');
  assert.equal(ok(' WSS://Atelier.Studio.Example:8443/ '), 'wss://atelier.studio.example:8443');
  assert.equal(ok('wss://atelier.studio.example:443'), 'wss://atelier.studio.example', 'the default port is the same server');
  assert.equal(ok('wss://10.0.4.20:8443'), 'wss://10.0.4.20:8443');
  for (const loopback of ['ws://localhost:9443', 'ws://127.0.0.1:9443', 'ws://[::1]:9443']) assert.equal(ok(loopback), loopback);
});

test('ws:// to another computer is refused with the reason and the wss:// address to use', () => {
  const message = refused('ws://atelier.studio.example:8080');
  assert.match(message, /wss:\/\/atelier\.studio\.example:8080/);
  assert.match(message, /unencrypted/);
  refused('ws://192.168.1.20:8080');
});

test('other schemes, paths, queries and credentials are refused with what to type instead', () => {
  assert.match(refused('https://atelier.studio.example'), /Use wss:\/\/ instead of https:\/\/.*wss:\/\/atelier\.studio\.example/);
  assert.match(refused('atelier.studio.example:8443'), /starts with wss:\/\/ — for example wss:\/\/atelier\.studio\.example:8443/);
  assert.match(refused('ftp://atelier.studio.example'), /not a team server address/);
  for (const text of ['wss://atelier.studio.example/photopea/', 'wss://atelier.studio.example/?k=1', 'wss://me:pw@atelier.studio.example', 'wss://atelier.studio.example#x']) {
    assert.match(refused(text), /address only.*wss:\/\/atelier\.studio\.example\./, text);
  }
  assert.match(refused('wss://'), /not a valid address/);
  assert.match(refused(`wss://${'a'.repeat(300)}.example`), /too long/);
});

test('the pairing sentence says whom to ask for a code', () => {
  assert.match(pairingSentence(serverTarget(null)), /tray/);
  const team = pairingSentence(serverTarget('wss://atelier.studio.example:8443'));
  assert.match(team, /atelier\.studio\.example:8443/);
  assert.match(team, /invite code/);
  assert.match(team, /atelier team invite/);
});
