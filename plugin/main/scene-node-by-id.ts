import type { HostApi, HostSceneNode } from './figma-host.ts';

/** The layer with this id on any page (loading it), or null for a page, the document or a deleted layer. */
export async function sceneNodeByIdAsync(api: HostApi, id: string): Promise<HostSceneNode | null> {
  const node = await api.getNodeByIdAsync(id);
  if (!node || node.type === 'PAGE' || node.type === 'DOCUMENT') return null;
  return node.removed ? null : node;
}
