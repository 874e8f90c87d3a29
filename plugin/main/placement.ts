import { LIMITS, clipText } from '../../protocol/sandbox.ts';
import type { FigmaPlacement, JobOptions, Placement } from '../bridge/index.ts';
import { FILE_DATA_KEYS } from '../limits.ts';
import { RELAUNCH_COMMANDS } from './commands.ts';
import type { HostApi, HostSceneNode } from './figma-host.ts';
import { resultName } from './result-name.ts';

/** The record's schema and reader live with the bridge: the window reads it too. */
export { figmaPlacementSchema, readPlacement, type FigmaPlacement } from '../bridge/index.ts';

/**
 * This file's id for the daemon's job list, made (and kept with the file) at its first job;
 * '' before that when `create` is false (opening the plugin does not edit the file).
 */
export function fileDocumentId(api: HostApi, create = true): string {
  const kept = api.root.getPluginData(FILE_DATA_KEYS.document);
  if (/^[0-9a-z]{16}$/.test(kept)) return kept;
  if (!create) return '';
  // Math.random suffices: the id tells this file's jobs from another file's, it guards nothing.
  let id = '';
  while (id.length < 16) id += Math.floor(Math.random() * 36).toString(36);
  api.root.setPluginData(FILE_DATA_KEYS.document, id);
  return id;
}


export function placementFor(
  api: HostApi,
  target: HostSceneNode,
  pageId: string,
  region: FigmaPlacement['region'],
  style: HostSceneNode,
  options: JobOptions,
  mask: HostSceneNode | null = null,
): Placement {
  const record: FigmaPlacement = { v: 1, sourceId: target.id, sourceName: clipText(target.name, 200), pageId, region, styleNodeId: style.id, styleName: clipText(style.name, 200), options, ...(mask ? { maskNodeId: mask.id } : {}) };
  return { document: fileDocumentId(api), label: clipText(resultName(target.name, style.name), LIMITS.MAX_PLACEMENT_LABEL_CHARS), data: JSON.stringify(record) };
}


/**
 * The source's "Insert styled result" button, while its result waits in Atelier: clicking it
 * opens the plugin, which inserts what waits. Other buttons on the layer are kept
 * (setRelaunchData replaces them all). Where Figma refuses relaunch data on a layer, the
 * panel still lists the result when it opens: the button is a convenience.
 */
export function markWaiting(source: HostSceneNode, waiting: boolean): void {
  try {
    const { [RELAUNCH_COMMANDS.insertResult]: had, ...others } = source.getRelaunchData();
    if (waiting === (had !== undefined)) return;
    source.setRelaunchData(waiting ? { ...others, [RELAUNCH_COMMANDS.insertResult]: 'Atelier is styling this layer; insert the result here when it is ready.' } : others);
  } catch {
    // See above: nothing depends on the button.
  }
}
