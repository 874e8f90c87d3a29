/**
 * The daemon's HTTP surface: the Photopea plugin page and its icon, with the WebSocket's Host
 * checks (DNS rebinding), 404 for every other path, GET/HEAD only, and headers that let
 * Photopea (and only the configured origins) frame the page.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebSocket } from 'ws';
import { startTestDaemonAsync, type TestDaemon } from './test-daemon.ts';

let daemon: TestDaemon;
let dir: string;
const SCRIPT = 'document.title = "atelier test page";';
const PAGE = `<!doctype html><html><head><title>x</title></head><body><script>${SCRIPT}</script></body></html>`;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'atelier-photopea-page-'));
  await writeFile(join(dir, 'index.html'), PAGE);
  await writeFile(join(dir, 'icon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
  daemon = await startTestDaemonAsync(undefined, { photopeaPageFile: join(dir, 'index.html'), photopeaIconFile: join(dir, 'icon.svg') });
});

after(async () => {
  await daemon.stopAsync();
  await rm(dir, { recursive: true, force: true });
});

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function getAsync(path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Reply> {
  const port = daemon.server.port;
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method, headers: { Host: `127.0.0.1:${port}`, ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end();
  });
}

test('GET /photopea/ serves the built page, framable by Photopea only, its own script alone allowed', async () => {
  const reply = await getAsync('/photopea/');
  assert.equal(reply.status, 200);
  assert.equal(reply.body, PAGE);
  assert.equal(reply.headers['content-type'], 'text/html; charset=utf-8');
  assert.equal(reply.headers['x-frame-options'], undefined, 'X-Frame-Options would forbid Photopea\'s panel iframe');
  const csp = String(reply.headers['content-security-policy']);
  assert.match(csp, /frame-ancestors https:\/\/www\.photopea\.com https:\/\/photopea\.com(;|$)/);
  assert.match(csp, /default-src 'none'/);
  const hash = createHash('sha256').update(SCRIPT).digest('base64');
  assert.ok(csp.includes(`script-src 'sha256-${hash}'`), csp);
  const port = daemon.server.port;
  assert.ok(csp.includes(`connect-src 'self' ws://localhost:${port} ws://127.0.0.1:${port};`), csp);
  assert.equal(reply.headers['x-content-type-options'], 'nosniff');
  assert.equal(reply.headers['referrer-policy'], 'no-referrer');
  // A query string (cache busting) still finds the page; HEAD has the headers and no body.
  assert.equal((await getAsync('/photopea/?v=2')).status, 200);
  const head = await getAsync('/photopea/', {}, 'HEAD');
  assert.equal(head.status, 200);
  assert.equal(head.body, '');
  assert.equal(head.headers['content-security-policy'], csp);
  // The same page under every loopback name the daemon answers to.
  assert.equal((await getAsync('/photopea/', { Host: `localhost:${port}` })).status, 200);
});

test('the icon is served as inert SVG', async () => {
  const reply = await getAsync('/photopea/icon.svg');
  assert.equal(reply.status, 200);
  assert.equal(reply.headers['content-type'], 'image/svg+xml');
  assert.match(String(reply.headers['content-security-policy']), /default-src 'none'/);
});

test('a foreign Host (DNS rebinding), another port or no port is refused before any file is read', async () => {
  const port = daemon.server.port;
  for (const host of [`attacker.example:${port}`, `127.0.0.1:${port + 1}`, '127.0.0.1', `localhost.attacker.example:${port}`]) {
    const reply = await getAsync('/photopea/', { Host: host });
    assert.equal(reply.status, 403, host);
    assert.equal(reply.body.includes('atelier test page'), false);
  }
  assert.ok(daemon.logger.lines.some((l) => l.event === 'http-rejected' && l.reason === 'host-not-local'));
});

test('every other path is 404, with no listing and nothing about the daemon', async () => {
  for (const path of ['/', '/photopea', '/photopea/index.html', '/photopea/../package.json', '/photopea/%2e%2e/package.json', '/photopea//', '/photopea/icon.svg/', '/favicon.ico', '/dist/', '//photopea/']) {
    const reply = await getAsync(path);
    assert.equal(reply.status, 404, path);
    assert.equal(reply.body, 'not-found\n', path);
  }
});

test('methods other than GET and HEAD are refused', async () => {
  for (const method of ['POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH']) {
    const reply = await getAsync('/photopea/', {}, method);
    assert.equal(reply.status, 405, method);
    assert.equal(reply.headers.allow, 'GET, HEAD');
  }
});

test('the WebSocket accepts the page\'s own origins, and still refuses others', async () => {
  const port = daemon.server.port;
  const statusFor = (origin: string) =>
    new Promise<number>((resolve) => {
      const ws = new WebSocket(`ws://127.0.0.1:${port}/`, { origin });
      ws.on('open', () => {
        ws.close();
        resolve(101);
      });
      ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.on('error', () => undefined);
    });
  for (const origin of [`http://localhost:${port}`, `http://127.0.0.1:${port}`, `http://[::1]:${port}`]) assert.equal(await statusFor(origin), 101, origin);
  for (const origin of [`http://localhost:${port + 1}`, 'https://www.photopea.com', `https://localhost:${port}`]) assert.equal(await statusFor(origin), 403, origin);
});

test('a page not built yet is a 404 that says how to build it', async () => {
  const other = await startTestDaemonAsync(undefined, { photopeaPageFile: join(dir, 'missing.html') });
  try {
    const port = other.server.port;
    const reply = await new Promise<Reply>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path: '/photopea/', headers: { Host: `127.0.0.1:${port}` } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      });
      req.on('error', reject);
      req.end();
    });
    assert.equal(reply.status, 404);
    assert.match(reply.body, /npm run build/);
  } finally {
    await other.stopAsync();
  }
});
