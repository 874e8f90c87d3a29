import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runServerCommandAsync } from '../../daemon/cli/server-command.ts';
import { freePortAsync, textSink } from './front-door-support.ts';

async function runAsync(args: string[]): Promise<{ code: number; err: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'atelier-server-cli-'));
  try {
    const stdout = textSink();
    const stderr = textSink();
    const code = await runServerCommandAsync([...args, '--secret-file', join(dir, 'team-secret')], { stdout, stderr, env: { HOME: dir } });
    return { code, err: stderr.text };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test('atelier server refuses plain ws:// off loopback, half a TLS pair, no Redis URL, and says why; Redis down is a sentence, not a wait', async () => {
  const plain = await runAsync(['--redis', 'redis://127.0.0.1:6379', '--host', '0.0.0.0']);
  assert.equal(plain.code, 2);
  assert.match(plain.err, /Without TLS the team server listens only on this machine .*--tls-cert FILE --tls-key FILE/);
  const half = await runAsync(['--redis', 'redis://127.0.0.1:6379', '--tls-cert', 'cert.pem']);
  assert.equal(half.code, 2);
  assert.match(half.err, /TLS needs both --tls-cert FILE and --tls-key FILE/);
  const noRedis = await runAsync([]);
  assert.equal(noRedis.code, 2);
  assert.match(noRedis.err, /ATELIER_REDIS_URL/);
  const port = await freePortAsync();
  const down = await runAsync(['--redis', `redis://:secret@127.0.0.1:${port}`]);
  assert.equal(down.code, 1);
  assert.match(down.err, new RegExp(`cannot reach Redis at redis://:\\*\\*\\*@127\\.0\\.0\\.1:${port} \\(connect ECONNREFUSED`));
});
