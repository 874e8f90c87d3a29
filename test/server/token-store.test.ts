import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TokenStore, listTokensAsync, revokeAllTokensAsync } from '../../daemon/server/token-store.ts';

async function withDirAsync(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'atelier-tokens-'));
  try {
    await fn(join(dir, 'config'));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test('issued tokens are 32 random bytes, stored only as hashes, owner-only, and verified after reopening', () =>
  withDirAsync(async (dir) => {
    const store = await TokenStore.openAsync(dir);
    const { token, id } = await store.issueAsync('figma/1');
    assert.match(token, /^[A-Za-z0-9_-]{43}$/);
    assert.equal(Buffer.from(token, 'base64url').length, 32);
    const file = await readFile(join(dir, 'tokens.json'), 'utf8');
    assert.ok(!file.includes(token), 'the token itself is never written');
    assert.equal((await stat(join(dir, 'tokens.json'))).mode & 0o777, 0o600);
    assert.equal((await stat(dir)).mode & 0o777, 0o700);
    const reopened = await TokenStore.openAsync(dir);
    assert.equal(reopened.verify(token), id);
    assert.equal(reopened.verify(token.slice(0, -1) + (token.endsWith('A') ? 'B' : 'A')), null);
    assert.deepEqual((await listTokensAsync(dir)).map((t) => t.id), [id]);
  }));

test('tokens can be revoked one by one or all at once, also without a running daemon', () =>
  withDirAsync(async (dir) => {
    const store = await TokenStore.openAsync(dir);
    const a = await store.issueAsync('a');
    const b = await store.issueAsync('b');
    assert.equal(await store.revokeAsync(a.id), true);
    assert.equal(store.verify(a.token), null);
    assert.equal(store.verify(b.token), b.id);
    assert.equal(await revokeAllTokensAsync(dir), 1);
    const reopened = await TokenStore.openAsync(dir);
    assert.equal(reopened.verify(b.token), null);
    assert.equal(reopened.size, 0);
  }));

test('a loose file mode is tightened and a damaged file is reported, not trusted', () =>
  withDirAsync(async (dir) => {
    const store = await TokenStore.openAsync(dir);
    await store.issueAsync('a');
    const path = join(dir, 'tokens.json');
    const { chmod } = await import('node:fs/promises');
    await chmod(path, 0o644);
    await TokenStore.openAsync(dir);
    assert.equal((await stat(path)).mode & 0o777, 0o600);
    await writeFile(path, '{"version":1,"tokens":[{"id":"zz"}]}');
    await assert.rejects(TokenStore.openAsync(dir), /damaged/);
  }));
