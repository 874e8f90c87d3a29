import { tapOrder, VGG19_CONV_LAYERS } from './vgg-layers.ts';

/**
 * Where the tiles of a tiled loss evaluation (tiled-loss.ts) lie.
 *
 * Every window has the same size (one graph, one session per stage) and starts on a multiple
 * of `align`, the total stride of the deepest tap (16 below four pools), so each window's
 * 2×2 pools cut the image where the whole image's pools do. Each window owns a region (the
 * owned regions partition the image); between its owned region and any window edge inside the
 * image lies at least `halo` pixels, at least the receptive-field radius of the deepest tap, so
 * the activations over the owned region are exactly those of the whole image. At the image's
 * edges the window's edge is the image's, with the same zero padding.
 *
 * Along an axis of length L longer than the window: the window size W is the largest at most
 * the requested one with W ≡ L (mod align), so that the last window, which ends at L, also
 * starts on a multiple of `align`.
 */

/** A rectangle [top, bottom) × [left, right), in pixels. */
export interface PixelRect {
  top: number;
  left: number;
  bottom: number;
  right: number;
}

export interface TileWindow {
  /** The window's top-left corner in the image. */
  top: number;
  left: number;
  /** The region this window owns, in window coordinates. */
  own: PixelRect;
}

export interface TilePlan {
  height: number;
  width: number;
  windowHeight: number;
  windowWidth: number;
  halo: number;
  align: number;
  windows: TileWindow[];
}

const convsUpTo = (deepestTap: string) => VGG19_CONV_LAYERS.filter((l) => tapOrder(l.conv) <= tapOrder(deepestTap));

/** The deepest of `taps` (forward order). */
export function deepestOf(taps: readonly string[]): string {
  return taps.reduce((a, b) => (tapOrder(b) > tapOrder(a) ? b : a));
}

/** 2^(pools before the tap's block): how many input pixels one step of the tap spans. */
export function tapStride(tap: string): number {
  const conv = VGG19_CONV_LAYERS.find((l) => l.conv === tap || l.relu === tap);
  if (!conv) throw new RangeError(`Unknown VGG-19 layer "${tap}".`);
  return 2 ** (conv.block - 1);
}

/**
 * How far (in input pixels) an activation of the deepest tap reaches: each 3×3 convolution
 * adds one step of the current stride on each side, each 2×2/2 pool one more (a bound: its
 * window reaches one step on one side only).
 */
export function receptiveFieldRadius(deepestTap: string): number {
  let radius = 0;
  let step = 1;
  const convs = convsUpTo(deepestTap);
  for (const [i, l] of convs.entries()) {
    radius += step;
    if (l.poolAfter && i < convs.length - 1) {
      radius += step;
      step *= 2;
    }
  }
  return radius;
}

/** The smallest halo that keeps the owned regions exact: the radius, rounded up to `align`. */
export function exactHalo(taps: readonly string[]): number {
  const deepest = deepestOf(taps);
  const align = tapStride(deepest);
  return Math.ceil(receptiveFieldRadius(deepest) / align) * align;
}

interface AxisPlan {
  size: number;
  starts: number[];
  /** Owned intervals in image coordinates: [bounds[k], bounds[k + 1]). */
  bounds: number[];
}

/**
 * The smallest window side that owns something past its halos whatever the image's length:
 * two halos, one aligned step, and up to one more for the window's size ≡ length (mod align).
 */
export function minimumWindowSide(halo: number, align: number): number {
  return 2 * halo + 2 * align;
}

function planAxis(length: number, maxWindow: number, halo: number, align: number): AxisPlan {
  if (length <= maxWindow) return { size: length, starts: [0], bounds: [0, length] };
  const rest = length % align;
  const size = Math.floor((maxWindow - rest) / align) * align + rest;
  const maxStep = Math.floor((size - 2 * halo) / align) * align;
  if (maxStep < align) {
    throw new RangeError(`A window of ${maxWindow} px cannot hold two halos of ${halo} px; use at least ${minimumWindowSide(halo, align)} px.`);
  }
  const span = length - size;
  const n = Math.ceil(span / maxStep) + 1;
  const step = Math.ceil(span / (n - 1) / align) * align;
  const starts = Array.from({ length: n }, (_, k) => Math.min(k * step, span));
  const bounds = [0, ...starts.slice(1).map((s) => s + halo), length];
  return { size, starts, bounds };
}

/**
 * Windows of at most `maxWindowHeight` × `maxWindowWidth` pixels over a `height` × `width`
 * image. `halo` below exactHalo(taps) gives inexact results (the tests show it); `align` must
 * be the deepest tap's stride.
 */
export function planTiles(
  height: number,
  width: number,
  maxWindowHeight: number,
  maxWindowWidth: number,
  halo: number,
  align: number,
): TilePlan {
  const rows = planAxis(height, maxWindowHeight, halo, align);
  const cols = planAxis(width, maxWindowWidth, halo, align);
  const windows: TileWindow[] = [];
  for (const [r, top] of rows.starts.entries()) {
    for (const [c, left] of cols.starts.entries()) {
      windows.push({
        top,
        left,
        own: {
          top: rows.bounds[r] - top,
          bottom: rows.bounds[r + 1] - top,
          left: cols.bounds[c] - left,
          right: cols.bounds[c + 1] - left,
        },
      });
    }
  }
  return { height, width, windowHeight: rows.size, windowWidth: cols.size, halo, align, windows };
}

/**
 * A window's owned region at a tap of stride `stride`: its edges inside the image are
 * multiples of the stride; an edge at the window's end maps to the tap's last row or column
 * (⌊W / stride⌋, as the pools floor).
 */
export function rectAtStride(own: PixelRect, windowHeight: number, windowWidth: number, stride: number): PixelRect {
  const at = (v: number, size: number): number => (v === size ? Math.floor(size / stride) : v / stride);
  return {
    top: at(own.top, windowHeight),
    left: at(own.left, windowWidth),
    bottom: at(own.bottom, windowHeight),
    right: at(own.right, windowWidth),
  };
}

/** The rectangle `r` of an NCHW [c, h, w] array, as a compact [c, rh, rw] array. */
export function cropNchw(src: Float32Array, c: number, h: number, w: number, r: PixelRect): Float32Array {
  const [rh, rw] = [r.bottom - r.top, r.right - r.left];
  const out = new Float32Array(c * rh * rw);
  for (let k = 0; k < c; k++) {
    for (let y = 0; y < rh; y++) {
      const from = (k * h + r.top + y) * w + r.left;
      out.set(src.subarray(from, from + rw), (k * rh + y) * rw);
    }
  }
  return out;
}

/** The inverse of cropNchw: a compact [c, rh, rw] array written into its rectangle `r` of `dst` [c, h, w]. */
export function pasteNchw(dst: Float32Array, c: number, h: number, w: number, src: Float32Array, r: PixelRect): void {
  const [rh, rw] = [r.bottom - r.top, r.right - r.left];
  for (let k = 0; k < c; k++) {
    for (let y = 0; y < rh; y++) dst.set(src.subarray((k * rh + y) * rw, (k * rh + y + 1) * rw), (k * h + r.top + y) * w + r.left);
  }
}
