/**
 * Issue 31 with issue 32: a masked result that finished while the panel was closed, whose mask
 * was not kept with the job (too big for its record), is placed as the daemon made it — past
 * the mask a softer copy of the layer covers the layer — and the panel says so once it is in.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { DaemonClient } from '../../client/daemon-client.ts';
import { WaitingJobs, type WaitingJob } from '../../client/waiting-jobs.ts';
import type { JobsMessage } from '../../protocol/index.ts';

function panel() {
  const sent: string[] = [];
  const placing: WaitingJob[] = [];
  // Only what WaitingJobs calls on the client; each call is a protocol message sent.
  const client = {
    listJobs: () => true,
    reattach: (jobId: string) => (sent.push(`reattach ${jobId}`), true),
    placed: (jobId: string) => (sent.push(`placed ${jobId}`), true),
  } as unknown as DaemonClient;
  const waiting = new WaitingJobs({ client: () => client, place: (job) => placing.push(job), dismiss: () => {}, changed: () => {} });
  waiting.document = 'file-1';
  return { waiting, sent, placing };
}

const listed = (jobId: string, label: string): JobsMessage['jobs'][number] => ({
  jobId, state: 'finished', contentCount: 1, acceptedAt: '2026-12-07T10:00:00Z', placement: { document: 'file-1', label, data: '{}' },
});

test('a waiting masked result placed without its mask: the panel says it covers the layer with a softer copy around the mask', () => {
  const { waiting, sent, placing } = panel();
  waiting.takeList({ type: 'jobs', document: 'file-1', jobs: [listed('j1', 'Hero · Starry Night'), listed('j2', 'Card · Great Wave')] }, () => false);
  assert.deepEqual(sent, ['reattach j1', 'reattach j2']);
  for (const jobId of ['j1', 'j2']) {
    waiting.take({ type: 'result', jobId, contentIndex: 0, image: { id: `${jobId}.r`, mime: 'image/png', width: 4, height: 4 } } as never, new Map([[`${jobId}.r`, new Uint8Array([1])]]));
    waiting.take({ type: 'completed', jobId } as never, new Map());
  }
  assert.deepEqual(placing.map((j) => j.jobId), ['j1', 'j2']);
  waiting.uncut('j1');
  waiting.placed('j1');
  waiting.placed('j2');
  assert.equal(
    waiting.placedSentence(),
    'Inserted 2 results that finished while the panel was closed. “Hero · Starry Night” covers the whole layer with a softer copy of it around the mask (its mask could not be kept with the job); apply the style again for a sharp one.',
  );
});

test('a result placed with its mask (or without one) adds nothing to the sentence; an unknown job is not marked', () => {
  const { waiting } = panel();
  waiting.takeList({ type: 'jobs', document: 'file-1', jobs: [listed('j1', 'Hero · Starry Night')] }, () => false);
  waiting.uncut('other');
  waiting.placed('j1');
  assert.equal(waiting.placedSentence(), 'Inserted “Hero · Starry Night”, which finished while the panel was closed.');
});
