import { z } from 'zod';
import type { StyleLayer } from '../bridge/index.ts';
import { FILE_DATA_KEYS, MAX_MASK_LAYERS } from '../limits.ts';
import type { HostApi, HostSceneNode, SceneNodeType } from './figma-host.ts';
import { maskReaches } from './mask-export.ts';
import { sceneNodeByIdAsync } from './scene-node-by-id.ts';
import { whyNotExportable } from './selection.ts';
import { describeStyleLayerAsync, isImageBearing, pageOf } from './style-layers.ts';

/**
 * Shapes and vectors, the layers a designer draws to mark a region (issue 31): what the panel
 * offers as masks. Any other exportable layer (a group of shapes, text) can still be the mask
 * through "Use selection as mask".
 */
const MASK_TYPES: SceneNodeType[] = ['RECTANGLE', 'ELLIPSE', 'POLYGON', 'STAR', 'VECTOR', 'BOOLEAN_OPERATION'];

/** Whether `node` is one of `targets` or holds one: a mask marks part of a layer, never the layer itself. */
function holdsTarget(node: HostSceneNode, targets: ReadonlyArray<HostSceneNode>): boolean {
  return targets.some((t) => {
    for (let n: { id: string; parent: HostSceneNode['parent'] } | null = t; n; n = n.parent) if (n.id === node.id) return true;
    return false;
  });
}

/** Why a layer cannot be the mask for these targets, or null. */
export function whyNotMask(node: HostSceneNode, targets: ReadonlyArray<HostSceneNode>): string | null {
  const reason = whyNotExportable(node);
  if (reason) return reason;
  if (holdsTarget(node, targets)) return 'it is a layer to stylise (a mask is a shape over part of it)';
  return null;
}

/**
 * Shapes on the current page that reach at least one target, front-most first (the shape just
 * drawn over a frame is on top), at most MAX_MASK_LAYERS. Searched as the style list is
 * (findAllWithCriteria, hidden instance children skipped: a hidden layer is never a mask);
 * Atelier's own results and image layers (styles, photos) are left out.
 */
export async function listMaskLayersAsync(api: HostApi, targets: ReadonlyArray<HostSceneNode>, sourceKey: string): Promise<StyleLayer[]> {
  if (targets.length === 0) return [];
  const page = api.currentPage;
  const before = api.skipInvisibleInstanceChildren;
  api.skipInvisibleInstanceChildren = true;
  let found: HostSceneNode[];
  try {
    found = page
      .findAllWithCriteria({ types: MASK_TYPES })
      .filter((n) => whyNotMask(n, targets) === null && !isImageBearing(n) && n.getPluginData(sourceKey) === '' && targets.some((t) => maskReaches(n, t)));
  } finally {
    api.skipInvisibleInstanceChildren = before;
  }
  const layers: StyleLayer[] = [];
  for (const node of found.reverse().slice(0, MAX_MASK_LAYERS)) layers.push(await describeStyleLayerAsync(node, pageOf(node)));
  return layers;
}

/** Kept with the file in `figma.root` plugin data, as the style choice is (style-choice.ts says why). */
const maskChoiceSchema = z.object({ nodeId: z.string().min(1).max(200) });

/** Writes only a change (the document is shared); null forgets the mask. */
export function saveMaskChoice(api: HostApi, node: HostSceneNode | null): void {
  const text = node ? JSON.stringify({ nodeId: node.id } satisfies z.infer<typeof maskChoiceSchema>) : '';
  if (api.root.getPluginData(FILE_DATA_KEYS.mask) !== text) api.root.setPluginData(FILE_DATA_KEYS.mask, text);
}

/** The file's mask layer while it can still be exported; null otherwise (none chosen, deleted, hidden). */
export async function loadMaskChoiceAsync(api: HostApi): Promise<HostSceneNode | null> {
  let raw: unknown;
  try {
    raw = JSON.parse(api.root.getPluginData(FILE_DATA_KEYS.mask));
  } catch {
    return null; // No mask in this file ("" is no JSON).
  }
  const parsed = maskChoiceSchema.safeParse(raw);
  if (!parsed.success) return null;
  const node = await sceneNodeByIdAsync(api, parsed.data.nodeId);
  return node && whyNotExportable(node) === null ? node : null;
}
