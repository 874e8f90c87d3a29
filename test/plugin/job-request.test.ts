/**
 * Issue 31: what the plugin window sends for a job with a mask (plugin/ui/job-request.ts). The
 * canvas part (compose-mask.ts) is ui-mask.test.ts's; here it is a stand-in returning a mask
 * image, and the request is checked with the protocol's own parser, as the daemon reads it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { LIMITS, REGIONS_CAPABILITY, encodeMessage, parseClientFrame, validFixtureSchema, type WelcomeMessage } from '../../protocol/index.ts';
import { DEFAULT_JOB_OPTIONS, type MainToUi } from '../../plugin/bridge/index.ts';
import { jobRequestAsync } from '../../plugin/ui/job-request.ts';
import type { ComposedMask } from '../../plugin/ui/compose-mask.ts';
import { maskOfPlacement } from '../../plugin/ui/past-feather.ts';
import type { Rgba } from '../../client/mask-pixels.ts';
import { JOBS_CAPABILITY } from '../../client/limits.ts';
import { readPlacement, type FigmaPlacement } from '../../plugin/main/placement.ts';
import { encodePng, paintPattern } from './fake-figma/index.ts';

const welcome = validFixtureSchema.parse(JSON.parse(readFileSync(new URL('../../protocol/fixtures/valid/daemon-welcome-ready.json', import.meta.url), 'utf8'))).message as WelcomeMessage;
const withRegions: WelcomeMessage = { ...welcome, capabilities: [...welcome.capabilities, REGIONS_CAPABILITY] };
const png = (w: number, h: number) => encodePng(w, h, paintPattern(w, h, [200, 100, 50], 'disc'));

/** A region of `width`×`height` covering a disc of radius `r` at (cx, cy), as compose-mask.ts hands it over (alpha = coverage). */
function disc(width: number, height: number, cx: number, cy: number, r: number): Rgba {
  const data = new Uint8ClampedArray(width * height * 4);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) if ((x - cx) ** 2 + (y - cy) ** 2 <= r * r) data[(y * width + x) * 4 + 3] = 255;
  return { width, height, data };
}

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
    return { image: { png: mask, width, height }, covers: true, region: disc(width, height, 10, 10, 5) };
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
    return { image: { png: png(width, height), width, height }, covers: false, region: disc(width, height, 0, 0, -1) };
  };
  const older = await jobRequestAsync(job(true), welcome, compose);
  assert.deepEqual(older, { kind: 'refused', code: 'regions-unsupported', message: 'This Atelier app cannot style part of a frame, so “Hero” was not sent. Update Atelier, or set Mask to None.' });
  assert.equal(composed, 0);
  const empty = await jobRequestAsync(job(true), withRegions, compose);
  assert.deepEqual(empty, { kind: 'refused', code: 'mask-empty', message: 'The mask covers none of “Hero”, so it was not sent. Move the shape over it, or set Mask to None.' });
});

const record: FigmaPlacement = {
  v: 1, sourceId: '1:2', sourceName: 'Hero', pageId: '0:1', region: { x: 0, y: 0, width: 320, height: 200 },
  styleNodeId: '1:3', styleName: 'Waves', options: { ...DEFAULT_JOB_OPTIONS, edgeSoftness: 12 }, maskNodeId: '1:4',
};
const keepsJobs: WelcomeMessage = { ...withRegions, capabilities: [...withRegions.capabilities, JOBS_CAPABILITY] };

test('the region goes with the job\'s placement record, so a result placed after the panel closed is cut the same way; the live result\'s cut is the region and feather sent', async () => {
  const region = disc(64, 40, 20, 18, 9);
  const compose = async (_p: unknown, width: number, height: number): Promise<ComposedMask> => ({ image: { png: png(width, height), width, height }, covers: true, region });
  const outcome = await jobRequestAsync({ ...job(true), placement: { document: 'file-1', label: 'Hero · Waves', data: JSON.stringify(record) } }, keepsJobs, compose);
  assert.ok(outcome.kind === 'send');
  assert.deepEqual(outcome.cut, { region, featherPx: 12 });
  const { message, images } = outcome.request;
  const parsed = parseClientFrame(encodeMessage(message, images));
  assert.ok(parsed.ok && parsed.value.message.type === 'stylize', parsed.ok ? '' : parsed.message);
  const data = parsed.value.message.placement!.data;
  // The record as the main code reads it when the daemon hands it back (place-waiting.ts).
  const read = readPlacement(data);
  assert.deepEqual({ ...read, keptMask: undefined }, { ...record, keptMask: undefined }, 'the rest of the record as it was');
  assert.equal(read?.keptMask?.scale, 1, 'a small region is kept exactly');
  const kept = maskOfPlacement(data);
  assert.ok(kept.kind === 'kept');
  assert.deepEqual(kept.cut, { region, featherPx: 12 });
});

test('a detailed region is kept pooled within the record\'s limit, covering at least every pixel it covered; a record without one, or a damaged one, says so', async () => {
  // Noise: every other pixel or so covered, too many runs to keep exactly.
  const width = 400;
  const height = 250;
  const noisy: Rgba = { width, height, data: new Uint8ClampedArray(width * height * 4).map((_, i) => (i % 4 === 3 && ((i * 2654435761) >>> 31) === 1 ? 255 : 0)) };
  const compose = async (): Promise<ComposedMask> => ({ image: { png: png(width, height), width, height }, covers: true, region: noisy });
  const outcome = await jobRequestAsync({ ...job(true), content: { png: png(width, height), width, height }, placement: { document: 'file-1', label: 'Hero · Waves', data: JSON.stringify(record) } }, keepsJobs, compose);
  assert.ok(outcome.kind === 'send');
  const parsed = parseClientFrame(encodeMessage(outcome.request.message, outcome.request.images));
  assert.ok(parsed.ok && parsed.value.message.type === 'stylize', parsed.ok ? '' : parsed.message);
  const data = parsed.value.message.placement!.data;
  assert.ok(data.length <= LIMITS.MAX_PLACEMENT_DATA_CHARS);
  const scale = readPlacement(data)?.keptMask?.scale ?? 0;
  assert.ok(scale > 1, `pooled (scale ${scale})`);
  const kept = maskOfPlacement(data);
  assert.ok(kept.kind === 'kept');
  for (let i = 3; i < noisy.data.length; i += 4) if (noisy.data[i]! > 0) assert.equal(kept.cut.region.data[i], 255, 'every covered pixel is still covered');

  assert.deepEqual(maskOfPlacement(JSON.stringify(record)), { kind: 'lost' }, 'an older panel\'s record: placed as the daemon made it, and the panel says so');
  const damaged = { ...record, keptMask: { width: 4, height: 4, scale: 1, runs: 'a.1' } };
  assert.deepEqual(maskOfPlacement(JSON.stringify(damaged)), { kind: 'lost' }, 'runs that do not fill the grid');
  const { maskNodeId: _, ...unmasked } = record;
  assert.deepEqual(maskOfPlacement(JSON.stringify(unmasked)), { kind: 'none' });
  assert.deepEqual(maskOfPlacement('not a record'), { kind: 'none' });
});
