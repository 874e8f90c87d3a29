import assert from 'node:assert/strict';
import { test } from 'node:test';
import sharp from 'sharp';
import { encodePngAsync, ImageError, readImageAsync } from '../../daemon/image/index.ts';

/** A 4×2 image whose left half is red and right half blue, so orientation is visible. */
async function halvesAsync(format: 'png' | 'jpeg' | 'webp', extra?: (s: sharp.Sharp) => sharp.Sharp): Promise<Buffer> {
  const raw = Buffer.alloc(4 * 2 * 3);
  for (let y = 0; y < 2; y++) for (let x = 0; x < 4; x++) raw.set(x < 2 ? [255, 0, 0] : [0, 0, 255], (y * 4 + x) * 3);
  let s = sharp(raw, { raw: { width: 4, height: 2, channels: 3 } });
  if (extra) s = extra(s);
  return s.toFormat(format, format === 'png' ? {} : { quality: 100 }).toBuffer();
}

async function refusesAsync(input: string | Uint8Array, code: string): Promise<void> {
  await assert.rejects(readImageAsync(input), (e: unknown) => e instanceof ImageError && e.code === code && e.message.length > 10);
}

test('PNG, JPEG and WebP decode to RGB at their own size', async () => {
  for (const format of ['png', 'jpeg', 'webp'] as const) {
    const img = await readImageAsync(await halvesAsync(format));
    assert.equal(img.format, format);
    assert.deepEqual([img.rgb.width, img.rgb.height, img.rgb.data.length], [4, 2, 24]);
    assert.ok(img.rgb.data[0] > 200 && img.rgb.data[2] < 60, `${format} left is red`);
    assert.ok(img.rgb.data[3 * 3 + 2] > 200, `${format} right is blue`);
    assert.equal(img.alpha, undefined);
  }
});

test('EXIF orientation is honoured (a photo tagged “rotate 90°” comes out upright)', async () => {
  const tagged = await halvesAsync('jpeg', (s) => s.withMetadata({ orientation: 6 }));
  const img = await readImageAsync(tagged);
  assert.deepEqual([img.rgb.width, img.rgb.height], [2, 4]);
  // Rotated 90° clockwise: the red left half is now on top.
  assert.ok(img.rgb.data[0] > 200 && img.rgb.data[2] < 60);
  assert.ok(img.rgb.data[(3 * 2 + 0) * 3 + 2] > 200);
});

test('alpha is split off to be re-applied, or composited on white', async () => {
  const rgba = Buffer.from([255, 0, 0, 0, 0, 255, 0, 255, 0, 0, 255, 128, 10, 20, 30, 255]);
  const png = await sharp(rgba, { raw: { width: 2, height: 2, channels: 4 } }).png().toBuffer();
  const kept = await readImageAsync(png, { alpha: 'keep' });
  assert.deepEqual(Array.from(kept.alpha!), [0, 255, 128, 255]);
  const flat = await readImageAsync(png, { alpha: 'composite' });
  assert.equal(flat.alpha, undefined);
  assert.deepEqual(Array.from(flat.rgb.data.slice(0, 3)), [255, 255, 255]);
  // The result PNG carries the source's alpha again.
  const out = await encodePngAsync(kept.rgb, { data: kept.alpha!, width: 2, height: 2 });
  const back = await sharp(out).raw().toBuffer({ resolveWithObject: true });
  assert.equal(back.info.channels, 4);
  assert.deepEqual([back.data[3], back.data[7], back.data[11]], [0, 255, 128]);
});

test('empty, undecodable, missing, unsupported and too-large images are refused with a code', async () => {
  await refusesAsync(new Uint8Array(), 'image-empty');
  await refusesAsync(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]), 'image-unreadable');
  await refusesAsync('/nonexistent/picture.png', 'image-unreadable');
  const truncatedPng = (await halvesAsync('png')).subarray(0, 40);
  await refusesAsync(truncatedPng, 'image-unreadable');
  const gif = await sharp({ create: { width: 2, height: 2, channels: 3, background: '#fff' } }).gif().toBuffer();
  await refusesAsync(gif, 'image-unsupported');
  const wide = await sharp({ create: { width: 16400, height: 1, channels: 3, background: '#fff' } }).png().toBuffer();
  await refusesAsync(wide, 'image-too-large');
});
