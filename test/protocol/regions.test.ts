import assert from 'node:assert/strict';
import { test } from 'node:test';
import sharp from 'sharp';
import { REGION_LIMITS } from '../../daemon/engine/index.ts';
import { LIMITS, encodeMessage, isScaledCopy, parseClientFrame, type ImageRef, type StylizeMessage } from '../../protocol/index.ts';

/** The protocol's side of masked regions (issue 31): its bounds, the shape rule, the frame's room. */

test('the widest feather the protocol accepts is the engine\'s own bound', () => {
  assert.equal(LIMITS.MAX_FEATHER_PX, REGION_LIMITS.maxFeatherPx);
});

test('isScaledCopy: the content\'s shape, or a copy scaled either way and rounded to whole pixels', () => {
  const content = { width: 101, height: 67 };
  assert.ok(isScaledCopy(content, content), 'the same size');
  assert.ok(isScaledCopy({ width: 202, height: 134 }, content), 'twice the size, exactly');
  // Half of 101x67 is 50.5x33.5: an editor's export rounds each side down or up.
  assert.ok(isScaledCopy({ width: 50, height: 33 }, content), 'half, rounded down');
  assert.ok(isScaledCopy({ width: 51, height: 34 }, content), 'half, rounded up');
  assert.ok(isScaledCopy({ width: 51, height: 33 }, content), 'half, one side up, one down');
  // 1/3 of 1000x750 is 333.3x250; of a 333x250 content, a 1000x750 mask is its 3x copy (rounded from a common original).
  assert.ok(isScaledCopy({ width: 333, height: 250 }, { width: 1000, height: 750 }), 'a third, smaller than the content');
  assert.ok(isScaledCopy({ width: 1000, height: 750 }, { width: 333, height: 250 }), 'the other direction: larger than the content');
  assert.ok(isScaledCopy({ width: 7, height: 7 }, { width: 4096, height: 4096 }), 'a tiny square of a square');
});

test('isScaledCopy refuses another aspect: the mask would be distorted onto the content', () => {
  assert.equal(isScaledCopy({ width: 100, height: 50 }, { width: 100, height: 100 }), false);
  assert.equal(isScaledCopy({ width: 48, height: 64 }, { width: 64, height: 48 }), false, 'portrait on landscape');
  assert.equal(isScaledCopy({ width: 52, height: 33 }, { width: 101, height: 67 }), false, 'one pixel more than any rounding of half');
  assert.equal(isScaledCopy({ width: 1000, height: 760 }, { width: 1000, height: 750 }), false, 'ten rows too many');
});

async function pngAsync(width: number, height: number): Promise<Uint8Array> {
  return new Uint8Array(await sharp(Buffer.alloc(width * height * 3, 90), { raw: { width, height, channels: 3 } }).png().toBuffer());
}

test('a frame has room for a full batch with a region each: every content and style image and one mask per content', async () => {
  const png = await pngAsync(4, 4);
  const ref = (id: string): ImageRef => ({ id, mime: 'image/png', width: 4, height: 4 });
  const contents = Array.from({ length: LIMITS.MAX_CONTENT_IMAGES }, (_, i) => `c${i}`);
  const styles = Array.from({ length: LIMITS.MAX_STYLE_IMAGES }, (_, i) => `s${i}`);
  const masks = Array.from({ length: LIMITS.MAX_REGIONS }, (_, i) => `m${i}`);
  const message: StylizeMessage = {
    type: 'stylize',
    requestId: 'full',
    content: contents.map(ref),
    styles: styles.map((id) => ({ image: ref(id), weight: 1 })),
    regions: masks.map((id, i) => ({ content: contents[i % contents.length]!, mask: ref(id) })),
  };
  const images = new Map([...contents, ...styles, ...masks].map((id) => [id, png]));
  const parsed = parseClientFrame(encodeMessage(message, images));
  assert.ok(parsed.ok, parsed.ok ? '' : parsed.message);
  assert.equal(parsed.value.images.size, LIMITS.MAX_CONTENT_IMAGES + LIMITS.MAX_STYLE_IMAGES + LIMITS.MAX_REGIONS);

  // One region more than MAX_REGIONS: refused by the message's bound, and one attachment more by the frame's.
  const over = { ...message, regions: [...message.regions!, { content: 'c0', mask: ref('m-extra') }] };
  const refused = parseClientFrame(encodeMessage(over, new Map([...images, ['m-extra', png]])));
  assert.equal(refused.ok, false);
  if (!refused.ok) assert.equal(refused.code, 'bad-frame', refused.message);
});
