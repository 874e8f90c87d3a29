import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { IncomingMessage } from 'node:http';
import { checkHandshake, hostNameOf, publicHostPolicy } from '../../daemon/server/handshake.ts';

/** A team front door's Host/Origin checks (issue 30): its public names with any port, its own https origin. */

const request = (headers: Record<string, string>): IncomingMessage =>
  ({ headers, rawHeaders: Object.entries(headers).flat() }) as unknown as IncomingMessage;

test('hostNameOf reads a Host header\'s name without its port, IPv6 in brackets, and refuses junk', () => {
  assert.equal(hostNameOf('Atelier.Studio.lan:8443'), 'atelier.studio.lan');
  assert.equal(hostNameOf('atelier.studio.lan'), 'atelier.studio.lan');
  assert.equal(hostNameOf('[fe80::1]:443'), '[fe80::1]');
  assert.equal(hostNameOf('user@evil.example'), null);
  assert.equal(hostNameOf('a b'), null);
  assert.equal(hostNameOf('host:99999999'), null);
});

test('a team server takes its public names with any port, its own https origin, null (Figma) and none (CLI)', () => {
  const policy = publicHostPolicy({ hostNames: ['atelier.studio.lan', '10.0.0.5'], publicPort: 8443, allowedOrigins: ['https://intranet.studio.lan'] });
  const verdict = (headers: Record<string, string>) => checkHandshake(request(headers), policy);
  assert.deepEqual(verdict({ host: 'atelier.studio.lan:8443', origin: 'null' }), { ok: true });
  assert.deepEqual(verdict({ host: 'atelier.studio.lan' }), { ok: true }, 'behind a proxy the Host may carry no port');
  assert.deepEqual(verdict({ host: '10.0.0.5:9000', origin: 'https://atelier.studio.lan:8443' }), { ok: true }, 'its Photopea page');
  assert.deepEqual(verdict({ host: 'atelier.studio.lan', origin: 'https://intranet.studio.lan' }), { ok: true });
  assert.equal(verdict({ host: 'evil.example:8443', origin: 'null' }).ok, false, 'a rebinding page names its own host');
  assert.equal(verdict({ host: 'localhost:8443' }).ok, false, 'loopback is not one of its public names');
  assert.equal(verdict({ host: 'atelier.studio.lan', origin: 'https://atelier.studio.lan' }).ok, false, 'the page\'s origin has the public port');
  assert.equal(verdict({ host: 'atelier.studio.lan', origin: 'https://evil.example' }).ok, false);
});

test('behind a reverse proxy on 443 the page\'s origin has no port', () => {
  const policy = publicHostPolicy({ hostNames: ['atelier.studio.lan'], publicPort: 443, allowedOrigins: [] });
  assert.deepEqual(checkHandshake(request({ host: 'atelier.studio.lan', origin: 'https://atelier.studio.lan' }), policy), { ok: true });
});
