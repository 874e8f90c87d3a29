import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { desktopExecArgument, loginEntryText } from '../../daemon/app/start-at-login.ts';
import { parseDesktopExec } from './desktop-exec.ts';

const hasDesktopFileValidate = spawnSync('desktop-file-validate', ['--help']).status === 0;

test('Exec arguments with spaces, quotes, $, ` and \\ come back whole, and the login entry validates', async () => {
  const argv = ['/home/Jane Doe/Atelier $1 "x"/runtime/node', 'C:\\odd`name', 'start'];
  assert.deepEqual(parseDesktopExec(argv.map(desktopExecArgument).join(' ')), argv);
  const text = loginEntryText({ program: argv[0]!, args: argv.slice(1), cwd: '/home/Jane Doe' }, 'linux');
  assert.deepEqual(parseDesktopExec(/^Exec=(.*)$/m.exec(text)![1]!), argv);
  if (!hasDesktopFileValidate) return;
  const dir = await mkdtemp(join(tmpdir(), 'atelier-desktop-'));
  try {
    await writeFile(join(dir, 'atelier-daemon.desktop'), text);
    const validated = spawnSync('desktop-file-validate', [join(dir, 'atelier-daemon.desktop')], { encoding: 'utf8' });
    assert.equal(validated.status, 0, validated.stdout + validated.stderr);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
