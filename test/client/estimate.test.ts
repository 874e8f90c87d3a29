import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildEstimateRequest, estimateAfterReply, estimateApplies, estimateView, EstimateTracker } from '../../client/estimate.ts';
import { DEFAULT_JOB_OPTIONS, workingSideFor } from '../../client/job-options.ts';
import { parseClientMessage, parseServerMessage, type EstimateMessage, type EstimateResultMessage, type WelcomeMessage } from '../../protocol/index.ts';
import { loadValidFixtures } from '../protocol/load-fixtures.ts';

const welcome = (capabilities: string[]): WelcomeMessage => ({
  type: 'welcome',
  protocol: 2,
  daemon: { name: 'atelier', version: '0.1.0' },
  engine: { engine: 'tfjs', backend: 'cpu', device: 'cpu', convention: 'caffe' },
  capabilities,
  presets: ['classic', 'reference'],
  limits: { maxOutputSide: 4096, maxInputSide: 8192, maxInputPixels: 40000000, maxImageBytes: 50331648, maxContentImages: 16, maxStyleImages: 4, maxPayloadBytes: 134217728, maxQueuedJobs: 8 },
  paired: true,
});

function fixture(name: string): EstimateResultMessage {
  const f = loadValidFixtures().find((v) => v.name === `${name}.json`);
  assert.ok(f && f.fixture.message !== undefined, `fixture ${name}`);
  const parsed = parseServerMessage(f.fixture.message);
  assert.ok(parsed.ok && parsed.value.type === 'estimate-result');
  return parsed.value;
}

test('the panel shows the daemon\'s time, peak and budget, and the tiles of a tiled top stage', () => {
  const view = estimateView({ kind: 'result', result: fixture('daemon-estimate-result') });
  assert.equal(view.blocksApply, null);
  assert.match(view.text, /about 1 h 5 min/);
  assert.match(view.text, /3138 MB of 4096 MB/);
  assert.match(view.text, /6 tiles/);
  assert.match(view.text, /2048×1536/);
});

test('a job the budget cannot hold shows the daemon\'s memory-budget sentence and blocks Apply with it', () => {
  const result = fixture('daemon-estimate-refused');
  assert.ok(!result.fits);
  const view = estimateView({ kind: 'result', result });
  assert.equal(view.text, result.message);
  assert.equal(view.blocksApply, result.message);
});

test('daemons without the estimate capability: "estimate unavailable", Apply not blocked', () => {
  assert.equal(estimateApplies(welcome(['preview', 'colors'])), false);
  assert.equal(estimateApplies(null), false);
  assert.equal(estimateApplies(welcome(['estimate'])), true);
  const view = estimateView({ kind: 'unavailable' });
  assert.match(view.text, /^Estimate unavailable/);
  assert.equal(view.blocksApply, null);
});

test('the estimate request carries the size and options a stylize would, and parses as the protocol\'s', () => {
  const options = { ...DEFAULT_JOB_OPTIONS, quality: 'full' as const, fullSizeScale: 2 as const, iterations: 120, keepColors: true };
  const side = workingSideFor(options, 1200, 800);
  assert.equal(side, 2400);
  const message = buildEstimateRequest('est-1', 2400, 1600, options, welcome(['estimate', 'colors']));
  const parsed = parseClientMessage(message);
  assert.ok(parsed.ok, parsed.ok ? '' : parsed.message);
  assert.deepEqual([message.width, message.height, message.options?.width, message.options?.height], [2400, 1600, 2400, 1600]);
  assert.equal(message.options?.colors, 'content');
  assert.equal(message.options?.iterations, 120);
  assert.equal(workingSideFor({ ...DEFAULT_JOB_OPTIONS }, 1200, 800), DEFAULT_JOB_OPTIONS.size, 'other qualities keep their size');
});

