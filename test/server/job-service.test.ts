import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Engine, StylizeEvent, StylizeRequest } from '../../daemon/engine/index.ts';
import { createMemoryLogger, type JobListener, type JobSpec } from '../../daemon/server/index.ts';
import { JobService } from '../../daemon/server/job-service.ts';
import { JobStore } from '../../daemon/server/job-store.ts';
import { LIMITS, type Placement, type ServerMessage } from '../../protocol/index.ts';
import { testImageAsync } from './test-daemon.ts';

/**
 * The local runner behind the seam (issue 30): a revoked pairing's jobs, running and waiting,
 * end and their kept files go; another pairing's job runs on. The engine is a stand-in that
 * computes until its signal aborts, as the real one's stylize does (engine/types.ts: an
 * AsyncGenerator that stops with an error once `signal` aborts).
 */

const stuckEngine: Pick<Engine, 'info' | 'stylize'> = {
  info: { engine: 'stand-in', backend: 'cpu', device: 'none', convention: 'torchvision', weightsSource: 'none' },
  async *stylize(request: StylizeRequest): AsyncGenerator<StylizeEvent> {
    await new Promise<void>((resolve) => request.signal?.addEventListener('abort', () => resolve(), { once: true }));
    throw new Error('aborted');
  },
};

function listener(): JobListener & { messages: ServerMessage[]; untilAsync(match: (m: ServerMessage) => boolean): Promise<void> } {
  const messages: ServerMessage[] = [];
  const waits: Array<() => void> = [];
  return {
    messages,
    send: (message) => {
      messages.push(message);
      for (const wake of waits.splice(0)) wake();
    },
    canTakePreview: () => false,
    async untilAsync(match) {
      while (!messages.some(match)) await new Promise<void>((resolve) => waits.push(resolve));
    },
  };
}

test('revokeOwnerAsync ends a pairing\'s running and waiting jobs and deletes their kept files; another pairing\'s job runs on', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'atelier-jobs-'));
  try {
    const store = await JobStore.openAsync(dir, createMemoryLogger());
    let counter = 0;
    const service = new JobService({
      maxQueued: 8,
      maxQueuedPerOwner: 8,
      store,
      bounds: { maxResults: 24, maxResultBytes: 1 << 30, maxAgeMs: 60_000 },
      logger: createMemoryLogger(),
      engine: () => stuckEngine,
      newJobId: () => `job-ab-${++counter}`, // the daemon's shape (job-store.ts JOB_DIR)
      onActivity: () => undefined,
      onWaitingChanged: () => undefined,
    });
    assert.deepEqual(service.info(), { engine: 'stand-in', backend: 'cpu', device: 'none', convention: 'torchvision' });
    const png = await testImageAsync('content', 8, 8);
    const placement = (document: string): Placement => ({ document, label: 'Hero', data: '{}' });
    const spec = (owner: string, requestId: string, to: JobListener): JobSpec => ({
      requestId,
      owner,
      clientName: 'atelier-figma',
      connectionId: `conn-${owner.slice(0, 1)}`,
      placement: placement(`file-${owner.slice(0, 1)}`),
      contents: [png],
      styles: [{ bytes: png, weight: 1 }],
      regions: [],
      featherPx: null,
      options: {},
      progressEvery: 1,
      listener: to,
    });
    // Owners are pairings' key ids (job-store.ts checks their shape).
    const [ownerA, ownerB] = ['a', 'b'].map((c) => c.repeat(LIMITS.KEY_HINT_HEX_LENGTH)) as [string, string];
    const a = listener();
    const b = listener();
    const first = await service.submitAsync(spec(ownerA, 'r1', a));
    const second = await service.submitAsync(spec(ownerA, 'r2', a));
    const other = await service.submitAsync(spec(ownerB, 'r3', b));
    assert.ok(first.ok && second.ok && other.ok, JSON.stringify([first, second, other]));
    assert.equal(store.all().length, 3, 'kept before they run');

    await service.revokeOwnerAsync(ownerA);
    await a.untilAsync((m) => m.type === 'cancelled' && m.jobId === first.jobId);
    await a.untilAsync((m) => m.type === 'cancelled' && m.jobId === second.jobId);
    // Position 0: it started (JobQueue reports the running job's 0).
    await b.untilAsync((m) => m.type === 'queue-position' && m.jobId === other.jobId && m.position === 0);
    assert.deepEqual(store.all().map((r) => r.owner), [ownerB], 'only the other pairing\'s job is kept');
    assert.equal((await service.statusAsync(ownerB)).running?.jobId, other.jobId, 'the other pairing\'s job runs now');
    assert.equal(await service.cancelAsync(other.jobId, ownerA), false, 'a revoked pairing cancels nothing of others');
    await service.closeAsync();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
