import { z } from 'zod';
import {
  DEFAULT_EDGE_SOFTNESS_PX,
  DEFAULT_ENGINE_PRESET,
  DEFAULT_QUALITY,
  DEFAULT_STYLE_STRENGTH,
  MAX_STYLE_STRENGTH,
  MAX_UI_ITERATIONS,
  MAX_CLIENT_SIDE,
  MAX_EDGE_SOFTNESS_PX,
  MIN_ITERATIONS,
  MIN_STYLE_STRENGTH,
  MIN_WORKING_SIDE,
  QUALITY_PRESETS,
} from './limits.ts';

/**
 * What the designer chose for a run. `size` is the longest side of the working image; sizes
 * above the editor's own cap (Figma's 4096 px) are accepted here and capped (with a note) when
 * the job is built, so a remembered setting never becomes invalid.
 */
export const jobOptionsSchema = z.object({
  quality: z.enum(['draft', 'balanced', 'best', 'full', 'custom']),
  size: z.number().int().min(MIN_WORKING_SIDE).max(MAX_CLIENT_SIDE * 4),
  iterations: z.number().int().min(MIN_ITERATIONS).max(MAX_UI_ITERATIONS),
  styleStrength: z.number().min(MIN_STYLE_STRENGTH).max(MAX_STYLE_STRENGTH),
  preset: z.string().regex(/^[a-z0-9-]{1,32}$/),
  /**
   * Whether the designer picked `preset` (the advanced panel's menu). Options saved without
   * it follow DEFAULT_ENGINE_PRESET when read back, so a new default reaches every designer
   * who never chose one, not only new installs.
   */
  presetChosen: z.boolean().default(false),
  /**
   * "Keep original colours": the daemon's `colors: 'content'` (luminance-only transfer). A
   * default, not required, so settings saved before the switch existed still load.
   */
  keepColors: z.boolean().default(false),
  /** "Full size" at the layer's 1× or 2× export size (a default, so older settings load). */
  fullSizeScale: z.union([z.literal(1), z.literal(2)]).default(1),
  /** A masked frame's feather in result pixels ("Edge softness"; a default, so older settings load). */
  edgeSoftness: z.number().int().min(0).max(MAX_EDGE_SOFTNESS_PX).default(DEFAULT_EDGE_SOFTNESS_PX),
}).transform((o) => (o.presetChosen ? o : { ...o, preset: DEFAULT_ENGINE_PRESET }));
export type JobOptions = z.infer<typeof jobOptionsSchema>;

export const DEFAULT_JOB_OPTIONS: JobOptions = {
  quality: DEFAULT_QUALITY,
  size: QUALITY_PRESETS[DEFAULT_QUALITY].size,
  iterations: QUALITY_PRESETS[DEFAULT_QUALITY].iterations,
  styleStrength: DEFAULT_STYLE_STRENGTH,
  preset: DEFAULT_ENGINE_PRESET,
  presetChosen: false,
  keepColors: false,
  fullSizeScale: 1,
  edgeSoftness: DEFAULT_EDGE_SOFTNESS_PX,
};

/**
 * The longest side a job works at for a layer of `width`×`height` (its 1× export size): the
 * chosen size, or for "Full size" the layer's own size at `fullSizeScale`. The editor caps it
 * at its largest image (Figma: plugin/main/working-size.ts, with a note to the designer).
 */
export function workingSideFor(options: JobOptions, width: number, height: number): number {
  if (options.quality !== 'full') return options.size;
  return Math.max(MIN_WORKING_SIDE, Math.round(Math.max(width, height) * options.fullSizeScale));
}
