import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { isStartAtLoginEnabledAsync, loginEntryPath, loginEntryText, setStartAtLoginAsync } from '../../daemon/app/index.ts';

let root: string;
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'atelier-login-'));
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

const command = { program: '/usr/bin/node', args: ['--import', 'tsx', '/opt/my atelier/daemon/main.ts'], cwd: '/opt/my atelier' };

test('each platform gets its own per-user autostart entry', () => {
  assert.equal(loginEntryPath({ HOME: '/home/d' }, 'linux'), '/home/d/.config/autostart/atelier-daemon.desktop');
  assert.equal(loginEntryPath({ HOME: '/Users/d' }, 'darwin'), '/Users/d/Library/LaunchAgents/dev.atelier.daemon.plist');
  assert.match(loginEntryPath({ APPDATA: 'C:/R' }, 'win32').replaceAll('\\', '/'), /^C:\/R\/Microsoft\/Windows\/Start Menu\/Programs\/Startup\/atelier-daemon\.cmd$/);
  const desktop = loginEntryText(command, 'linux');
  assert.match(desktop, /^Exec=\/usr\/bin\/node --import tsx "\/opt\/my atelier\/daemon\/main\.ts"$/m);
  assert.match(desktop, /^Path=\/opt\/my atelier$/m);
  const plist = loginEntryText(command, 'darwin');
  assert.match(plist, /<string>\/opt\/my atelier\/daemon\/main\.ts<\/string>/);
  assert.match(plist, /<key>RunAtLoad<\/key><true\/>/);
  assert.match(loginEntryText(command, 'win32'), /cd \/d "\/opt\/my atelier"/);
});

test('turning it on writes the entry, turning it off removes it', async () => {
  const entry = join(root, 'autostart', 'atelier-daemon.desktop');
  assert.equal(await isStartAtLoginEnabledAsync(entry), false);
  await setStartAtLoginAsync(true, command, entry, 'linux');
  assert.equal(await isStartAtLoginEnabledAsync(entry), true);
  assert.match(await readFile(entry, 'utf8'), /\[Desktop Entry\]/);
  await setStartAtLoginAsync(false, command, entry, 'linux');
  assert.equal(await isStartAtLoginEnabledAsync(entry), false);
});