test('only the answer to the estimate sent changes the estimate: its result, or its error; jobs\' messages pass on', () => {
  const result = fixture('daemon-estimate-result');
  const pending = { kind: 'pending' } as const;
  assert.deepEqual(estimateAfterReply(result, result.requestId, pending), { kind: 'result', result });
  // An answer to an earlier estimate (the options changed since) is not this one's.
  assert.equal(estimateAfterReply(result, 'est-2', pending), undefined);
  const error = { type: 'error', code: 'bad-options', message: 'No such preset.', requestId: 'est-3' } as const;
  assert.deepEqual(estimateAfterReply(error, 'est-3', pending), { kind: 'failed', message: 'No such preset.' });
  // A job's progress (it has a jobId, no requestId) is the job's.
  const progress = parseServerMessage(loadValidFixtures().find((v) => v.name === 'daemon-progress.json')?.fixture.message);
  assert.ok(progress.ok && progress.value.type === 'progress');
  assert.equal(estimateAfterReply(progress.value, 'est-3', pending), undefined);
});

test('the tracker asks once per size and options, shows only the latest answer, and says when the daemon cannot estimate', () => {
  const sent: EstimateMessage[] = [];
  const sender = { estimate: (m: EstimateMessage) => (sent.push(m), true) };
  const tracker = new EstimateTracker('t-');
  const w = welcome(['estimate']);
  tracker.request(512, 384, DEFAULT_JOB_OPTIONS, w, sender);
  tracker.request(512, 384, DEFAULT_JOB_OPTIONS, w, sender);
  assert.deepEqual(sent.map((m) => m.requestId), ['t-1'], 'the same job is asked once');
  assert.equal(tracker.text(), 'Estimating…');
  tracker.request(1024, 768, DEFAULT_JOB_OPTIONS, w, sender);
  assert.deepEqual(sent.map((m) => m.requestId), ['t-1', 't-2']);
  // The answer to the first request arrives late: not the latest, so not shown (and no job's).
  const answer = (requestId: string): EstimateResultMessage => ({ ...fixture('daemon-estimate-result'), requestId });
  assert.equal(tracker.take(answer('t-1')), false);
  assert.equal(tracker.text(), 'Estimating…');
  assert.equal(tracker.take(answer('t-2')), true);
  assert.match(tracker.text(), /3138 MB of 4096 MB/);
  assert.equal(tracker.blocksApply(), null);
  tracker.clear();
  assert.equal(tracker.state, null);
  assert.equal(tracker.text(), '');
  // A daemon without the capability is not asked; a client that cannot send says unavailable.
  tracker.request(512, 384, DEFAULT_JOB_OPTIONS, welcome([]), sender);
  assert.equal(sent.length, 2);
  assert.match(tracker.text(), /^Estimate unavailable/);
  tracker.request(640, 480, DEFAULT_JOB_OPTIONS, w, { estimate: () => false });
  assert.match(tracker.text(), /^Estimate unavailable/);
});

test('a masked job\'s estimate counts its region, only with a daemon that takes regions; a new count is a new ask', () => {
  const sent: EstimateMessage[] = [];
  const sender = { estimate: (m: EstimateMessage) => (sent.push(m), true) };
  const tracker = new EstimateTracker('r-');
  const w = welcome(['estimate', 'regions']);
  tracker.request(512, 384, DEFAULT_JOB_OPTIONS, w, sender);
  tracker.request(512, 384, DEFAULT_JOB_OPTIONS, w, sender, 1);
  tracker.request(512, 384, DEFAULT_JOB_OPTIONS, w, sender, 1);
  tracker.request(512, 384, DEFAULT_JOB_OPTIONS, w, sender, 0);
  assert.deepEqual(sent.map((m) => [m.requestId, m.regions]), [['r-1', undefined], ['r-2', 1], ['r-3', undefined]], 'the mask chosen, then none: each asked once');
  const masked = sent[1]!;
  const parsed = parseClientMessage(masked);
  assert.ok(parsed.ok && parsed.value.type === 'estimate' && parsed.value.regions === 1, 'the protocol\'s estimate.regions');
  // A daemon from before regions would refuse a masked job anyway: its estimate is the plain one.
  const old = buildEstimateRequest('o-1', 512, 384, DEFAULT_JOB_OPTIONS, welcome(['estimate']), 1);
  assert.equal('regions' in old, false);
});
