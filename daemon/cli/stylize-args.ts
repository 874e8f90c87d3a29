import { basename, extname } from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import {
  BACKEND_NAMES,
  DEFAULT_PRESET,
  ENGINE_NAMES,
  EXECUTION_PROVIDER_NAMES,
  MAX_OUTPUT_SIDE,
  MEMORY_LIMITS,
  PRESET_NAMES,
  REGION_LIMITS,
  type StyleOptions,
} from '../engine/index.ts';

export const STYLIZE_USAGE = `Usage: atelier stylize <content> <style> [<style> ...] [-o out.png] [options]
       atelier stylize <content> --region STYLE:MASK [--region STYLE:MASK ...] [-o out.png] [options]

Options:
  -o, --output FILE        result PNG (default: <content>.<style>.png in the current folder)
  --weights PATH           VGG-19 weights folder or Keras .h5 file (default: $ATELIER_WEIGHTS, else
                           the weights the daemon downloaded into its cache)
  --preset NAME            ${PRESET_NAMES.join(' | ')} (default: ${DEFAULT_PRESET})
  --size HxW               output size, e.g. 300x450 (height first, as d2l)
  --max-side N             output longest side, keeping the content's aspect ratio (at most ${MAX_OUTPUT_SIDE})
  --memory-budget MB       memory the job may plan for (default: ${MEMORY_LIMITS.defaultFreeFraction * 100}% of the free memory, at least
                           ${MEMORY_LIMITS.defaultTotalFraction * 100}% of the machine's): larger stages are computed in tiles, with a
                           shorter L-BFGS history
  --iterations N           iterations per stage (times the schedule's factor)
  --iteration-schedule F,F per-stage factors on --iterations, smallest stage first (one per stage)
  --stages N               number of stages (each earlier one --scale times smaller)
  --scale X                size ratio between stages (default 2)
  --optimizer NAME         adam | lbfgs
  --lr X                   learning rate
  --content-weight X       content loss weight
  --style-weight X         style loss weight
  --style-scale X          multiply the style weight (the preset's or --style-weight), e.g. 2 or 0.5
  --style-balance on|off   divide the style weight by the style's Gram energy against The Scream's,
                           so every style pulls alike (the atelier preset's default: on)
  --tv-weight X            total-variation loss weight
  --colors MODE            style (the style's colours) | content (keep the content's colours:
                           luminance-only, as neural-style -original_colors 1) | luminance
                           (recolour the content to the style's colour statistics first)
  --style-size X           the style image's working size relative to the content's (neural-style's
                           -style_scale): 2 = larger strokes, 0.5 = finer; aspect ratio kept
  --history-size N         L-BFGS history length
  --content-layers L,L     VGG-19 layers the content loss compares, e.g. relu4_2
  --style-layers L,L       VGG-19 layers whose Gram matrices the style loss compares
  --style-blend W,W,...    relative weights of several styles (default equal)
  --mask FILE              stylise only where the mask is white or opaque; black or transparent keeps
                           the content's pixels (alpha where the mask has transparency, else its
                           luminance; scaled to the content)
  --region STYLE:MASK      one style over one mask, repeatable: several regions, each its own style
                           (instead of the styles after the content image)
  --feather PX             with --mask or --region: the width of the soft edge between the stylised
                           region and the kept pixels (default ${REGION_LIMITS.defaultFeatherPx}, 0 to ${REGION_LIMITS.maxFeatherPx})
  --init NAME              content | noise | content-recolored (the content in the style's colours)
  --seed N                 noise seed
  --alpha MODE             keep (re-apply the content's transparency) | composite (on white)
  --engine NAME            ${ENGINE_NAMES.join(' | ')}: what computes the gradient (default auto: onnx where it loads)
  --backend NAME           TensorFlow.js backend: ${BACKEND_NAMES.join(' | ')} (default auto)
  --execution-provider NAME  ONNX Runtime provider: ${EXECUTION_PROVIDER_NAMES.join(' | ')}
                           (default auto: CUDA where installed, then WebGPU, then the CPU)
  --progress-every N       report every N iterations (default 10)
  --json                   one JSON object per progress event, and a final one
  -h, --help               this text`;

