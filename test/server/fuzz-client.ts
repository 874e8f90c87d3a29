import type { DaemonServer } from '../../daemon/server/index.ts';
import { createFuzzFrames } from '../support/fuzz-frames.ts';
import { TestClient } from './test-client.ts';
import { openPairingCode } from './test-daemon.ts';

export interface FuzzTally {
  sent: number;
  replies: number;
  /** `internal` replies: a fuzzed frame reached a bug. */
  internal: number;
  /** Round trips not answered in 30 s. */
  hangs: number;
  /** Daemon frames outside the protocol. */
  invalid: string[];
}

/**
 * Sends fuzz frames (seeded) in batches of 50, each followed by a round trip, reconnecting
 * (and re-pairing, when `paired`) whenever the daemon closes the link, until `tally.sent`
 * reaches `count` or `stop()` says so (several senders may share one tally).
 */
export async function fuzzDaemonAsync(server: DaemonServer, count: number, seed: number, paired: boolean, tally: FuzzTally, stop: () => boolean = () => false): Promise<void> {
  const next = createFuzzFrames(seed);
  while (tally.sent < count && !stop()) {
    const client = paired ? await pairRetryingAsync(server) : await TestClient.connectAsync(server.url);
    if (!paired) client.hello(undefined, ['daemon-state']);
    while (tally.sent < count && !stop() && client.closeCode === null) {
      for (let i = 0; i < 50 && tally.sent < count; i++, tally.sent++) client.sendRaw(next());
      client.send({ type: 'get-status' });
      const answered = paired
        ? client.waitForAsync('status', () => true, 30_000)
        : client.waitForAsync('error', (m) => m.code === 'not-paired' || m.code === 'hello-required', 30_000);
      await answered.catch((e: unknown) => {
        if (/timed out/.test(String(e))) tally.hangs += 1;
      });
    }
    tally.replies += client.messages().length;
    tally.internal += client.messages().filter((m) => m.type === 'error' && m.code === 'internal').length;
    tally.invalid.push(...client.invalid);
    client.close();
  }
}

/** Pairs, trying again when another sender's pairing closed the window in between. */
async function pairRetryingAsync(server: DaemonServer): Promise<TestClient> {
  for (;;) {
    const client = await TestClient.connectAsync(server.url);
    client.hello(undefined, ['daemon-state']);
    await client.waitForAsync('welcome');
    const key = await client.pairAsync(openPairingCode(server)).catch(() => null);
    if (key) return client;
    client.close();
  }
}

export function emptyTally(): FuzzTally {
  return { sent: 0, replies: 0, internal: 0, hangs: 0, invalid: [] };
}
