import type { JobOptions } from '../bridge/index.ts';
import { FIGMA_MAX_IMAGE_SIDE, PLUGIN_DATA_KEYS } from '../limits.ts';
import { readPngSize } from '../../protocol/sandbox.ts';
import type { Rect, Transform } from '@figma/plugin-typings/plugin-api-standalone.js';
import { coordinateContainerOf, resultAnchorOf } from './export-region.ts';
import type { HostApi, HostPage, HostParent, HostRectangle, HostSceneNode } from './figma-host.ts';
import { PluginError } from './plugin-error.ts';
import { RELAUNCH_COMMANDS } from './commands.ts';
import { relaunchDescription, resultName } from './result-name.ts';
import { isInsideInstance } from './selection.ts';
import { IDENTITY_TRANSFORM, invertTransform, multiplyTransforms, translation } from './transform.ts';

export interface InsertRequest {
  source: HostSceneNode;
  /** The page region the job's pixels were exported from (export-region.ts). */
  region: Rect;
  styleNodeId: string;
  styleName: string;
  options: JobOptions;
  png: Uint8Array;
  /** The mask layer it was made with (issue 31), so that "Re-apply style" uses it again; absent: none. */
  maskNodeId?: string;
}

/** A result whose source was deleted while it waited in Atelier: what is left of its request. */
export type OrphanRequest = Omit<InsertRequest, 'source'> & { sourceId: string; sourceName: string };

function indexInParent(node: HostSceneNode): number {
  const siblings = node.parent?.children;
  if (!siblings) return -1;
  for (let i = 0; i < siblings.length; i++) if (siblings[i]?.id === node.id) return i;
  return -1;
}

/** Everything that can go wrong is checked before the document is touched. */
function checkInsertable(source: HostSceneNode, png: Uint8Array): void {
  if (source.removed || !source.parent) {
    throw new PluginError('source-removed', `“${source.name}” was deleted while it was being stylised, so nothing was added.`);
  }
  if (isInsideInstance(source)) {
    throw new PluginError('inside-instance', `“${source.name}” is inside a component instance, where Figma does not allow new layers. Select the instance itself.`);
  }
  checkImage(png);
}

function checkImage(png: Uint8Array): void {
  const size = readPngSize(png);
  if (!size) throw new PluginError('bad-result', 'The daemon sent back an image Figma cannot read, so nothing was added. Try again.');
  if (Math.max(size.width, size.height) > FIGMA_MAX_IMAGE_SIDE) {
    throw new PluginError('too-large', `The result is ${size.width}×${size.height} px; Figma images are at most ${FIGMA_MAX_IMAGE_SIDE} px on their longest side. Pick a smaller size.`);
  }
}

/**
 * Puts the result into a new rectangle with an image fill that covers exactly the region its
 * pixels were exported from (shadows, rotation and overflowing children included), directly
 * above the source in the same parent — or above the outermost boolean operation, component
 * set or main component around it, where a new layer would become an operand, be refused, or
 * appear in every instance (export-region.ts). The source is never
 * modified. The whole insertion is one undo step; if any step fails, the half-made layer is
 * removed again.
 */
export function insertResult(api: HostApi, request: InsertRequest): HostRectangle {
  const { source, png, region } = request;
  checkInsertable(source, png);
  const anchor = resultAnchorOf(source);
  const parent = anchor.parent!;
  // The region is on the page; the rectangle is positioned in its container's space, which
  // may be moved or rotated.
  const container = coordinateContainerOf(parent);
  const toContainer = invertTransform(container.absoluteTransform ?? IDENTITY_TRANSFORM);
  return placeRect(api, parent, indexInParent(anchor) + 1, multiplyTransforms(toContainer, translation(region.x, region.y)), {
    ...request,
    sourceId: source.id,
    sourceName: source.name,
  });
}

/**
 * A waiting result whose source is gone, as a new layer at the top of `page`, covering the
 * region its pixels came from (page coordinates), the designer having asked for it.
 */
export function insertOrphanResult(api: HostApi, page: HostPage, request: OrphanRequest): HostRectangle {
  checkImage(request.png);
  return placeRect(api, page, page.children.length, translation(request.region.x, request.region.y), request);
}

function placeRect(api: HostApi, parent: HostParent, index: number, transform: Transform, request: OrphanRequest): HostRectangle {
  const { png, region } = request;
  // createImage validates the bytes; doing it first means a bad image leaves no trace.
  const image = api.createImage(png);
  // Close whatever the designer did before, so that one undo removes exactly this result.
  api.commitUndo();
  const rect = api.createRectangle();
  try {
    rect.name = resultName(request.sourceName, request.styleName);
    rect.resize(region.width, region.height);
    rect.fills = [{ type: 'IMAGE', imageHash: image.hash, scaleMode: 'FILL' }];
    parent.insertChild(index, rect);
    // In an auto-layout parent a new child would join the flow and push its siblings around.
    if (parent.layoutMode !== undefined && parent.layoutMode !== 'NONE') rect.layoutPositioning = 'ABSOLUTE';
    rect.relativeTransform = transform;
    rect.setPluginData(PLUGIN_DATA_KEYS.source, request.sourceId);
    rect.setPluginData(PLUGIN_DATA_KEYS.style, request.styleNodeId);
    rect.setPluginData(PLUGIN_DATA_KEYS.options, JSON.stringify(request.options));
    if (request.maskNodeId) rect.setPluginData(PLUGIN_DATA_KEYS.mask, request.maskNodeId);
    rect.setRelaunchData({
      [RELAUNCH_COMMANDS.restyle]: relaunchDescription(request.sourceName, request.styleName),
    });
  } catch (error) {
    rect.remove();
    throw error instanceof PluginError
      ? error
      : new PluginError('insert-failed', `Figma did not accept the result layer (${error instanceof Error ? error.message : String(error)}), so nothing was added.`);
  }
  api.commitUndo();
  return rect;
}
