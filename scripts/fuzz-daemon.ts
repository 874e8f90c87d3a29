/**
 * The long fuzz and load run (the suite has a bounded one, test/server/fuzz.test.ts):
 *   node --import tsx --expose-gc scripts/fuzz-daemon.ts [messages=30000] [connections=8] [seed=1]
 * Starts the real daemon server in this process on generated weights; `connections` clients
 * at once send schema-driven fuzz frames (unpaired, and a quarter of them paired), reconnecting
 * whenever the daemon closes them; then a paired job must complete. Prints messages sent,
 * replies, crashes (`internal` replies or internal-error log lines), hangs (a round trip not
 * answered in 30 s), and RSS before and after.
 */
import { createFuzzFrames } from '../test/support/fuzz-frames.ts';
import { TestClient } from '../test/server/test-client.ts';
import { createTestEngineAsync, pairedClientAsync, smallStylizeAsync, startTestDaemonAsync } from '../test/server/test-daemon.ts';

const [messages = 30_000, connections = 8, seed = 1] = process.argv.slice(2).map(Number);
const mib = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

const { engine, cleanupAsync } = await createTestEngineAsync();
const daemon = await startTestDaemonAsync(engine, { pairingAttemptIntervalMs: 0 });
globalThis.gc?.();
const rssBefore = process.memoryUsage().rss;
let sent = 0;
let replies = 0;
let crashes = 0;
let hangs = 0;
let invalid = 0;
const started = performance.now();

await Promise.all(
  Array.from({ length: connections }, async (_, n) => {
    const next = createFuzzFrames(seed * 1000 + n);
    const paired = n % 4 === 3;
    while (sent < messages) {
      const client = paired ? (await pairedClientAsync(daemon.server)).client : await TestClient.connectAsync(daemon.server.url);
      if (!paired) client.hello(undefined, ['daemon-state']);
      while (sent < messages && client.closeCode === null) {
        for (let i = 0; i < 50 && sent < messages; i++, sent++) client.sendRaw(next());
        client.send({ type: 'get-status' });
        const answered = paired
          ? client.waitForAsync('status', () => true, 30_000)
          : client.waitForAsync('error', (m) => m.code === 'not-paired' || m.code === 'hello-required', 30_000);
        await answered.catch((e: unknown) => {
          if (/timed out/.test(String(e))) hangs += 1;
        });
      }
      replies += client.messages().length;
      crashes += client.messages().filter((m) => m.type === 'error' && m.code === 'internal').length;
      invalid += client.invalid.length;
      client.close();
    }
  }),
);
crashes += daemon.logger.lines.filter((l) => l.event === 'internal-error').length;

const { client } = await pairedClientAsync(daemon.server);
const job = await smallStylizeAsync('after-fuzz');
client.send(job.message, job.images);
await client.waitForAsync('completed', () => true, 120_000);
client.close();
// The memory logger keeps every line in memory; drop it before measuring the daemon.
daemon.logger.lines.length = 0;
globalThis.gc?.();
const rssAfter = process.memoryUsage().rss;
console.log(
  JSON.stringify({
    messages: sent,
    connections,
    seed,
    seconds: Number(((performance.now() - started) / 1000).toFixed(1)),
    replies,
    crashes,
    hangs,
    invalidFrames: invalid,
    jobAfter: 'completed',
    rssBefore: mib(rssBefore),
    rssAfter: mib(rssAfter),
  }),
);
await daemon.stopAsync();
await cleanupAsync();