const number = z.coerce.number().finite();
const int = z.coerce.number().int();
/** Names only: whether the network has them is the engine's check (`bad-options`). */
const layerList = z
  .string()
  .transform((s) => s.split(',').map((l) => l.trim()))
  .refine((a) => a.every((l) => /^(conv|relu)\d_\d$/.test(l)), 'layers are VGG-19 names such as relu4_2, comma-separated');

/** STYLE:MASK; a Windows drive letter (C:\…) belongs to a path, not the separator. */
const REGION_PAIR = /^((?:[A-Za-z]:[\\/])?[^:]+):((?:[A-Za-z]:[\\/])?[^:]+)$/;

const argsSchema = z.object({
  output: z.string().min(1).optional(),
  weights: z.string().min(1).optional(),
  preset: z.enum(PRESET_NAMES as [string, ...string[]]).optional(),
  size: z
    .string()
    .regex(/^\d+x\d+$/, 'use HxW, e.g. 300x450')
    .transform((s) => s.split('x').map(Number) as [number, number])
    .optional(),
  'max-side': int.positive().max(MAX_OUTPUT_SIDE, `at most ${MAX_OUTPUT_SIDE} px (Figma's largest image)`).optional(),
  'memory-budget': int
    .min(MEMORY_LIMITS.minBudgetMB, `at least ${MEMORY_LIMITS.minBudgetMB} MB (the runtime alone needs about that)`)
    .max(MEMORY_LIMITS.maxBudgetMB)
    .optional(),
  iterations: int.positive().optional(),
  stages: int.positive().optional(),
  scale: number.min(1).optional(),
  optimizer: z.enum(['adam', 'lbfgs']).optional(),
  lr: number.positive().optional(),
  'content-weight': number.nonnegative().optional(),
  'style-weight': number.nonnegative().optional(),
  'style-scale': number.positive().optional(),
  'style-balance': z
    .enum(['on', 'off'])
    .transform((v) => v === 'on')
    .optional(),
  'tv-weight': number.nonnegative().optional(),
  'iteration-schedule': z
    .string()
    .transform((s) => s.split(',').map(Number))
    .refine((a) => a.every((f) => Number.isFinite(f) && f > 0), 'schedule factors are numbers > 0')
    .optional(),
  colors: z.enum(['style', 'content', 'luminance']).optional(),
  'style-size': number.positive().optional(),
  'history-size': int.positive().optional(),
  'content-layers': layerList.optional(),
  'style-layers': layerList.optional(),
  'style-blend': z
    .string()
    .transform((s) => s.split(',').map(Number))
    .refine((a) => a.every((w) => Number.isFinite(w) && w >= 0), 'blend weights are numbers ≥ 0')
    .optional(),
  mask: z.string().min(1).optional(),
  region: z
    .array(
      z
        .string()
        .regex(REGION_PAIR, 'use STYLE:MASK, two image files')
        .transform((r) => {
          const [, style, mask] = REGION_PAIR.exec(r)!;
          return { style, mask };
        }),
    )
    .optional(),
  feather: int.min(0).max(REGION_LIMITS.maxFeatherPx, `at most ${REGION_LIMITS.maxFeatherPx} px`).optional(),
  init: z.enum(['content', 'noise', 'content-recolored']).optional(),
  seed: int.optional(),
  alpha: z.enum(['keep', 'composite']).default('keep'),
  engine: z.enum(ENGINE_NAMES).default('auto'),
  backend: z.enum(BACKEND_NAMES).default('auto'),
  'execution-provider': z.enum(EXECUTION_PROVIDER_NAMES).default('auto'),
  'progress-every': int.positive().optional(),
  json: z.boolean().default(false),
  help: z.boolean().default(false),
});

export interface StylizeArgs {
  content: string;
  styles: string[];
  styleBlend: number[];
  /** One per style, aligned with `styles`, when the job is masked (--mask, --region): the mask file each style applies over. */
  masks?: string[];
  /** With masks: the feather in pixels; undefined: the engine's default. */
  featherPx?: number;
  output: string;
  weights?: string;
  alpha: 'keep' | 'composite';
  engine: (typeof ENGINE_NAMES)[number];
  backend: (typeof BACKEND_NAMES)[number];
  executionProvider: (typeof EXECUTION_PROVIDER_NAMES)[number];
  json: boolean;
  /** Undefined: the engine's default (a share of the free memory). */
  memoryBudgetMB?: number;
  options: Partial<StyleOptions>;
}

export class UsageError extends Error {}

