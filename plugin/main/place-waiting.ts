import type { HostApi, HostPage } from './figma-host.ts';
import { insertOrphanResult, insertResult } from './insert-result.ts';
import { markWaiting, readPlacement } from './placement.ts';
import { sceneNodeByIdAsync } from './scene-node-by-id.ts';

export type PlaceOutcome =
  | { kind: 'placed'; nodeId: string; name: string }
  | { kind: 'orphaned'; name: string }
  | { kind: 'not-placed'; message: string };

/**
 * Puts a result that waited in Atelier into the file (issue 32): above its source, as a result
 * made while the panel was open would be; when the source was deleted meanwhile, only if the
 * designer asked (`orphan: 'insert'`), at the top of the source's page where its pixels were.
 */
export async function placeWaitingAsync(api: HostApi, data: string, png: Uint8Array, orphan: 'ask' | 'insert'): Promise<PlaceOutcome> {
  const record = readPlacement(data);
  if (!record) return { kind: 'not-placed', message: 'This result was made by another version of Atelier and cannot be placed; apply the style again.' };
  const { region, styleNodeId, styleName, options, maskNodeId } = record;
  const source = await sceneNodeByIdAsync(api, record.sourceId);
  if (source) {
    const rect = insertResult(api, { source, region, styleNodeId, styleName, options, png, ...(maskNodeId ? { maskNodeId } : {}) });
    markWaiting(source, false);
    return { kind: 'placed', nodeId: rect.id, name: rect.name };
  }
  if (orphan === 'ask') return { kind: 'orphaned', name: record.sourceName };
  const found = await api.getNodeByIdAsync(record.pageId);
  const page: HostPage = found && found.type === 'PAGE' && !found.removed ? (found as HostPage) : api.currentPage;
  const rect = insertOrphanResult(api, page, { region, styleNodeId, styleName, options, png, sourceId: record.sourceId, sourceName: record.sourceName, ...(maskNodeId ? { maskNodeId } : {}) });
  return { kind: 'placed', nodeId: rect.id, name: rect.name };
}

/** The designer dropped a waiting result (or it did not finish): its source's button goes. */
export async function dismissWaitingAsync(api: HostApi, data: string): Promise<void> {
  const record = readPlacement(data);
  const source = record && (await sceneNodeByIdAsync(api, record.sourceId));
  if (source) markWaiting(source, false);
}
