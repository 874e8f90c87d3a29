import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { acquireSingleInstanceAsync, instanceEndpoint, StartError, type InstanceInfo } from '../../daemon/app/index.ts';

let root: string;
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'atelier-lock-'));
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

const info = (pid: number): InstanceInfo => ({
  pid,
  state: 'starting',
  url: null,
  logFile: '/logs/daemon.log',
  ui: 'terminal',
  startedAt: new Date(0).toISOString(),
});

test('the first start holds the lock; a second learns where the first is, including later updates', async () => {
  const cache = join(root, 'a');
  const first = await acquireSingleInstanceAsync(cache, info(111));
  assert.equal(first.kind, 'acquired');
  try {
    const second = await acquireSingleInstanceAsync(cache, info(222));
    assert.equal(second.kind, 'running');
    assert.equal(second.kind === 'running' && second.info?.pid, 111);
    assert.equal(second.kind === 'running' && second.info?.state, 'starting');

    if (first.kind === 'acquired') first.update({ state: 'ready', url: 'ws://127.0.0.1:7878' });
    const third = await acquireSingleInstanceAsync(cache, info(333));
    assert.deepEqual(third.kind === 'running' && [third.info?.state, third.info?.url], ['ready', 'ws://127.0.0.1:7878']);
  } finally {
    if (first.kind === 'acquired') await first.releaseAsync();
  }
  const afterRelease = await acquireSingleInstanceAsync(cache, info(444));
  assert.equal(afterRelease.kind, 'acquired', 'a stopped daemon frees the lock');
  if (afterRelease.kind === 'acquired') await afterRelease.releaseAsync();
});

test('different users (cache folders) do not block each other', async () => {
  const a = await acquireSingleInstanceAsync(join(root, 'user-a'), info(1));
  const b = await acquireSingleInstanceAsync(join(root, 'user-b'), info(2));
  try {
    assert.equal(a.kind, 'acquired');
    assert.equal(b.kind, 'acquired');
  } finally {
    if (a.kind === 'acquired') await a.releaseAsync();
    if (b.kind === 'acquired') await b.releaseAsync();
  }
});

test('the socket left by a killed daemon is taken over', { skip: process.platform === 'win32' ? 'named pipes vanish with their process' : false }, async () => {
  const cache = join(root, 'crashed');
  const endpoint = instanceEndpoint(cache);
  await mkdir(cache, { recursive: true });
  // A process that listens on the endpoint and dies by SIGKILL, leaving the socket file behind.
  const child = spawn(process.execPath, [
    '-e',
    `require('net').createServer().listen(${JSON.stringify(endpoint)}, () => { console.log('up'); setInterval(() => {}, 1000); })`,
  ]);
  await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
  child.kill('SIGKILL');
  await new Promise((resolve) => child.once('exit', resolve));
  assert.ok((await stat(endpoint)).isSocket(), 'the dead daemon left its socket file');

  const lock = await acquireSingleInstanceAsync(cache, info(555));
  assert.equal(lock.kind, 'acquired');
  if (lock.kind === 'acquired') await lock.releaseAsync();
});

test('a very long cache path puts the socket in a per-user folder, never straight in the shared temp folder', () => {
  const long = `/tmp/${'x'.repeat(200)}`;
  const inRuntime = instanceEndpoint(long, 'linux', { XDG_RUNTIME_DIR: '/run/user/1000' });
  assert.match(inRuntime, /^\/run\/user\/1000\/atelier-[0-9a-f]{16}\.sock$/);
  const fallback = instanceEndpoint(long, 'linux', { TMPDIR: '/tmp' });
  assert.equal(fallback.split('/').slice(0, 3).join('/'), `/tmp/atelier-${process.getuid?.() ?? 'user'}`, fallback);
  assert.ok(Buffer.byteLength(fallback) < 100, fallback);
  assert.match(instanceEndpoint('C:\\Users\\d\\AppData\\Local\\Atelier\\Cache', 'win32'), /^\\\\\.\\pipe\\atelier-[0-9a-f]{16}$/);
});

test('a squatted per-user lock folder (another owner, or writable by others) is refused with a code', { skip: process.platform === 'win32' && 'POSIX folders' }, async () => {
  const { chmod, chown } = await import('node:fs/promises');
  const tmp = join(root, 'shared-tmp');
  const squatted = join(tmp, `atelier-${process.getuid?.() ?? 'user'}`);
  await mkdir(squatted, { recursive: true });
  // What another user can do to a predictable name in a shared folder: make it theirs, or open it to all.
  if (process.getuid?.() === 0) await chown(squatted, 65534, 65534);
  else await chmod(squatted, 0o777);
  const long = join(root, 'y'.repeat(120));
  await assert.rejects(
    acquireSingleInstanceAsync(long, info(777), { TMPDIR: tmp }),
    (e: unknown) => e instanceof StartError && e.code === 'instance_dir_unsafe' && /another user could pose as Atelier/.test(e.message),
  );
  // Its own folder is taken and works.
  await rm(squatted, { recursive: true });
  const lock = await acquireSingleInstanceAsync(long, info(778), { TMPDIR: tmp });
  assert.equal(lock.kind, 'acquired');
  assert.equal((await stat(squatted)).mode & 0o777, 0o700);
  if (lock.kind === 'acquired') await lock.releaseAsync();
});
