import type { ExportSettingsImage, Rect, Transform } from '@figma/plugin-typings/plugin-api-standalone.js';
import { MAX_WORKING_SIDE } from '../limits.ts';
import type { MaskPlacement } from '../bridge/index.ts';
import { exportRegionOf, type ExportRegion } from './export-region.ts';
import type { HostSceneNode } from './figma-host.ts';
import { PluginError } from './plugin-error.ts';
import { pageOf } from './style-layers.ts';

/**
 * A mask (issue 31) is a layer's exported alpha placed on the source's render box. How the
 * pieces of Figma's API are used, and why:
 *  - the mask is exported on its own (`contentsOnly` defaults to true: "only the contents of the
 *    node", ExportSettingsImage) as a PNG, whose transparent pixels are where the shape is not:
 *    a rotated shape comes rotated inside its axis-aligned render box, an ellipse round, a shape
 *    with partial opacity partly opaque;
 *  - it covers `absoluteRenderBounds` ("the actual bounds of a node accounting for drop
 *    shadows, thick strokes…", LayoutMixin), the same page rectangle the export renders, so
 *    placing the image on that rectangle lines it up with the source's export, itself on the
 *    source's render box (export-region.ts), at the content export's scale;
 *  - a frame that clips its content (FrameNode.clipsContent) hides the part of the shape
 *    outside it, but the shape's own export does not know that: each such frame between the
 *    mask and the source is sent along as its (possibly rotated) outline, from its
 *    absoluteTransform, width and height, and the window cuts the mask to it. Frames around
 *    both the mask and the source cut neither export, so they are left alone;
 *  - the window composes the pixels (it has a canvas; the main code has no DOM).
 * Figma's own mask layers (isMask) and masks hidden by their own parent are not followed: the
 * layer is taken as drawn on its own.
 */

/** Whether `node` is `ancestor` or inside it. */
function isWithin(node: HostSceneNode, ancestor: HostSceneNode): boolean {
  for (let n: { id: string; parent: HostSceneNode['parent'] } | null = node; n; n = n.parent) if (n.id === ancestor.id) return true;
  return false;
}

/** Frames that cut the mask but not the source: from the mask up to the first frame around both. */
function clippingFramesOf(mask: HostSceneNode, source: HostSceneNode): HostSceneNode[] {
  const frames: HostSceneNode[] = [];
  for (let p = mask.parent; p && p.type !== 'PAGE' && p.type !== 'DOCUMENT'; p = p.parent) {
    // A parent that is not a page is a layer itself; HostParent is only the narrower view.
    const layer = p as unknown as HostSceneNode;
    if (layer.id !== source.id && isWithin(source, layer)) break;
    if (layer.clipsContent) frames.push(layer);
  }
  return frames;
}

function outlineOf(layer: HostSceneNode): Array<[number, number]> {
  const m: Transform | undefined = layer.absoluteTransform;
  if (!m) return [];
  const corners: Array<[number, number]> = [[0, 0], [layer.width, 0], [layer.width, layer.height], [0, layer.height]];
  return corners.map(([u, v]) => [m[0][0] * u + m[0][1] * v + m[0][2], m[1][0] * u + m[1][1] * v + m[1][2]]);
}

function boxAround(points: ReadonlyArray<readonly [number, number]>): Rect {
  const xs = points.map((p) => p[0]);
  const ys = points.map((p) => p[1]);
  const x = Math.min(...xs);
  const y = Math.min(...ys);
  return { x, y, width: Math.max(...xs) - x, height: Math.max(...ys) - y };
}

function overlap(a: Rect, b: Rect): Rect | null {
  const x = Math.max(a.x, b.x);
  const y = Math.max(a.y, b.y);
  const right = Math.min(a.x + a.width, b.x + b.width);
  const bottom = Math.min(a.y + a.height, b.y + b.height);
  return right > x && bottom > y ? { x, y, width: right - x, height: bottom - y } : null;
}

/**
 * Whether anything of the mask, as drawn (cut by its clipping frames), lies on the source's
 * render box. Boxes, not pixels: a ring around a frame passes here, and the window finds its
 * mask empty and says so before anything is sent.
 */
export function maskReaches(mask: HostSceneNode, source: HostSceneNode): boolean {
  const drawn = mask.absoluteRenderBounds;
  const region = exportRegionOf(source);
  // Bounds are page coordinates: a shape on another page is nowhere near the source.
  if (!drawn || !region || pageOf(mask)?.id !== pageOf(source)?.id) return false;
  let visible: Rect | null = overlap(drawn, region.bounds);
  for (const frame of clippingFramesOf(mask, source)) {
    if (!visible) break;
    visible = overlap(visible, boxAround(outlineOf(frame)));
  }
  return visible !== null;
}

/**
 * Runs the source's export with a mask inside it hidden, so that the shape marking the region
 * is not painted into the content; its visibility comes back whatever happens (the export
 * failing included). A mask outside the source is not in its export and is left alone.
 */
export async function withMaskLeftOutAsync<T>(mask: HostSceneNode | null, source: HostSceneNode, run: () => Promise<T>): Promise<T> {
  if (!mask || mask.id === source.id || !isWithin(mask, source) || !mask.visible) return run();
  mask.visible = false;
  try {
    return await run();
  } finally {
    mask.visible = true;
  }
}

/** The content export a mask is placed on: the region Figma rendered and the image's pixel size. */
export interface ContentExport {
  region: ExportRegion;
  width: number;
  height: number;
}

/**
 * Exports the mask and says where it goes on the content image (its pixels: the content's
 * size), with the outlines of the frames that cut it. The mask is exported at the content's
 * scale, less where that would pass Figma's image limit (the window stretches it to its box).
 */
export async function exportMaskAsync(mask: HostSceneNode, source: HostSceneNode, content: ContentExport): Promise<MaskPlacement> {
  const drawn = mask.absoluteRenderBounds;
  if (mask.removed || !mask.exportAsync || !drawn || !(drawn.width > 0 && drawn.height > 0)) {
    throw new PluginError('mask-missing', `The mask “${mask.name}” can no longer be exported (was it deleted or hidden?). Choose the mask again, or None.`);
  }
  const r = content.region.bounds;
  const sx = content.width / r.width;
  const sy = content.height / r.height;
  const landscape = drawn.width >= drawn.height;
  const side = Math.max(1, Math.min(MAX_WORKING_SIDE, Math.round((landscape ? drawn.width : drawn.height) * sx)));
  // WIDTH/HEIGHT as the content export uses, not SCALE: the scale a small frame at a big working size needs is beyond what Figma's export dialog offers (4×).
  const settings: ExportSettingsImage = { format: 'PNG', constraint: { type: landscape ? 'WIDTH' : 'HEIGHT', value: side } };
  let png: Uint8Array;
  try {
    png = await mask.exportAsync(settings);
  } catch (error) {
    throw new PluginError('export-failed', `Figma could not export the mask “${mask.name}” (${error instanceof Error ? error.message : String(error)}).`);
  }
  const toContent = ([x, y]: readonly [number, number]): [number, number] => [(x - r.x) * sx, (y - r.y) * sy];
  return {
    png,
    box: { x: (drawn.x - r.x) * sx, y: (drawn.y - r.y) * sy, width: drawn.width * sx, height: drawn.height * sy },
    clips: clippingFramesOf(mask, source).map((frame) => outlineOf(frame).map(toContent)),
  };
}
