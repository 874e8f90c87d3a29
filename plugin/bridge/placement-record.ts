import { z } from 'zod';
import { jobOptionsSchema } from '../../client/job-options.ts';
import { MAX_KEPT_MASK_SCALE } from '../../client/limits.ts';
import { LIMITS } from '../../protocol/sandbox.ts';

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
  /**
   * The region the job's mask covers, at the result's size (client/mask-pixels.ts KeptRegion),
   * added by the window when it fits the daemon's limit (ui/past-feather.ts), so that a result
   * placed after the panel was closed is made transparent past the feather too.
   */
  keptMask: z.object({
    width: z.number().int().positive().max(LIMITS.MAX_OUTPUT_SIDE),
    height: z.number().int().positive().max(LIMITS.MAX_OUTPUT_SIDE),
    scale: z.number().int().min(1).max(MAX_KEPT_MASK_SCALE),
    runs: z.string().max(LIMITS.MAX_PLACEMENT_DATA_CHARS).regex(/^[0-9a-z]+(\.[0-9a-z]+)*$/),
  }).optional(),
});
export type FigmaPlacement = z.infer<typeof figmaPlacementSchema>;

/** The record a placement carries, or null when it is not one of ours (another version, damage). */
export function readPlacement(data: string): FigmaPlacement | null {
  try {
    const parsed = figmaPlacementSchema.safeParse(JSON.parse(data));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}
