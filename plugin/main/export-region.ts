import type { Rect } from '@figma/plugin-typings/plugin-api-standalone.js';
import type { HostParent, HostSceneNode } from './figma-host.ts';

/** What Figma will export of a layer, on the page, and the flag that makes it so. */
export interface ExportRegion {
  bounds: Rect;
  useAbsoluteBounds: boolean;
}

/**
 * The region exportAsync renders, so that the working size, the 4096 px cap and the result's
 * place all follow the pixels the designer sees: the render bounds (rotation, drop shadows,
 * outside strokes, children of an unclipped frame). Text is exported with useAbsoluteBounds,
 * its whole box, since its render bounds hug the glyphs and would crop or shift it. Null when
 * nothing is drawn (a hidden layer).
 */
export function exportRegionOf(node: HostSceneNode): ExportRegion | null {
  if (node.type === 'TEXT') {
    const box = node.absoluteBoundingBox;
    return box ? { bounds: box, useAbsoluteBounds: true } : null;
  }
  const bounds = node.absoluteRenderBounds;
  return bounds && bounds.width > 0 && bounds.height > 0 ? { bounds, useAbsoluteBounds: false } : null;
}

/**
 * Layers that a new sibling would become part of: in a boolean operation every child is an
 * operand (a rectangle there changes the shape), a component set takes only components, and
 * whatever is added to a main component becomes part of its definition, which every instance
 * of it shows ("changes to the main component are reflected in all its instances", Figma help,
 * "Guide to components"). A stylised copy of one layer of a button is a one-off picture, not a
 * new part of every button in the file, so it goes above the component, over the same spot,
 * where the designer sees it at once and can drag it in if that is really meant. Refusing
 * instead would make layers inside components impossible to stylise at all.
 */
function absorbsChildren(parent: HostParent): boolean {
  return parent.type === 'BOOLEAN_OPERATION' || parent.type === 'COMPONENT_SET' || parent.type === 'COMPONENT';
}

/** The layer the result goes directly above: the source, or its outermost such ancestor. */
export function resultAnchorOf(source: HostSceneNode): HostSceneNode {
  let anchor = source;
  for (let p = source.parent; p && p.type !== 'PAGE' && p.type !== 'DOCUMENT'; p = p.parent) {
    // A parent that is not a page is a layer itself; HostParent is only the narrower view.
    if (absorbsChildren(p)) anchor = p as unknown as HostSceneNode;
  }
  return anchor;
}

/**
 * The container whose space a child of `parent` is positioned in: x/y and relativeTransform
 * are relative to the nearest ancestor that is not a group or boolean operation.
 */
export function coordinateContainerOf(parent: HostParent): HostParent {
  let p: HostParent | null = parent;
  while (p && (p.type === 'GROUP' || p.type === 'BOOLEAN_OPERATION')) p = p.parent;
  return p ?? parent;
}
