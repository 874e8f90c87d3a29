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

/**
 * Writes a choice kept with the file (`figma.root` plugin data; '' removes it) only when it
 * changed: the document is shared, and every run would otherwise edit it.
 */
export function writeFileChoice(api: HostApi, key: string, text: string): void {
  if (api.root.getPluginData(key) !== text) api.root.setPluginData(key, text);
}

/** A choice kept with the file, read through its schema; null when there is none or it is unreadable. */
export function readFileChoice<T>(api: HostApi, key: string, schema: z.ZodType<T>): T | null {
  let raw: unknown;
  try {
    raw = JSON.parse(api.root.getPluginData(key));
  } catch {
    return null; // Nothing chosen in this file yet ("" is no JSON).
  }
  const parsed = schema.safeParse(raw);
  return parsed.success ? parsed.data : null;
}

export function saveStyleChoice(api: HostApi, node: HostSceneNode): void {
  const choice: z.infer<typeof styleChoiceSchema> = { nodeId: node.id, image: isImageBearing(node) };
  writeFileChoice(api, FILE_DATA_KEYS.style, JSON.stringify(choice));
}

/** The file's chosen style layer while it can still serve as one; null otherwise. */
export async function loadStyleChoiceAsync(api: HostApi): Promise<HostSceneNode | null> {
  const choice = readFileChoice(api, FILE_DATA_KEYS.style, styleChoiceSchema);
  const node = choice ? await sceneNodeByIdAsync(api, choice.nodeId) : null;
  if (!choice || !node || whyNotExportable(node) !== null) return null;
  return choice.image && !isImageBearing(node) ? null : node;
}
