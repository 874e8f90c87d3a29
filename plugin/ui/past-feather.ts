import { LIMITS, readPngSize } from '../../protocol/sandbox.ts';
import { clearOutside, keepPastPx, keepRegion, keptRegionPixels, type Rgba } from '../../client/mask-pixels.ts';
import { rgbaAtSizeAsync, rgbaPngAsync } from '../../client/rgba-canvas.ts';
import { readPlacement, type Placement } from '../bridge/index.ts';

/**
 * Issue 31: a masked job runs at the working size, where the daemon keeps the frame's pixels
 * past the feather; the result layer is then stretched over the frame, so there those pixels
 * would be a scaled-up, blurred copy of the frame covering the frame itself. The window makes
 * them transparent instead (client/mask-pixels.ts clearOutside), past the feather and one
 * working pixel, so the original — vectors, text, at any zoom — shows through unchanged.
 */

/** A masked result's cut: the region its mask covers (the result's size) and the feather it was sent with (result pixels). */
export interface ResultCut {
  region: Rgba;
  featherPx: number;
}

/**
 * The daemon's result with every pixel farther than the feather + 1 (in its own pixels: the
 * job's feather is in them) from the region made transparent.
 */
export async function clearPastFeatherAsync(result: Uint8Array, cut: ResultCut): Promise<Uint8Array> {
  const size = readPngSize(result);
  if (!size) throw new Error('the result is not a PNG');
  const pixels = await rgbaAtSizeAsync(new Blob([result as Uint8Array<ArrayBuffer>], { type: 'image/png' }), size.width, size.height);
  const side = Math.max(size.width, size.height);
  return rgbaPngAsync(clearOutside(pixels, cut.region, keepPastPx(cut.featherPx, side, side)));
}

/**
 * The placement with the job's region kept in its record (`keptMask`), for a result that
 * finishes while the panel is closed: as finely as the daemon's limit on the record allows
 * (pooled blocks widen the cut by less than a block); unchanged when even the coarsest does
 * not fit, and that result is then placed as the daemon made it.
 */
export function keepMaskInPlacement(placement: Placement, region: Rgba): Placement {
  const record = readPlacement(placement.data);
  if (!record) return placement;
  const room = LIMITS.MAX_PLACEMENT_DATA_CHARS - JSON.stringify({ ...record, keptMask: { width: region.width, height: region.height, scale: 99, runs: '' } }).length;
  const kept = keepRegion(region, room);
  return kept ? { ...placement, data: JSON.stringify({ ...record, keptMask: kept }) } : placement;
}

/** What a waiting result's record says of its mask: none, kept (its cut), or made with one that was not kept (or is damaged). */
export function maskOfPlacement(data: string): { kind: 'none' } | { kind: 'kept'; cut: ResultCut } | { kind: 'lost' } {
  const record = readPlacement(data);
  if (!record?.maskNodeId) return { kind: 'none' };
  const region = record.keptMask ? keptRegionPixels(record.keptMask) : null;
  return region ? { kind: 'kept', cut: { region, featherPx: record.options.edgeSoftness } } : { kind: 'lost' };
}
