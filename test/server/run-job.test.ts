import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RgbImage } from '../../daemon/engine/index.ts';
import { createMemoryLogger, runStylizeJobAsync, type JobPersistence, type StylizeJob } from '../../daemon/server/index.ts';
import { parseServerMessage, type ServerMessage } from '../../protocol/index.ts';
import { smallStylizeAsync, useTestEngine } from './test-daemon.ts';

/**
 * A job through the real engine (small generated weights) with its stage images kept, then run
 * again from the kept one, as after a daemon restart or a team worker's death (issue 30): the
 * second run's `started` says at which stage it resumed, so the panel can show the move.
 */

const engine = useTestEngine();

async function runAsync(persist: JobPersistence): Promise<ServerMessage[]> {
  const built = await smallStylizeAsync('resume', { stages: 2, scale: 2, width: 64, height: 64, iterations: 3, previewEvery: 0 }, 64);
  const sent: ServerMessage[] = [];
  const job: StylizeJob = {
    id: 'job-resume',
    ownerId: 'owner',
    requestId: 'resume',
    contents: [built.images.get('c0')!],
    styles: [{ bytes: built.images.get('s0')!, weight: 1, cacheKey: 's0' }],
    regions: [],
    featherPx: null,
    options: built.message.options ?? {},
    progressEvery: 1,
    acceptedAt: performance.now(),
    sink: {
      send: (message) => {
        // What a client would read: every message valid on the wire.
        const parsed = parseServerMessage(JSON.parse(JSON.stringify(message)));
        assert.ok(parsed.ok, parsed.ok ? '' : parsed.message);
        sent.push(parsed.value);
      },
      canTakePreview: () => false,
    },
    connectionId: null,
    persist,
  };
  const outcome = await runStylizeJobAsync(engine(), job, new AbortController().signal, createMemoryLogger(), { contentIndex: 0, stage: 0, iteration: 0, startedAt: 0 });
  assert.equal(outcome, 'completed');
  return sent;
}

function keeper(earlier: { stage: number; image: RgbImage } | null, kept: Array<{ stage: number; image: RgbImage }>): JobPersistence {
  return {
    earlierResultAsync: async () => null,
    earlierStageAsync: async () => earlier,
    saveStageAsync: async (_contentIndex, stage, image) => {
      kept.push({ stage, image });
    },
    saveResultAsync: async () => undefined,
    completeAsync: async () => undefined,
  };
}

const startedOf = (messages: ServerMessage[]) => messages.find((m) => m.type === 'started');

test('a job resumed from a kept stage image says so in started (1-based stage), and a fresh one does not', async () => {
  const kept: Array<{ stage: number; image: RgbImage }> = [];
  const fresh = await runAsync(keeper(null, kept));
  assert.equal(startedOf(fresh)?.resumedFromStage, undefined, 'a job run from the start claims no resume');
  assert.equal(kept[0]?.stage, 0, 'the first stage\'s end was handed over to be kept');

  const resumed = await runAsync(keeper(kept[0]!, []));
  assert.equal(startedOf(resumed)?.resumedFromStage, 2, 'it resumed at stage 2, after the kept first stage');
  const stages = resumed.filter((m) => m.type === 'progress').map((m) => (m as { stage: number }).stage);
  assert.ok(stages.length > 0 && stages.every((s) => s === 2), 'only stage 2 ran again');
  assert.equal(resumed.at(-1)?.type, 'completed');
});
