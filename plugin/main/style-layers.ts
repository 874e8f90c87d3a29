import type { Paint } from '@figma/plugin-typings/plugin-api-standalone.js';
import type { StyleLayer } from '../bridge/index.ts';
import { MAX_STYLE_LAYERS, THUMBNAIL_SIDE } from '../limits.ts';
import type { HostApi, HostPage, HostSceneNode, SceneNodeType } from './figma-host.ts';
import { whyNotExportable } from './selection.ts';
import { exportRegionOf } from './export-region.ts';
import { thumbnailSettings } from './working-size.ts';

function isImagePaint(paint: Paint): boolean {
  return paint.type === 'IMAGE' && paint.visible !== false && paint.imageHash !== null;
}

/** A layer whose fills show an image (a photo, a painting): a natural style source. */
export function isImageBearing(node: HostSceneNode): boolean {
  const fills = node.fills;
  if (!Array.isArray(fills)) return false;
  return (fills as ReadonlyArray<Paint>).some(isImagePaint);
}

/** Never offer our own results as styles: they are derived images and would clutter the list. */
function isAtelierResult(node: HostSceneNode, sourceKey: string): boolean {
  return node.getPluginData(sourceKey) !== '';
}

/**
 * Exports a small PNG for the UI; null when Figma cannot render it (the list still shows the
 * name, so one odd layer does not hide the rest).
 */
export async function exportThumbnailAsync(node: HostSceneNode, side: number = THUMBNAIL_SIDE): Promise<Uint8Array | null> {
  const region = exportRegionOf(node);
  if (!node.exportAsync || !region) return null;
  try {
    return await node.exportAsync(thumbnailSettings(region, side));
  } catch {
    return null;
  }
}

export async function describeStyleLayerAsync(node: HostSceneNode, page: HostPage | null): Promise<StyleLayer> {
  return {
    id: node.id,
    name: node.name,
    pageName: page?.name ?? '',
    width: node.width,
    height: node.height,
    thumbnail: await exportThumbnailAsync(node),
  };
}

/** The page a layer lives on, by walking up its parents. */
export function pageOf(node: HostSceneNode): HostPage | null {
  let parent = node.parent;
  while (parent && parent.type !== 'PAGE') parent = parent.parent;
  return parent && parent.type === 'PAGE' ? (parent as HostPage) : null;
}

/**
 * Layer types whose fills can show an image (shapes, frames, components, instances): the
 * types findAllWithCriteria matches in the editor, so text, groups, lines and the rest never
 * become plugin objects. Text and sections with an image fill are rare enough to leave out.
 */
const IMAGE_FILL_TYPES: SceneNodeType[] = ['RECTANGLE', 'ELLIPSE', 'POLYGON', 'STAR', 'VECTOR', 'BOOLEAN_OPERATION', 'FRAME', 'COMPONENT', 'INSTANCE'];

/**
 * A page's style candidates, back to front. The page must be loaded (dynamic-page). Hidden
 * layers inside instances are skipped (skipInvisibleInstanceChildren: never a style, and
 * searching them is the slow part), for this synchronous search only: while the flag is on,
 * "accessing a property on an existing node object for an invisible node will throw"
 * (PluginAPI.skipInvisibleInstanceChildren), and the designer's selection may hold one.
 */
function styleCandidatesOn(api: HostApi, page: HostPage, sourceKey: string): HostSceneNode[] {
  const before = api.skipInvisibleInstanceChildren;
  api.skipInvisibleInstanceChildren = true;
  try {
    return page
      .findAllWithCriteria({ types: IMAGE_FILL_TYPES })
      .filter((n) => isImageBearing(n) && whyNotExportable(n) === null && !isAtelierResult(n, sourceKey));
  } finally {
    api.skipInvisibleInstanceChildren = before;
  }
}

export interface StyleListing {
  layers: StyleLayer[];
  /** Whether other pages were searched too (else only the current page was). */
  allPages: boolean;
  /** How many other pages the file has: what "show other pages" would add. */
  otherPages: number;
}

/**
 * Image-bearing layers, current page first, at most MAX_STYLE_LAYERS. Only the current page
 * unless `allPages`: loading and searching every page of a big file stalls Figma's main
 * thread, so the rest waits until the designer asks for it; those pages are loaded one by one
 * (dynamic-page access), stopping as soon as the list is full.
 */
export async function listStyleLayersAsync(api: HostApi, sourceKey: string, allPages: boolean): Promise<StyleListing> {
  const current = api.currentPage;
  const others = api.root.children.filter((p) => p.id !== current.id);
  const found: { node: HostSceneNode; page: HostPage }[] = [];
  for (const page of allPages ? [current, ...others] : [current]) {
    if (found.length >= MAX_STYLE_LAYERS) break;
    if (page !== current) await page.loadAsync();
    for (const node of styleCandidatesOn(api, page, sourceKey).slice(0, MAX_STYLE_LAYERS - found.length)) found.push({ node, page });
  }
  const layers: StyleLayer[] = [];
  for (const { node, page } of found) layers.push(await describeStyleLayerAsync(node, page));
  return { layers, allPages, otherPages: others.length };
}
