import { z } from 'zod';
import type { StyleLayer } from '../bridge/index.ts';
import { FILE_DATA_KEYS, MAX_MASK_LAYERS } from '../limits.ts';
import type { HostApi, HostSceneNode, SceneNodeType } from './figma-host.ts';
import { maskReaches } from './mask-export.ts';
import { sceneNodeByIdAsync } from './scene-node-by-id.ts';
import { whyNotExportable } from './selection.ts';
import { describeStyleLayerAsync, isImageBearing, pageOf } from './style-layers.ts';
import { readFileChoice, writeFileChoice } from './style-choice.ts';

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

/** The chain from the page down to `node` (each layer's parent first). */
function chainOf(node: HostSceneNode): Array<{ id: string; children?: ArrayLike<{ id: string }> }> {
  const chain: Array<{ id: string; children?: ArrayLike<{ id: string }> }> = [node];
  for (let p = node.parent; p; p = p.parent) chain.unshift(p);
  return chain;
}

/**
 * Whether `shape` is drawn over `target`: inside it, or later in their nearest common
 * container's children (a layer's children are drawn in order, back to front). A shape behind
 * the frame, such as a background, is not what a designer draws to mark part of it.
 */
function drawnOver(shape: HostSceneNode, target: HostSceneNode): boolean {
  const a = chainOf(shape);
  const b = chainOf(target);
  let i = 0;
  while (i < a.length && i < b.length && a[i]!.id === b[i]!.id) i++;
  if (i === b.length) return true; // the target holds the shape
  if (i === 0 || i === a.length) return false; // another page, or the shape holds the target
  const siblings = Array.from(a[i - 1]!.children ?? [], (c) => c.id);
  return siblings.indexOf(a[i]!.id) > siblings.indexOf(b[i]!.id);
}

/**
 * Shapes on the current page drawn over at least one target and reaching it, front-most first (the shape just
 * drawn over a frame is on top), at most MAX_MASK_LAYERS. Searched as the style list is
 * (findAllWithCriteria, hidden instance children skipped: a hidden layer is never a mask);
 * a shape behind the frames (a background) is not offered, though "Use selection" takes it;
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
      .filter((n) => whyNotMask(n, targets) === null && !isImageBearing(n) && n.getPluginData(sourceKey) === '' && targets.some((t) => drawnOver(n, t) && maskReaches(n, t)));
  } finally {
    api.skipInvisibleInstanceChildren = before;
  }
  const layers: StyleLayer[] = [];
  for (const node of found.reverse().slice(0, MAX_MASK_LAYERS)) layers.push(await describeStyleLayerAsync(node, pageOf(node)));
  return layers;
}

/** Kept with the file in `figma.root` plugin data, as the style choice is (style-choice.ts says why). */
const maskChoiceSchema = z.object({ nodeId: z.string().min(1).max(200) });

/** Null forgets the mask. */
export function saveMaskChoice(api: HostApi, node: HostSceneNode | null): void {
  writeFileChoice(api, FILE_DATA_KEYS.mask, node ? JSON.stringify({ nodeId: node.id } satisfies z.infer<typeof maskChoiceSchema>) : '');
}

/** The file's mask layer while it can still be exported; null otherwise (none chosen, deleted, hidden). */
export async function loadMaskChoiceAsync(api: HostApi): Promise<HostSceneNode | null> {
  const choice = readFileChoice(api, FILE_DATA_KEYS.mask, maskChoiceSchema);
  const node = choice ? await sceneNodeByIdAsync(api, choice.nodeId) : null;
  return node && whyNotExportable(node) === null ? node : null;
}
