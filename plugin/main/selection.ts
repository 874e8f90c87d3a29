import type { HostSceneNode } from './figma-host.ts';

export interface SkippedLayer {
  name: string;
  reason: string;
}

export interface SelectionTargets {
  targets: HostSceneNode[];
  skipped: SkippedLayer[];
}

/** True when the layer sits inside a component instance, where Figma forbids adding layers. */
export function isInsideInstance(node: HostSceneNode): boolean {
  for (let parent = node.parent; parent; parent = parent.parent) {
    if (parent.type === 'INSTANCE') return true;
  }
  return false;
}

/**
 * Why Figma cannot export a layer's pixels, or null when it can: all a style needs. A layer
 * inside an instance exports like any other; only adding layers there is refused.
 */
export function whyNotExportable(node: HostSceneNode): string | null {
  if (node.removed) return 'it was deleted';
  if (typeof node.exportAsync !== 'function') return 'Figma cannot export this kind of layer';
  if (!node.visible) return 'it is hidden';
  if (!(node.width > 0 && node.height > 0)) return 'it has no area';
  if (node.absoluteRenderBounds === null) return 'nothing of it is drawn';
  if (!node.parent) return 'it is not on a page';
  return null;
}

/** Why a selected layer cannot be stylised (exported, and its result put next to it), or null. */
export function whyNotStylisable(node: HostSceneNode): string | null {
  const reason = whyNotExportable(node);
  if (reason) return reason;
  if (isInsideInstance(node)) return 'it is inside a component instance (select the instance itself)';
  return null;
}

/** Splits the selection into layers that can be stylised and those that cannot, with reasons. */
export function collectTargets(selection: ReadonlyArray<HostSceneNode>): SelectionTargets {
  const targets: HostSceneNode[] = [];
  const skipped: SkippedLayer[] = [];
  const seen = new Set<string>();
  for (const node of selection) {
    if (seen.has(node.id)) continue;
    seen.add(node.id);
    const reason = whyNotStylisable(node);
    if (reason) skipped.push({ name: node.name, reason });
    else targets.push(node);
  }
  return { targets, skipped };
}
