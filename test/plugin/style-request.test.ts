import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { LIMITS, parseClientFrame, encodeMessage, validFixtureSchema, type WelcomeMessage } from '../../protocol/index.ts';
import { DEFAULT_PRESET, PRESETS } from '../../daemon/engine/index.ts';
import { DEFAULT_JOB_OPTIONS, jobOptionsSchema, type JobOptions, type MainToUi } from '../../plugin/bridge/index.ts';
import { encodePng, paintPattern } from './fake-figma/index.ts';
import { DEFAULT_ENGINE_PRESET, QUALITY_PRESETS } from '../../client/limits.ts';
import { buildStylizeRequest, formatEta, frameFraction, strengthOverride, styleScaleFor } from '../../client/index.ts';

const fixture = (name: string) =>
  validFixtureSchema.parse(JSON.parse(readFileSync(new URL(`../../protocol/fixtures/valid/${name}`, import.meta.url), 'utf8'))).message as WelcomeMessage;
/** A daemon that takes styleScale, and one from before it (no capability). */
const welcome = fixture('daemon-welcome-ready.json');
const olderWelcome = fixture('daemon-welcome.json');

function job(options: JobOptions): Extract<MainToUi, { type: 'job' }> {
  const content = encodePng(64, 40, paintPattern(64, 40, [200, 100, 50], 'disc'));
  const style = encodePng(64, 64, paintPattern(64, 64, [20, 60, 200], 'stripes'));
  return {
    type: 'job', jobId: 'job-1-0', index: 0, total: 1, targetName: 'Hero', capNote: null, options,
    content: { png: content, width: 64, height: 40 }, style: { png: style, width: 64, height: 64 },
    placement: { document: 'file-1', label: 'Hero · Waves', data: '{}' },
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
  assert.equal(m.options?.preset, DEFAULT_ENGINE_PRESET);
  assert.equal(m.options?.previewEvery, undefined, 'previews follow the daemon’s configured interval');
  assert.equal(m.options?.styleWeight, undefined, 'neutral strength leaves the preset weights alone');
});

test('style strength is a relative styleScale: 1 at 50, geometric to the protocol bounds at 0 and 100', () => {
  assert.equal(styleScaleFor(50), 1);
  assert.ok(Math.abs(styleScaleFor(100) - LIMITS.MAX_STYLE_SCALE) < 1e-9);
  assert.ok(Math.abs(styleScaleFor(0) - LIMITS.MIN_STYLE_SCALE) < 1e-9);
  assert.ok(Math.abs(styleScaleFor(75) * styleScaleFor(25) - 1) < 1e-9, 'symmetric around 50');
  assert.ok(styleScaleFor(60) > 1 && styleScaleFor(60) < styleScaleFor(70), 'monotonic');
  assert.deepEqual(strengthOverride({ ...DEFAULT_JOB_OPTIONS, styleStrength: 50 }, welcome), {}, 'neutral sends nothing');
  // Any preset: the daemon applies the scale to that preset's own weight.
  for (const preset of ['classic', 'reference']) {
    const { message, images } = buildStylizeRequest(job({ ...DEFAULT_JOB_OPTIONS, preset, styleStrength: 100 }), welcome);
    assert.ok(Math.abs((message.options?.styleScale ?? 0) - LIMITS.MAX_STYLE_SCALE) < 1e-9, preset);
    assert.equal(message.options?.styleWeight, undefined, 'no absolute weights are sent');
    assert.equal(message.options?.contentWeight, undefined);
    const parsed = parseClientFrame(encodeMessage(message, images));
    assert.ok(parsed.ok, parsed.ok ? '' : parsed.message);
  }
  // A daemon from before styleScale would refuse the option: nothing is sent (the UI says why).
  assert.deepEqual(strengthOverride({ ...DEFAULT_JOB_OPTIONS, styleStrength: 90 }, olderWelcome), {});
});

test('an unknown preset is left to the daemon default rather than refused', () => {
  const { message } = buildStylizeRequest(job({ ...DEFAULT_JOB_OPTIONS, preset: 'gone' }), welcome);
  assert.equal(message.options?.preset, undefined);
});

test('the plugin\'s default preset is the engine\'s, and its quality sizes survive its pyramid', () => {
  // The client cannot import the engine: this is what keeps the two defaults one.
  assert.equal(DEFAULT_ENGINE_PRESET, DEFAULT_PRESET);
  const preset = PRESETS[DEFAULT_ENGINE_PRESET];
  assert.ok(preset);
  // Every quality preset survives the engine's pyramid (first stage >= 16 px).
  for (const q of Object.values(QUALITY_PRESETS)) assert.ok(q.size / preset.options.scale ** (preset.options.stages - 1) >= 16);
});

test('saved options follow the default preset unless the designer chose one', () => {
  // Settings saved before the default changed carry the old default, not a choice.
  const saved = { ...DEFAULT_JOB_OPTIONS, preset: 'classic' } as Record<string, unknown>;
  delete saved.presetChosen;
  assert.equal(jobOptionsSchema.parse(saved).preset, DEFAULT_ENGINE_PRESET);
  assert.equal(jobOptionsSchema.parse({ ...saved, presetChosen: false }).preset, DEFAULT_ENGINE_PRESET);
  const chosen = jobOptionsSchema.parse({ ...saved, presetChosen: true });
  assert.equal(chosen.preset, 'classic');
  // Read back again (the bridge parses the same options twice), a choice stays a choice.
  assert.equal(jobOptionsSchema.parse(chosen).preset, 'classic');
});

test('ETA and progress read the way people expect', () => {
  assert.equal(formatEta(0.2), 'about 1 s left');
  assert.equal(formatEta(42), 'about 42 s left');
  assert.equal(formatEta(150), 'about 3 min left');
  assert.equal(formatEta(0), 'almost done');
  assert.equal(frameFraction(1, 2, 30, 60), 0.25);
  assert.equal(frameFraction(2, 2, 60, 60), 1);
});

test('"Keep original colours" sends colors: content to daemons that take it, nothing to older ones', () => {
  const withColors = { ...welcome, capabilities: [...welcome.capabilities, 'colors'] };
  const on = { ...DEFAULT_JOB_OPTIONS, keepColors: true };
  const { message, images } = buildStylizeRequest(job(on), withColors);
  assert.equal(message.options?.colors, 'content');
  const parsed = parseClientFrame(encodeMessage(message, images));
  assert.ok(parsed.ok, parsed.ok ? '' : parsed.message);
  assert.equal(buildStylizeRequest(job(DEFAULT_JOB_OPTIONS), withColors).message.options?.colors, undefined, 'off: the style’s colours');
  // A daemon from before `colors` refuses unknown options: the switch is not sent (the UI says why).
  assert.equal(buildStylizeRequest(job(on), welcome).message.options?.colors, undefined);
});
