import type { ExportSettingsImage } from '@figma/plugin-typings/plugin-api-standalone.js';
import { MAX_WORKING_SIDE, MIN_WORKING_SIDE } from '../limits.ts';
import type { ExportRegion } from './export-region.ts';

export interface ExportPlan {
  settings: ExportSettingsImage;
  /** Expected pixel size of the export (Figma may round by a pixel). */
  width: number;
  height: number;
  /** A sentence for the designer when the requested size had to be reduced, else null. */
  capNote: string | null;
}

/**
 * Plans the export of a layer's region (exportRegionOf: what Figma really renders) so that the
 * image's longest side is the working size, capped at the largest image Figma accepts. The
 * constraint is on the region's longest side so the aspect is kept.
 */
export function planExport(region: ExportRegion, requestedSide: number): ExportPlan {
  const { width, height } = region.bounds;
  const side = Math.max(MIN_WORKING_SIDE, Math.min(Math.round(requestedSide), MAX_WORKING_SIDE));
  const capNote =
    requestedSide > MAX_WORKING_SIDE
      ? `Figma images can be at most ${MAX_WORKING_SIDE} px on their longest side, so this runs at ${MAX_WORKING_SIDE} px instead of ${Math.round(requestedSide)} px.`
      : null;
  const landscape = width >= height;
  const ratio = landscape ? height / width : width / height;
  const shortSide = Math.max(1, Math.round(side * ratio));
  return {
    settings: { format: 'PNG', constraint: { type: landscape ? 'WIDTH' : 'HEIGHT', value: side }, useAbsoluteBounds: region.useAbsoluteBounds },
    width: landscape ? side : shortSide,
    height: landscape ? shortSide : side,
    capNote,
  };
}

/** Export settings for a small preview whose longest side is `side`. */
export function thumbnailSettings(region: ExportRegion, side: number): ExportSettingsImage {
  const { width, height } = region.bounds;
  return { format: 'PNG', constraint: { type: width >= height ? 'WIDTH' : 'HEIGHT', value: side }, useAbsoluteBounds: region.useAbsoluteBounds };
}
