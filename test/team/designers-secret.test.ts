import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ServerSecret, ServerSecretError } from '../../daemon/team/server-secret.ts';

async function withDirAsync(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'atelier-secret-'));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test('the server secret is created once, owner-only, and read back the same by a second start', () =>
  withDirAsync(async (dir) => {
    const file = join(dir, 'config', 'team-secret');
    const first = await ServerSecret.loadAsync(file, true);
    assert.equal((await stat(file)).mode & 0o777, 0o600);
    assert.equal((await stat(join(dir, 'config'))).mode & 0o777, 0o700);
    const text = await readFile(file, 'utf8');
    assert.match(text, /^[0-9a-f]{64}\n$/);
    const second = await ServerSecret.loadAsync(file, true);
    assert.equal(await readFile(file, 'utf8'), text, 'an existing secret is never replaced');
    const sealed = first.seal(new Uint8Array([1, 2, 3]), 'label');
    assert.deepEqual(second.open(sealed, 'label'), new Uint8Array([1, 2, 3]));
  }));

test('a team command does not create a secret the front door would not know (it says where the server keeps it)', () =>
  withDirAsync(async (dir) => {
    const file = join(dir, 'team-secret');
    await assert.rejects(ServerSecret.loadAsync(file, false), (error: unknown) => error instanceof ServerSecretError && error.code === 'secret_unreadable' && error.message.includes('--secret-file'));
  }));

test('a secret file others can read, or a damaged one, is refused with what to do', { skip: process.platform === 'win32' ? 'POSIX modes' : false }, () =>
  withDirAsync(async (dir) => {
    const file = join(dir, 'team-secret');
    await ServerSecret.loadAsync(file, true);
    await chmod(file, 0o644);
    await assert.rejects(ServerSecret.loadAsync(file, true), (error: unknown) => error instanceof ServerSecretError && error.code === 'secret_exposed' && error.message.includes(`chmod 600 ${file}`));
    await writeFile(file, 'not hex\n', { mode: 0o600 });
    await chmod(file, 0o600);
    await assert.rejects(ServerSecret.loadAsync(file, true), (error: unknown) => error instanceof ServerSecretError && error.code === 'secret_damaged');
  }));

test('sealed values open only under the same secret and the same label, and not once altered', () => {
  const secret = ServerSecret.fromBytes(new Uint8Array(32).fill(7));
  const other = ServerSecret.fromBytes(new Uint8Array(32).fill(8));
  const key = new Uint8Array(32).map((_, i) => i);
  const sealed = secret.seal(key, 'atelier designer key 00112233aabbccdd');
  assert.ok(!sealed.includes(Buffer.from(key).toString('hex')) && !sealed.includes(Buffer.from(key).toString('base64url')), 'the key is not readable in the sealed text');
  assert.notEqual(secret.seal(key, 'x'), secret.seal(key, 'x'), 'a fresh IV each time');
  assert.deepEqual(secret.open(sealed, 'atelier designer key 00112233aabbccdd'), key);
  assert.equal(secret.open(sealed, 'atelier designer key ffffffffffffffff'), null, 'moved to another key id');
  assert.equal(other.open(sealed, 'atelier designer key 00112233aabbccdd'), null, 'another secret');
  const parts = sealed.split('.');
  const body = Buffer.from(parts[3]!, 'base64url');
  body[0] ^= 1;
  assert.equal(secret.open([parts[0], parts[1], parts[2], body.toString('base64url')].join('.'), 'atelier designer key 00112233aabbccdd'), null, 'altered');
  assert.equal(secret.open('garbage', 'x'), null);
});
