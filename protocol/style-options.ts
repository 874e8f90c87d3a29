import { z } from 'zod';
import {
  MAX_HISTORY_SIZE,
  MAX_ITERATIONS,
  MAX_LAYERS,
  MAX_LEARNING_RATE,
  MAX_LOSS_WEIGHT,
  MAX_LR_STEP,
  MAX_OUTPUT_SIDE,
  MAX_PREVIEW_SIDE,
  MAX_PROGRESS_EVERY,
  MAX_SEED,
  MAX_STAGE_SCALE,
  MAX_STAGES,
  MAX_STYLE_SCALE,
  MIN_PREVIEW_SIDE,
  MIN_STAGE_SIDE,
  MIN_STYLE_SCALE,
} from './limits.ts';

/**
 * Bounds of `styleSize` (the style image's working size relative to the content's). Kept here
 * beside the field, not in limits.ts, while another change reworks that file; the engine's
 * own, wider bounds are in daemon/engine/presets.ts.
 */
export const MIN_STYLE_SIZE = 0.25;
export const MAX_STYLE_SIZE = 4;

const layerNameSchema = z.string().regex(/^[a-z0-9_]{1,32}$/, 'layer names look like "relu4_2"');
const layerListSchema = z.array(layerNameSchema).min(1).max(MAX_LAYERS);
const weightSchema = z.number().finite().min(0).max(MAX_LOSS_WEIGHT);

/**
 * Overrides of the engine's `StyleOptions` (every field optional; the preset fills the rest).
 * Unknown keys are rejected so that a misspelt option is reported rather than ignored.
 * The daemon checks names that only the engine knows (presets, layers) and answers
 * `bad-options` when they do not exist.
 */
export const styleOptionsSchema = z
  .object({
    preset: z.string().regex(/^[a-z0-9-]{1,32}$/, 'preset names are lowercase words joined by "-"'),
    /** Output size; give both, or neither and `maxSide` (the content's aspect ratio is kept). */
    width: z.number().int().min(1).max(MAX_OUTPUT_SIDE),
    height: z.number().int().min(1).max(MAX_OUTPUT_SIDE),
    maxSide: z.number().int().min(MIN_STAGE_SIDE).max(MAX_OUTPUT_SIDE),
    stages: z.number().int().min(1).max(MAX_STAGES),
    scale: z.number().finite().min(1).max(MAX_STAGE_SCALE),
    iterations: z.number().int().min(1).max(MAX_ITERATIONS),
    contentLayers: layerListSchema,
    styleLayers: layerListSchema,
    contentWeight: weightSchema,
    styleWeight: weightSchema,
    tvWeight: weightSchema,
    /**
     * Multiplies the style weight (the preset's, or `styleWeight` when given): 2 doubles the
     * style's pull, 0.5 halves it. Lets a client offer a strength control without knowing the
     * preset's absolute weights.
     */
    styleScale: z.number().finite().min(MIN_STYLE_SCALE).max(MAX_STYLE_SCALE),
    /**
     * The style image's working size relative to the content's (neural-style's -style_scale;
     * a size, unlike `styleScale`, which is a weight): 2 paints larger strokes, 0.5 finer.
     * The style keeps its aspect ratio (cover, centre-crop; mirror-tiled below 1).
     */
    styleSize: z.number().finite().min(MIN_STYLE_SIZE).max(MAX_STYLE_SIZE),
    /**
     * Whose colours the result has: 'style'; 'content' (luminance-only transfer, the content's
     * colours kept: the plugin's "Keep original colours"); 'luminance' (the content is first
     * recoloured to the style's colour statistics).
     */
    colors: z.enum(['style', 'content', 'luminance']),
    optimizer: z.enum(['adam', 'lbfgs']),
    learningRate: z.number().finite().gt(0).max(MAX_LEARNING_RATE),
    /** 0: the learning rate never steps down. */
    lrStep: z.number().int().min(0).max(MAX_LR_STEP),
    lrGamma: z.number().finite().gt(0).max(1),
    historySize: z.number().int().min(1).max(MAX_HISTORY_SIZE),
    init: z.enum(['content', 'noise', 'content-recolored']),
    seed: z.number().int().min(0).max(MAX_SEED),
    progressEvery: z.number().int().min(1).max(MAX_PROGRESS_EVERY),
    /** 0 turns previews off. */
    previewEvery: z.number().int().min(0).max(MAX_PROGRESS_EVERY),
    previewMaxSide: z.number().int().min(MIN_PREVIEW_SIDE).max(MAX_PREVIEW_SIDE),
  })
  .partial()
  .strict();
export type StyleOptionsOverrides = z.infer<typeof styleOptionsSchema>;