/** Parses `atelier stylize` arguments; throws UsageError with a sentence for bad input. */
export function parseStylizeArgs(argv: string[], env: NodeJS.ProcessEnv = process.env): StylizeArgs | 'help' {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        output: { type: 'string', short: 'o' },
        weights: { type: 'string' },
        preset: { type: 'string' },
        size: { type: 'string' },
        'max-side': { type: 'string' },
        'memory-budget': { type: 'string' },
        iterations: { type: 'string' },
        stages: { type: 'string' },
        scale: { type: 'string' },
        optimizer: { type: 'string' },
        lr: { type: 'string' },
        'content-weight': { type: 'string' },
        'style-weight': { type: 'string' },
        'style-scale': { type: 'string' },
        'tv-weight': { type: 'string' },
        'iteration-schedule': { type: 'string' },
        colors: { type: 'string' },
        'style-balance': { type: 'string' },
        'style-size': { type: 'string' },
        'history-size': { type: 'string' },
        'content-layers': { type: 'string' },
        'style-layers': { type: 'string' },
        'style-blend': { type: 'string' },
        mask: { type: 'string' },
        region: { type: 'string', multiple: true },
        feather: { type: 'string' },
        init: { type: 'string' },
        seed: { type: 'string' },
        alpha: { type: 'string' },
        engine: { type: 'string' },
        backend: { type: 'string' },
        'execution-provider': { type: 'string' },
        'progress-every': { type: 'string' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const checked = argsSchema.safeParse(parsed.values);
  if (!checked.success) {
    const issue = checked.error.issues[0];
    throw new UsageError(`--${issue.path.join('.')}: ${issue.message}`);
  }
  const a = checked.data;
  if (a.help) return 'help';
  const [content, ...positional] = parsed.positionals;
  const regions = a.region ?? [];
  if (regions.length > 0 && positional.length > 0) {
    throw new UsageError('Give the styles either after the content image or as --region STYLE:MASK pairs, not both.');
  }
  if (regions.length > 0 && a.mask) throw new UsageError('Use either --mask (one mask for the styles) or --region STYLE:MASK pairs, not both.');
  if (regions.length > 0 && a['style-blend']) throw new UsageError('--style-blend blends styles over one area; with --region each region has its own style.');
  if (a.feather !== undefined && !a.mask && regions.length === 0) throw new UsageError('--feather goes with --mask or --region.');
  const styles = regions.length > 0 ? regions.map((r) => r.style) : positional;
  if (!content || styles.length === 0) throw new UsageError('Give a content image and at least one style image.');
  const masks = regions.length > 0 ? regions.map((r) => r.mask) : a.mask ? styles.map(() => a.mask!) : undefined;
  if (a.size && a['max-side']) throw new UsageError('Use either --size or --max-side, not both.');
  const blend = a['style-blend'] ?? styles.map(() => 1);
  if (blend.length !== styles.length) {
    throw new UsageError(`--style-blend has ${blend.length} weights for ${styles.length} styles.`);
  }
  const stem = (p: string): string => basename(p, extname(p));
  const options: Partial<StyleOptions> = {
    preset: a.preset,
    height: a.size?.[0],
    width: a.size?.[1],
    maxSide: a['max-side'],
    iterations: a.iterations,
    stages: a.stages,
    scale: a.scale,
    optimizer: a.optimizer,
    learningRate: a.lr,
    contentWeight: a['content-weight'],
    styleWeight: a['style-weight'],
    styleScale: a['style-scale'],
    tvWeight: a['tv-weight'],
    iterationSchedule: a['iteration-schedule'],
    colors: a.colors,
    normalizeStyle: a['style-balance'],
    styleSize: a['style-size'],
    historySize: a['history-size'],
    contentLayers: a['content-layers'],
    styleLayers: a['style-layers'],
    init: a.init,
    seed: a.seed,
    progressEvery: a['progress-every'],
  };
  return {
    content,
    styles,
    styleBlend: blend,
    ...(masks ? { masks, featherPx: a.feather } : {}),
    output: a.output ?? `${stem(content)}.${stem(styles[0])}.png`,
    weights: a.weights ?? env.ATELIER_WEIGHTS,
    alpha: a.alpha,
    engine: a.engine,
    backend: a.backend,
    executionProvider: a['execution-provider'],
    json: a.json,
    memoryBudgetMB: a['memory-budget'],
    options,
  };
}
