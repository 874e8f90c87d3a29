import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseClientFrame, encodeMessage, validFixtureSchema, type WelcomeMessage } from '../../protocol/index.ts';
import { PRESETS } from '../../daemon/engine/index.ts';
import { DEFAULT_JOB_OPTIONS, type JobOptions, type MainToUi } from '../../plugin/bridge/index.ts';
import { encodePng, paintPattern } from '../../plugin/fake-figma/index.ts';
import { DEFAULT_ENGINE_PRESET, QUALITY_PRESETS, STYLE_STRENGTH_BASE } from '../../plugin/limits.ts';
import { buildStylizeRequest, formatEta, frameFraction, strengthWeights } from '../../plugin/ui/index.ts';

const welcome = (validFixtureSchema.parse(JSON.parse(readFileSync(new URL('../../protocol/fixtures/valid/daemon-welcome.json', import.meta.url), 'utf8'))).message) as WelcomeMessage;

function job(options: JobOptions): Extract<MainToUi, { type: 'job' }> {
  const content = encodePng(64, 40, paintPattern(64, 40, [200, 100, 50], 'disc'));
  const style = encodePng(64, 64, paintPattern(64, 64, [20, 60, 200], 'stripes'));
  return {
    type: 'job', jobId: 'job-1-0', index: 0, total: 1, targetName: 'Hero', capNote: null, options,
    content: { png: content, width: 64, height: 40 }, style: { png: style, width: 64, height: 64 },
  };
}

test('a job becomes a stylize frame the daemon accepts: exported size, iterations, previews', () => {
  const { message, images } = buildStylizeRequest(job({ ...DEFAULT_JOB_OPTIONS, iterations: 7 }), welcome);
  const parsed = parseClientFrame(encodeMessage(message, images));
  assert.ok(parsed.ok, parsed.ok ? '' : parsed.message);
  const m = parsed.value.message;
  assert.ok(m.type === 'stylize');
  assert.equal(m.requestId, 'job-1-0');
  assert.equal(m.options?.width, 64);
  assert.equal(m.options?.height, 40);
  assert.equal(m.options?.iterations, 7);
  assert.equal(m.options?.preset, 'classic');
  assert.ok((m.options?.previewEvery ?? 0) > 0);
  assert.equal(m.options?.styleWeight, undefined, 'neutral strength leaves the preset weights alone');
});

test('style strength scales the style weight by ten per 25 points, only where the base is known', () => {
  const strong = strengthWeights({ ...DEFAULT_JOB_OPTIONS, preset: 'classic', styleStrength: 75 }, welcome);
  assert.deepEqual(strong, { contentWeight: STYLE_STRENGTH_BASE.contentWeight, styleWeight: STYLE_STRENGTH_BASE.styleWeight * 10 });
  const weak = strengthWeights({ ...DEFAULT_JOB_OPTIONS, preset: 'classic', styleStrength: 0 }, welcome);
  assert.ok(Math.abs(weak.styleWeight! - STYLE_STRENGTH_BASE.styleWeight / 100) < 1e-9);
  assert.deepEqual(strengthWeights({ ...DEFAULT_JOB_OPTIONS, preset: 'reference', styleStrength: 75 }, welcome), {});
  const torch = { ...welcome, engine: { ...welcome.engine, convention: 'torchvision' } };
  assert.deepEqual(strengthWeights({ ...DEFAULT_JOB_OPTIONS, preset: 'classic', styleStrength: 75 }, torch), {});
  const { message } = buildStylizeRequest(job({ ...DEFAULT_JOB_OPTIONS, styleStrength: 100 }), welcome);
  assert.equal(message.options?.styleWeight, STYLE_STRENGTH_BASE.styleWeight * 100);
});

test('an unknown preset is left to the daemon default rather than refused', () => {
  const { message } = buildStylizeRequest(job({ ...DEFAULT_JOB_OPTIONS, preset: 'gone' }), welcome);
  assert.equal(message.options?.preset, undefined);
});

test('the plugin\'s strength base and default preset mirror the engine presets', () => {
  const classic = PRESETS[STYLE_STRENGTH_BASE.preset];
  assert.ok(classic, 'the engine still has the preset the strength slider is based on');
  assert.equal(classic.tunedFor, STYLE_STRENGTH_BASE.convention);
  assert.equal(classic.options.contentWeight, STYLE_STRENGTH_BASE.contentWeight);
  assert.equal(classic.options.styleWeight, STYLE_STRENGTH_BASE.styleWeight);
  assert.ok(PRESETS[DEFAULT_ENGINE_PRESET]);
  // Every quality preset survives the engine's two-stage pyramid (first stage >= 16 px).
  for (const q of Object.values(QUALITY_PRESETS)) assert.ok(q.size / 2 ** (classic.options.stages - 1) >= 16);
});

test('ETA and progress read the way people expect', () => {
  assert.equal(formatEta(0.2), 'about 1 s left');
  assert.equal(formatEta(42), 'about 42 s left');
  assert.equal(formatEta(150), 'about 3 min left');
  assert.equal(formatEta(0), 'almost done');
  assert.equal(frameFraction(1, 2, 30, 60), 0.25);
  assert.equal(frameFraction(2, 2, 60, 60), 1);
});
