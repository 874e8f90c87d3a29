import { z } from 'zod';
import { LIMITS } from '../../protocol/index.ts';
import type { JobRegion } from './job-runner.ts';

/**
 * A kept job's regions (JobSpec.regions) as its record holds them, the mask bytes beside it (the
 * jobs folder, or the team's Redis): checked when read back, since a crash or another program
 * may leave anything there, and a region naming an image the job does not have would paint
 * the wrong layer. A record from before regions has none.
 */
export const keptRegionSchema = z.object({
  content: z.number().int().min(0),
  styles: z.array(z.number().int().min(0)).min(1),
});
export const keptRegionsSchema = z.array(keptRegionSchema).max(LIMITS.MAX_REGIONS).default([]);
export const keptFeatherSchema = z.number().int().min(0).max(LIMITS.MAX_FEATHER_PX).nullable().default(null);

export type KeptRegion = z.output<typeof keptRegionSchema>;

/** Whether every region names one of the job's content images and styles. */
export function keptRegionsFit(regions: readonly KeptRegion[], contentCount: number, styleCount: number): boolean {
  return regions.every((r) => r.content < contentCount && r.styles.every((s) => s < styleCount));
}

/** What a record keeps of the spec's regions: all but the mask bytes (kept as files of their own). */
export function keptRegionsOf(regions: readonly JobRegion[]): KeptRegion[] {
  return regions.map(({ content, styles }) => ({ content, styles }));
}

/** The regions again, with their masks read back in the same order. */
export function withMasks(regions: readonly KeptRegion[], masks: readonly Uint8Array[]): JobRegion[] {
  return regions.map((region, i) => ({ ...region, mask: masks[i]! }));
}
