/**
 * The progress line on a team server (issue 30): `started.worker` says where the job runs, and a
 * `started` for the same job from another worker (a worker that stopped mid-job) says it moved
 * and where it resumes. Messages are the protocol's fixtures, parsed as the client parses them.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fixtureToFrame, parseServerFrame, validFixtureSchema, type ServerMessage } from '../../protocol/index.ts';
import { trackJobStep, type TrackedJob } from '../../client/job-progress.ts';
import { WaitingJobs } from '../../client/waiting-jobs.ts';
import type { JobMessage } from '../../client/daemon-client.ts';

/** A fixture's message with `patch` applied, through the protocol's own parser (a message it refuses fails here). */
function message(name: string, patch: Record<string, unknown> = {}): JobMessage {
  const fixture = validFixtureSchema.parse(JSON.parse(readFileSync(new URL(`../../protocol/fixtures/valid/${name}.json`, import.meta.url), 'utf8')));
  const parsed = parseServerFrame(fixtureToFrame({ ...fixture, message: { ...(fixture.message as object), ...patch } }));
  assert.ok(parsed.ok, parsed.ok ? '' : parsed.message);
  return parsed.value.message as Exclude<ServerMessage, { type: 'welcome' }> as JobMessage;
}

const stages = [{ width: 64, height: 43, iterations: 20 }, { width: 96, height: 64, iterations: 12 }];
const progress = (stage: number) => message('daemon-progress', { jobId: 'job-3', stage, stages: 2, iteration: 3, iterations: 20 });

function steps(messages: JobMessage[]): string[] {
  const job: TrackedJob = { daemonJobId: 'job-3', cancelRequested: false };
  return messages.map((m) => trackJobStep(m, new Map(), job, () => undefined)?.detail ?? '');
}

test('a team server\'s worker is named, and a move to another worker shows where the job resumes', () => {
  const [first, step1, moved, step2] = steps([
    message('daemon-started', { backend: 'onnx', device: 'cuda', stages, worker: 'gpu-a' }),
    progress(1),
    message('daemon-started-moved'),
    progress(2),
  ]);
  assert.equal(first, 'Running on gpu-a (cuda)…');
  assert.match(step1!, /^Pass 1 of 2 · step 3 of 20 · .* · on gpu-a$/);
  assert.equal(moved, 'Moved to gpu-b; resuming at pass 2 of 2…');
  assert.match(step2!, /^Pass 2 of 2 · step 3 of 20 · .* · moved to gpu-b$/, 'the line keeps saying it moved');
});

test('a move without a kept stage starts again; a resume on the same worker is not a move', () => {
  const [, restarted] = steps([message('daemon-started', { worker: 'gpu-a' }), message('daemon-started', { worker: 'gpu-b' })]);
  assert.equal(restarted, 'Moved to gpu-b; starting again…');
  const [, resumed] = steps([message('daemon-started', { worker: 'gpu-a', stages }), message('daemon-started', { worker: 'gpu-a', stages, resumedFromStage: 2 })]);
  assert.equal(resumed, 'Resuming at pass 2 of 2 on gpu-a (cpu)…');
});

test('the local daemon names no worker: its lines are as before', () => {
  const [started, step] = steps([message('daemon-started'), progress(1)]);
  assert.equal(started, 'Running on cpu…');
  assert.doesNotMatch(step!, / on |moved/);
});

test('a job followed again after the panel reopened shows its move too (the waiting list)', () => {
  const waiting = new WaitingJobs({ client: () => null, place: () => undefined, dismiss: () => undefined, changed: () => undefined });
  const list = message('daemon-jobs');
  assert.ok(list.type === 'jobs');
  waiting.document = list.document;
  waiting.takeList(list, () => false);
  waiting.take(message('daemon-started', { jobId: 'job-ab12cd-4', worker: 'gpu-a', stages }), new Map());
  waiting.take(message('daemon-started-moved', { jobId: 'job-ab12cd-4' }), new Map());
  assert.equal(waiting.list.find((j) => j.jobId === 'job-ab12cd-4')?.detail, 'Moved to gpu-b; resuming at pass 2 of 2…');
});
