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

const KEY = new Uint8Array(32).map((_, i) => i + 1);

test('pairing keys are saved owner-only under a random id (not derived from the key) and found by exact id after reopening', () =>
  withDirAsync(async (dir) => {
    const store = await TokenStore.openAsync(dir);
    const { id } = await store.issueAsync('figma/1', KEY);
    assert.match(id, /^[0-9a-f]{16}$/);
    assert.ok(!Buffer.from(KEY).toString('hex').includes(id), 'the id is no part of the key');
    assert.equal((await stat(join(dir, 'tokens.json'))).mode & 0o777, 0o600);
    assert.equal((await stat(dir)).mode & 0o777, 0o700);
    const reopened = await TokenStore.openAsync(dir);
    assert.deepEqual(reopened.keyFor(id), KEY);
    assert.equal(reopened.knowsHint(id), true);
    assert.equal(reopened.keyFor(id.slice(0, -1)), null);
    assert.equal(reopened.keyFor('constructor'), null);
    assert.equal(reopened.knowsHint(id.slice(0, 8)), false, 'no prefix matches');
    assert.deepEqual((await listTokensAsync(dir)).map((t) => t.id), [id]);
    assert.ok(!('key' in (await listTokensAsync(dir))[0]!), 'listing shows no key');
  }));

test('keys can be revoked one by one or all at once, also without a running daemon', () =>
  withDirAsync(async (dir) => {
    const store = await TokenStore.openAsync(dir);
    const a = await store.issueAsync('a', KEY);
    const b = await store.issueAsync('b', KEY);
    assert.equal(await store.revokeAsync(a.id), true);
    assert.equal(store.keyFor(a.id), null);
    assert.deepEqual(store.keyFor(b.id), KEY);
    assert.equal(await revokeAllTokensAsync(dir), 1);
    const reopened = await TokenStore.openAsync(dir);
    assert.equal(reopened.keyFor(b.id), null);
    assert.equal(reopened.size, 0);
  }));

test('a protocol-1 file (token hashes) reads as no pairings: those plugins pair again', () =>
  withDirAsync(async (dir) => {
    const { mkdir } = await import('node:fs/promises');
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'tokens.json'), JSON.stringify({ version: 1, tokens: [{ id: 'abcdef12', hash: 'a'.repeat(64), clientName: 'x', createdAt: 'now' }] }));
    assert.equal((await TokenStore.openAsync(dir)).size, 0);
  }));

test('a loose file mode is tightened and a damaged file is reported, not trusted', () =>
  withDirAsync(async (dir) => {
    const store = await TokenStore.openAsync(dir);
    await store.issueAsync('a', KEY);
    const path = join(dir, 'tokens.json');
    const { chmod } = await import('node:fs/promises');
    await chmod(path, 0o644);
    await TokenStore.openAsync(dir);
    assert.equal((await stat(path)).mode & 0o777, 0o600);
    await writeFile(path, '{"version":2,"keys":[{"id":"zz"}]}');
    await assert.rejects(TokenStore.openAsync(dir), /damaged/);
  }));
