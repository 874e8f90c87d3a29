import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildEstimateRequest, estimateApplies, estimateView } from '../../client/estimate.ts';
import { DEFAULT_JOB_OPTIONS, workingSideFor } from '../../client/job-options.ts';
import { parseClientMessage, parseServerMessage, type EstimateResultMessage, type WelcomeMessage } from '../../protocol/index.ts';
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
