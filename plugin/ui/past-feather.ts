import { LIMITS, readPngSize } from '../../protocol/sandbox.ts';
import type { Placement } from '../bridge/index.ts';
import { clearOutside, keepPastPx, type Rgba } from '../../client/mask-pixels.ts';
import { rgbaAtSizeAsync, rgbaPngAsync } from '../../client/rgba-canvas.ts';
import { readPlacement } from '../bridge/index.ts';

/**
 * Issue 31: a masked job runs at the working size, where the daemon keeps the frame's pixels
 * past the feather; the result layer is then stretched over the frame, so there those pixels
 * would be a scaled-up, blurred copy of the frame covering the frame itself. The window makes
 * them transparent instead (client/mask-pixels.ts clearOutside), past the feather and one
 * working pixel, so the original — vectors, text, at any zoom — shows through unchanged.
 */

/** The mask the daemon got (compose-mask.ts: opaque grey, white = stylised) as a region: alpha = coverage. */
function regionOfGreyMask(mask: Rgba): Rgba {
  const data = new Uint8ClampedArray(mask.data.length);
  for (let i = 0; i < data.length; i += 4) data[i + 3] = mask.data[i]!;
  return { width: mask.width, height: mask.height, data };
}

const pngBlob = (bytes: Uint8Array) => new Blob([bytes as Uint8Array<ArrayBuffer>], { type: 'image/png' });

/**
 * The daemon's result with every pixel farther than `featherPx` + 1 (its own pixels: the job's
 * feather is in them) from the mask made transparent. `maskPng` is the mask the job was sent
 * with, drawn at the result's size should the two ever differ.
 */
export async function clearPastFeatherAsync(result: Uint8Array, maskPng: Uint8Array, featherPx: number): Promise<Uint8Array> {
  const size = readPngSize(result);
  if (!size) throw new Error('the result is not a PNG');
  const [pixels, mask] = await Promise.all([
    rgbaAtSizeAsync(pngBlob(result), size.width, size.height),
    rgbaAtSizeAsync(pngBlob(maskPng), size.width, size.height),
  ]);
  const side = Math.max(size.width, size.height);
  return rgbaPngAsync(clearOutside(pixels, regionOfGreyMask(mask), keepPastPx(featherPx, side, side)));
}

function toBase64(bytes: Uint8Array): string {
  let text = '';
  for (let i = 0; i < bytes.length; i += 0x8000) text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(text);
}

/**
 * The placement with the job's mask kept in its record (main/placement.ts `maskPng`), for a
 * result that finishes while the panel is closed; unchanged when the record would pass the
 * daemon's limit (a big or detailed mask): that result is then placed as the daemon made it.
 */
export function keepMaskInPlacement(placement: Placement, maskPng: Uint8Array): Placement {
  const record = readPlacement(placement.data);
  if (!record) return placement;
  const data = JSON.stringify({ ...record, maskPng: toBase64(maskPng) });
  return data.length <= LIMITS.MAX_PLACEMENT_DATA_CHARS ? { ...placement, data } : placement;
}

/** What a waiting result's record says of its mask: none, kept (its image and feather), or made with one that was not kept. */
export function maskOfPlacement(data: string): { kind: 'none' } | { kind: 'kept'; png: Uint8Array; featherPx: number } | { kind: 'lost' } {
  const record = readPlacement(data);
  if (!record?.maskNodeId) return { kind: 'none' };
  if (!record.maskPng) return { kind: 'lost' };
  return { kind: 'kept', png: Uint8Array.from(atob(record.maskPng), (c) => c.charCodeAt(0)), featherPx: record.options.edgeSoftness };
}
