/**
 * Issue 31: what the plugin window sends for a job with a mask (plugin/ui/job-request.ts). The
 * canvas part (compose-mask.ts) is ui-mask.test.ts's; here it is a stand-in returning a mask
 * image, and the request is checked with the protocol's own parser, as the daemon reads it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { REGIONS_CAPABILITY, encodeMessage, parseClientFrame, validFixtureSchema, type WelcomeMessage } from '../../protocol/index.ts';
import { DEFAULT_JOB_OPTIONS, type MainToUi } from '../../plugin/bridge/index.ts';
import { jobRequestAsync } from '../../plugin/ui/job-request.ts';
import type { ComposedMask } from '../../plugin/ui/compose-mask.ts';
import { encodePng, paintPattern } from './fake-figma/index.ts';

const welcome = validFixtureSchema.parse(JSON.parse(readFileSync(new URL('../../protocol/fixtures/valid/daemon-welcome-ready.json', import.meta.url), 'utf8'))).message as WelcomeMessage;
const withRegions: WelcomeMessage = { ...welcome, capabilities: [...welcome.capabilities, REGIONS_CAPABILITY] };
const png = (w: number, h: number) => encodePng(w, h, paintPattern(w, h, [200, 100, 50], 'disc'));

function job(masked: boolean): Extract<MainToUi, { type: 'job' }> {
  return {
    type: 'job', jobId: 'job-1-0', index: 0, total: 1, targetName: 'Hero', capNote: null,
    options: { ...DEFAULT_JOB_OPTIONS, edgeSoftness: 12 },
    content: { png: png(64, 40), width: 64, height: 40 }, style: { png: png(64, 64), width: 64, height: 64 },
    placement: { document: 'file-1', label: 'Hero · Waves', data: '{}' },
    ...(masked ? { maskPlacement: { png: png(10, 10), box: { x: 5, y: 5, width: 10, height: 10 }, clips: [] } } : {}),
  };
}

test('a job with a mask: the composed mask goes as the content\'s one region, with the edge softness as the feather', async () => {
  const mask = png(64, 40);
  const asked: unknown[] = [];
  const compose = async (placement: unknown, width: number, height: number): Promise<ComposedMask> => {
    asked.push({ placement, width, height });
    return { image: { png: mask, width, height }, covers: true };
  };
  const outcome = await jobRequestAsync(job(true), withRegions, compose);
  assert.equal(outcome.kind, 'send');
  assert.deepEqual(asked, [{ placement: job(true).maskPlacement, width: 64, height: 40 }], 'composed at the content\'s size');
  const { message, images } = outcome.kind === 'send' ? outcome.request : assert.fail();
  const parsed = parseClientFrame(encodeMessage(message, images));
  assert.ok(parsed.ok, parsed.ok ? '' : parsed.message);
  const sent = parsed.value.message;
  assert.ok(sent.type === 'stylize');
  assert.equal(sent.regions?.length, 1);
  assert.equal(sent.regions[0]!.content, sent.content[0]!.id);
  assert.deepEqual([sent.regions[0]!.mask.width, sent.regions[0]!.mask.height], [64, 40]);
  assert.deepEqual(parsed.value.images.get(sent.regions[0]!.mask.id), mask);
  assert.equal(sent.featherPx, 12);

  const plain = await jobRequestAsync(job(false), withRegions, compose);
  assert.ok(plain.kind === 'send');
  assert.equal(plain.request.message.regions, undefined, 'no mask: the whole frame, no feather');
  assert.equal(plain.request.message.featherPx, undefined);
});

test('a daemon without regions gets nothing (it would paint the whole frame); an empty mask sends nothing', async () => {
  let composed = 0;
  const compose = async (_p: unknown, width: number, height: number): Promise<ComposedMask> => {
    composed++;
    return { image: { png: png(width, height), width, height }, covers: false };
  };
  const older = await jobRequestAsync(job(true), welcome, compose);
  assert.deepEqual(older, { kind: 'refused', code: 'regions-unsupported', message: 'This Atelier app cannot style part of a frame, so “Hero” was not sent. Update Atelier, or set Mask to None.' });
  assert.equal(composed, 0);
  const empty = await jobRequestAsync(job(true), withRegions, compose);
  assert.deepEqual(empty, { kind: 'refused', code: 'mask-empty', message: 'The mask covers none of “Hero”, so it was not sent. Move the shape over it, or set Mask to None.' });
});
