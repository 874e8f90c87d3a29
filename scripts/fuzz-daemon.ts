/**
 * The long fuzz and load run (the suite has a bounded one, test/server/fuzz.test.ts):
 *   node --import tsx --expose-gc scripts/fuzz-daemon.ts [messages=30000] [connections=8] [seed=1] [maxSeconds=∞]
 * Starts the real daemon server in this process on generated weights; `connections` clients
 * at once send schema-driven fuzz frames (unpaired, and a quarter of them paired), reconnecting
 * whenever the daemon closes them; then a paired job must complete. Prints messages sent,
 * replies, crashes (`internal` replies or internal-error log lines), hangs (a round trip not
 * answered in 30 s), and RSS before and after.
 */
import { emptyTally, fuzzDaemonAsync } from '../test/server/fuzz-client.ts';
import { createTestEngineAsync, pairedClientAsync, smallStylizeAsync, startTestDaemonAsync } from '../test/server/test-daemon.ts';

const [messages = 30_000, connections = 8, seed = 1, maxSeconds = Infinity] = process.argv.slice(2).map(Number);
const mib = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

const { engine, cleanupAsync } = await createTestEngineAsync();
const daemon = await startTestDaemonAsync(engine, { pairingAttemptIntervalMs: 0 });
globalThis.gc?.();
const rssBefore = process.memoryUsage().rss;
const heapBefore = process.memoryUsage().heapUsed;
const tally = emptyTally();
const started = performance.now();
// Progress every 30 s (on stderr), so a slow machine still shows where it is.
const progress = setInterval(() => {
  console.error(JSON.stringify({ seconds: Math.round((performance.now() - started) / 1000), sent: tally.sent, rss: mib(process.memoryUsage().rss) }));
}, 30_000);
const stop = (): boolean => (performance.now() - started) / 1000 >= maxSeconds;
// A quarter of the senders are paired.
await Promise.all(Array.from({ length: connections }, (_, n) => fuzzDaemonAsync(daemon.server, messages, seed * 1000 + n, n % 4 === 3, tally, stop)));
clearInterval(progress);
let crashes = tally.internal;
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
// RSS rarely shrinks after a peak (the allocator keeps freed pages); the live heap says what is still held.
const heapAfter = process.memoryUsage().heapUsed;
console.log(
  JSON.stringify({
    messages: tally.sent,
    connections,
    seed,
    seconds: Number(((performance.now() - started) / 1000).toFixed(1)),
    replies: tally.replies,
    crashes,
    hangs: tally.hangs,
    invalidFrames: tally.invalid.length,
    jobAfter: 'completed',
    rssBefore: mib(rssBefore),
    rssAfter: mib(rssAfter),
    heapBefore: mib(heapBefore),
    heapAfter: mib(heapAfter),
  }),
);
await daemon.stopAsync();
await cleanupAsync();
