import { z } from 'zod';
import { FILE_DATA_KEYS } from '../limits.ts';
import type { HostApi, HostSceneNode } from './figma-host.ts';
import { sceneNodeByIdAsync } from './scene-node-by-id.ts';
import { whyNotExportable } from './selection.ts';
import { isImageBearing } from './style-layers.ts';

/**
 * The style layer chosen in a file, kept with that file in `figma.root`'s plugin data. Node
 * ids such as `12:34` repeat across files, so a choice in clientStorage (per user and
 * machine) would show another file's unrelated layer as the style. Read through zod: the
 * document is shared and older versions may have written something else.
 */
const styleChoiceSchema = z.object({
  nodeId: z.string().min(1).max(200),
  /** It showed an image when chosen; once its image fill is gone it is not the style picked. */
  image: z.boolean(),
});

/** Writes only a change: the document is shared, and every run would otherwise edit it. */
export function saveStyleChoice(api: HostApi, node: HostSceneNode): void {
  const choice: z.infer<typeof styleChoiceSchema> = { nodeId: node.id, image: isImageBearing(node) };
  const text = JSON.stringify(choice);
  if (api.root.getPluginData(FILE_DATA_KEYS.style) !== text) api.root.setPluginData(FILE_DATA_KEYS.style, text);
}

/** The file's chosen style layer while it can still serve as one; null otherwise. */
export async function loadStyleChoiceAsync(api: HostApi): Promise<HostSceneNode | null> {
  let raw: unknown;
  try {
    raw = JSON.parse(api.root.getPluginData(FILE_DATA_KEYS.style));
  } catch {
    return null; // Nothing chosen in this file yet ("" is no JSON).
  }
  const parsed = styleChoiceSchema.safeParse(raw);
  if (!parsed.success) return null;
  const node = await sceneNodeByIdAsync(api, parsed.data.nodeId);
  if (!node || whyNotExportable(node) !== null) return null;
  return parsed.data.image && !isImageBearing(node) ? null : node;
}
