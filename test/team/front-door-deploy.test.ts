import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const DEPLOY = join(dirname(fileURLToPath(import.meta.url)), '../../deploy');
const analyzeMissing = spawnSync('systemd-analyze', ['--version']).status === 0 ? false : 'systemd-analyze is not installed: the unit files are checked with it';

test('the systemd units pass systemd-analyze verify (unknown keys, bad values and missing binaries are reported)', { skip: analyzeMissing }, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'atelier-units-'));
  try {
    // A template is verified as one of its instances (GPU 0).
    await copyFile(join(DEPLOY, 'atelier-server.service'), join(dir, 'atelier-server.service'));
    await copyFile(join(DEPLOY, 'atelier-worker@.service'), join(dir, 'atelier-worker@0.service'));
    const run = spawnSync('systemd-analyze', ['verify', '--man=no', join(dir, 'atelier-server.service'), join(dir, 'atelier-worker@0.service')], { encoding: 'utf8' });
    // Lines about other units on this machine (its own /etc) are not ours.
    const ours = `${run.stdout}${run.stderr}`.split('\n').filter((line) => line.includes('atelier-'));
    assert.deepEqual(ours, []);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('Redis for BullMQ: append-only on and no eviction', async () => {
  const conf = await readFile(join(DEPLOY, 'redis-atelier.conf'), 'utf8');
  const settings = new Map(conf.split('\n').filter((line) => /^\w/.test(line)).map((line) => [line.split(/\s+/)[0]!, line.split(/\s+/).slice(1).join(' ')]));
  assert.equal(settings.get('appendonly'), 'yes');
  assert.equal(settings.get('maxmemory-policy'), 'noeviction');
});
