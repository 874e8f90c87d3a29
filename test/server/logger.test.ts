import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openLogFile } from '../../daemon/app/log-file.ts';
import { createJsonLogger, startDaemonServerAsync } from '../../daemon/server/index.ts';
import { TestClient } from './test-client.ts';

test('repeats of one event are rate-limited and summed up; other events still get through', () => {
  const lines: string[] = [];
  let now = 0;
  const logger = createJsonLogger((line) => lines.push(line), { maxPerWindow: 5, windowMs: 1000, now: () => now });
  for (let i = 0; i < 10_000; i++) logger.log('warn', 'error-reply', { code: 'bad-json' });
  logger.log('info', 'hello', {});
  assert.equal(lines.length, 6);
  now = 1000;
  logger.log('info', 'tick', {});
  const last = lines.slice(-2).map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.deepEqual([last[0]!.event, last[0]!.repeatedEvent, last[0]!.suppressed], ['log-suppressed', 'error-reply', 9995]);
  assert.equal(last[1]!.event, 'tick');
});

test('secrets never reach a log line, whatever the caller passes', () => {
  const lines: string[] = [];
  const logger = createJsonLogger((line) => lines.push(line));
  logger.log('info', 'oops', { token: 'A'.repeat(43), pairingCode: '123456', connectionId: 'conn-1' });
  assert.doesNotMatch(lines[0]!, /AAAA|123456/);
  assert.match(lines[0]!, /conn-1/);
});

test('the log file is rotated past its size, so it never takes more than twice that', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'atelier-log-'));
  try {
    const file = join(dir, 'logs', 'daemon.log');
    const log = openLogFile(file, 10_000);
    for (let i = 0; i < 1000; i++) log.write(`${JSON.stringify({ i, pad: 'x'.repeat(80) })}\n`);
    await log.closeAsync();
    const [current, previous] = [await stat(file), await stat(`${file}.1`)];
    assert.ok(current.size <= 10_000 && previous.size <= 10_000, `${current.size}, ${previous.size}`);
    assert.match(await readFile(file, 'utf8'), /"i":999/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('an unpaired client flooding bad messages writes a bounded log', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'atelier-config-'));
  let bytes = 0;
  const server = await startDaemonServerAsync({ port: 0, configDir: dir, logger: createJsonLogger((line) => (bytes += line.length)) });
  try {
    const client = await TestClient.connectAsync(server.url);
    client.hello(undefined, ['daemon-state']);
    await client.waitForAsync('welcome');
    for (let i = 0; i < 3000; i++) client.sendRaw('not json');
    client.send({ type: 'get-status' });
    // Replies come in order: once the last one is here, every bad message was handled (and logged).
    await client.waitForAsync('error', (m) => m.code === 'not-paired');
    assert.ok(bytes < 20_000, `the log took ${bytes} bytes for 3000 bad messages`);
    client.close();
  } finally {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  }
});
