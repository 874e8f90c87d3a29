import { z } from 'zod';
import { LIMITS, clipText } from '../../protocol/sandbox.ts';
import { jobOptionsSchema, type JobOptions, type Placement } from '../bridge/index.ts';
import { FILE_DATA_KEYS } from '../limits.ts';
import { RELAUNCH_COMMANDS } from './commands.ts';
import type { HostApi, HostSceneNode } from './figma-host.ts';
import { resultName } from './result-name.ts';

/**
 * What the daemon keeps beside a job so that a later panel can put its result in place
 * (issue 32): the daemon never reads it, and it comes back through the UI, so it is checked
 * with zod like any other input.
 */
export const figmaPlacementSchema = z.object({
  v: z.literal(1),
  sourceId: z.string().min(1).max(200),
  sourceName: z.string().max(2000),
  /** The source's page: where an orphaned result goes when its source was deleted. */
  pageId: z.string().min(1).max(200),
  /** The page region the job's pixels were exported from (export-region.ts). */
  region: z.object({ x: z.number().finite(), y: z.number().finite(), width: z.number().finite().positive(), height: z.number().finite().positive() }),
  styleNodeId: z.string().min(1).max(200),
  styleName: z.string().max(2000),
  options: jobOptionsSchema,
  /** The mask layer the job was made with (issue 31); absent: the whole source. */
  maskNodeId: z.string().min(1).max(200).optional(),
});
export type FigmaPlacement = z.infer<typeof figmaPlacementSchema>;

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

/** The record a placement carries, or null when it is not one of ours (another version, damage). */
export function readPlacement(data: string): FigmaPlacement | null {
  try {
    const parsed = figmaPlacementSchema.safeParse(JSON.parse(data));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
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
