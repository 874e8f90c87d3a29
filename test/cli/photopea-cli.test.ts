/**
 * "Open Photopea with Atelier": the one-click link (Photopea's documented configuration after
 * `#`), the `atelier photopea` command, and the README quoting the same link.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { photopeaLaunchUrl } from '../../daemon/app/photopea-launch.ts';
import { runPhotopeaCommandAsync } from '../../daemon/cli/photopea-command.ts';
import { startTestDaemonAsync } from '../server/test-daemon.ts';

function io() {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (c: Buffer) => (out += c.toString()));
  stderr.on('data', (c: Buffer) => (err += c.toString()));
  return { io: { stdout, stderr }, out: () => out, err: () => err };
}

test('the link is www.photopea.com#<encodeURIComponent(JSON)> with the plugin as api/plugins documents it', () => {
  const url = photopeaLaunchUrl(7878);
  assert.ok(url.startsWith('https://www.photopea.com#'));
  const json = JSON.parse(decodeURIComponent(url.slice(url.indexOf('#') + 1))) as unknown;
  assert.deepEqual(json, {
    environment: { plugins: [{ name: 'Atelier', url: 'http://localhost:7878/photopea/', width: 320, height: 640, icon: 'http://localhost:7878/photopea/icon.svg' }] },
  });
  assert.doesNotMatch(url.slice(url.indexOf('#') + 1), /[{}":,/ ]/, 'every special character is percent-encoded');
});

test('the README gives the same link', async () => {
  const readme = await readFile(new URL('../../README.md', import.meta.url), 'utf8');
  assert.ok(readme.includes(photopeaLaunchUrl(7878)), 'README.md quotes photopeaLaunchUrl(7878)');
});

test('atelier photopea opens the link when the daemon serves the page, and says what to do when it does not', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'atelier-photopea-cli-'));
  await writeFile(join(dir, 'index.html'), '<!doctype html><p>panel</p>');
  const daemon = await startTestDaemonAsync(undefined, { photopeaPageFile: join(dir, 'index.html') });
  try {
    const port = daemon.server.port;
    const opened: string[] = [];
    const a = io();
    assert.equal(await runPhotopeaCommandAsync(['--port', String(port)], a.io, async (url) => (opened.push(url), true)), 0);
    assert.deepEqual(opened, [photopeaLaunchUrl(port)]);
    assert.match(a.out(), /Opened Photopea/);
    // A blocked panel frame never loads (Local Network Access): the designer is told before.
    assert.match(a.out(), /“www\.photopea\.com wants to access apps on this device”.*choose Allow, or the Atelier panel stays empty/);

    const b = io();
    assert.equal(await runPhotopeaCommandAsync(['--port', String(port), '--print'], b.io, async () => assert.fail('not opened with --print')), 0);
    assert.equal(b.out(), `${photopeaLaunchUrl(port)}\n`);

    const c = io();
    assert.equal(await runPhotopeaCommandAsync(['--port', String(port)], c.io, async () => false), 0);
    assert.match(c.out(), /open this link yourself[\s\S]*choose Allow/);
  } finally {
    await daemon.stopAsync();
    await rm(dir, { recursive: true, force: true });
  }
  const d = io();
  assert.equal(await runPhotopeaCommandAsync(['--port', '1'], d.io, async () => assert.fail('nothing to open')), 1);
  assert.match(d.err(), /not running on port 1.*npm start/s);
  const e = io();
  assert.equal(await runPhotopeaCommandAsync(['--port', 'x'], e.io), 2);
});
