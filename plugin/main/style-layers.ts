import type { Paint } from '@figma/plugin-typings/plugin-api-standalone.js';
import type { StyleLayer } from '../bridge/index.ts';
import { MAX_STYLE_LAYERS, THUMBNAIL_SIDE } from '../limits.ts';
import type { HostApi, HostPage, HostSceneNode } from './figma-host.ts';
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
 * Image-bearing layers of the file, current page first, at most MAX_STYLE_LAYERS. Other
 * pages are loaded one by one (dynamic-page access), stopping as soon as the list is full.
 */
export async function listStyleLayersAsync(api: HostApi, sourceKey: string): Promise<StyleLayer[]> {
  const pages = [api.currentPage, ...Array.from(api.root.children).filter((p) => p.id !== api.currentPage.id)];
  const found: { node: HostSceneNode; page: HostPage }[] = [];
  for (const page of pages) {
    if (found.length >= MAX_STYLE_LAYERS) break;
    if (page !== api.currentPage) await page.loadAsync();
    const nodes = page.findAll((n) => isImageBearing(n) && whyNotExportable(n) === null && !isAtelierResult(n, sourceKey));
    for (const node of nodes) {
      if (found.length >= MAX_STYLE_LAYERS) break;
      found.push({ node, page });
    }
  }
  const layers: StyleLayer[] = [];
  for (const { node, page } of found) layers.push(await describeStyleLayerAsync(node, page));
  return layers;
}
