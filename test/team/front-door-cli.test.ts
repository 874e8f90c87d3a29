import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { runServerCommandAsync } from '../../daemon/cli/server-command.ts';

function sink(): Writable & { text: string } {
  const stream = new Writable({
    write(chunk, _encoding, done) {
      stream.text += String(chunk);
      done();
    },
  }) as Writable & { text: string };
  stream.text = '';
  return stream;
}

async function closedPortAsync(): Promise<number> {
  return new Promise((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => resolve(typeof address === 'object' && address ? address.port : 1));
    });
  });
}

async function runAsync(args: string[]): Promise<{ code: number; err: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'atelier-server-cli-'));
  try {
    const stdout = sink();
    const stderr = sink();
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
  const port = await closedPortAsync();
  const down = await runAsync(['--redis', `redis://:secret@127.0.0.1:${port}`]);
  assert.equal(down.code, 1);
  assert.match(down.err, new RegExp(`cannot reach Redis at redis://:\\*\\*\\*@127\\.0\\.0\\.1:${port} \\(connect ECONNREFUSED`));
});
