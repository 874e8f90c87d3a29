import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const atelier = (...args: string[]) => spawnSync(process.execPath, ['bin/atelier.js', ...args], { cwd: REPO, encoding: 'utf8', timeout: 60_000 });

test('atelier --version prints package.json\'s version; atelier start --help is the daemon\'s help', async () => {
  const { version } = JSON.parse(await readFile(new URL('package.json', `file://${REPO}`), 'utf8')) as { version: string };
  const printed = atelier('--version');
  assert.equal(printed.status, 0, printed.stderr);
  assert.equal(printed.stdout.trim(), version);
  const help = atelier('start', '--help');
  assert.equal(help.status, 0, help.stderr);
  assert.match(help.stdout, /^Usage: atelier start \[options\]/);
  assert.match(help.stdout, /--headless/);
  const usage = atelier('--help');
  assert.match(usage.stdout, /start \[--headless\] \[--port N\]/);
});
