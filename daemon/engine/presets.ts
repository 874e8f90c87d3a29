import { z } from 'zod';
import { CONVENTIONS } from './convention.ts';
import { EngineError } from './engine-error.ts';
import { PYRAMID_FLOOR_SIDE, SMALL_JOB_SIDE } from './limits.ts';
import type { InputConventionName, StageSpec, StyleOptions } from './types.ts';
import { TAP_NAMES } from './vgg-layers.ts';

/**
 * Converting loss weights between input conventions.
 *
 * d2l's numbers (content 1, style 1e3, TV 10, Adam lr 0.01) are tuned for torchvision weights:
 * inputs normalised by the ImageNet std, features of order 1. With Keras/Caffe weights the
 * variable is in 0–255 pixel levels and the features are far larger, so the same numbers give a
 * style term ~1e9 times too strong and steps ~58 times too small.
 *
 * - Learning rate: Adam moves every element by about `lr` *variable units* per step, whatever
 *   the loss scale, so lr converts by the ratio of units: one torchvision unit spans
 *   255·mean(std) = 57.6 pixel levels, one Caffe unit 1 level → lr 0.01 becomes 0.576.
 * - Loss weights: Adam is invariant to the loss's overall scale, so only the ratios of the
 *   three gradients matter. Let u = 57.6 (levels per torchvision unit) and k the ratio of Caffe
 *   to torchvision feature magnitudes at the same image. Content MSE scales by k², the Gram MSE
 *   by k⁴, TV (an L1 norm of the variable) by u; gradients w.r.t. the variable all carry a
 *   further 1/u. Dividing the content weight by k², the style weight by k⁴ and the TV weight
 *   by u keeps the three gradients in d2l's proportions.
 * - k from feature magnitudes: with these Caffe weights, on tubingen × starry_night at 64×96
 *   from the content image, d2l's weighted style term (style weight 1e3, d2l's layers) starts at
 *   2.1e9 (scripts/measure-feature-scale.ts; 2.7e9 with PIL's resampling), where the d2l run
 *   with torchvision weights starts near 1. So k⁴ ≈ 2.1e9 and k ≈ 215. The content term starts
 *   at 0 and cannot be measured the same way; ReLU networks are positively homogeneous, so the
 *   same k is taken for relu4_4.
 */
export const LEVELS_PER_TORCHVISION_UNIT = CONVENTIONS.torchvision.levelsPerUnit;
export const CAFFE_FEATURE_SCALE = 215;

export interface ConventionWeights {
  contentWeight: number;
  styleWeight: number;
  tvWeight: number;
  learningRate: number;
}

/** Re-expresses weights tuned for one convention in another (see the derivation above). */
export function convertWeights(
  w: ConventionWeights,
  from: InputConventionName,
  to: InputConventionName,
  optimizer: 'adam' | 'lbfgs',
): ConventionWeights {
  if (from === to) return w;
  const k = CAFFE_FEATURE_SCALE;
  const u = LEVELS_PER_TORCHVISION_UNIT;
  const toCaffe = to === 'caffe';
  const f = (x: number, factor: number): number => (toCaffe ? x / factor : x * factor);
  return {
    contentWeight: f(w.contentWeight, k * k),
    styleWeight: f(w.styleWeight, k ** 4),
    tvWeight: f(w.tvWeight, u),
    // L-BFGS scales its own first step by the gradient, so its lr (a step multiplier) is unit-free.
    learningRate: optimizer === 'lbfgs' ? w.learningRate : toCaffe ? w.learningRate * u : w.learningRate / u,
  };
}

interface PresetDefinition {
  description: string;
  /** The convention its loss weights and learning rate are stated in. */
  tunedFor: InputConventionName;
  options: Omit<StyleOptions, 'preset'>;
  /**
   * The smallest longest side its own pyramid may start at (limits.ts, PYRAMID_FLOOR_SIDE);
   * stages below it are dropped. Absent: only MIN_STAGE_SIDE bounds the pyramid.
   */
  floorSide?: number;
  /**
   * On a job larger than the photo's own resolution (a photo enlarged to the job's size, by the
   * job's size or already in the editor's export): the preset's pyramid ends at the photo's own
   * side with its schedule halved per doubling, and each doubling above it is a detail stage
   * running this factor of the iterations (resolveOptions says how). Absent: the pyramid ends at
   * the job's size whatever the photo.
   */
  detailStageFactor?: number;
  /**
   * What it runs instead on a small job (longest side ≤ SMALL_JOB_SIDE), each part where the
   * caller set none of it: stages and their schedule, content layers, style layers.
   */
  small?: Pick<StyleOptions, 'stages' | 'iterationSchedule' | 'contentLayers' | 'styleLayers'>;
}

const D2L_STYLE_LAYERS = ['relu1_1', 'relu2_1', 'relu3_1', 'relu4_1', 'conv5_1'];
const NEURAL_STYLE_LAYERS = ['relu1_1', 'relu2_1', 'relu3_1', 'relu4_1', 'relu5_1'];

const COMMON = {
  /** Neutral: the preset's own style weight. */
  styleScale: 1,
  /** Absolute style weights, as neural-style and d2l state them. */
  normalizeStyle: false,
  init: 'content',
  seed: 0,
  progressEvery: 10,
  previewEvery: 0,
  previewMaxSide: 256,
  historySize: 20,
  lrStep: 0,
  lrGamma: 1,
  iterationSchedule: [] as number[],
  /** The style at the content's size (neural-style's default -style_scale 1). */
  styleSize: 1,
  colors: 'style',
} as const;

export const PRESETS: Record<string, PresetDefinition> = {
  reference: {
    description: 'd2l’s Gatys et al. exactly: Adam, 500 iterations at 150×225 then 500 at 300×450.',
    tunedFor: 'torchvision',
    options: {
      ...COMMON,
      height: 300,
      width: 450,
      maxSide: 0,
      stages: 2,
      scale: 2,
      iterations: 500,
      contentLayers: ['relu4_4'],
      styleLayers: D2L_STYLE_LAYERS,
      contentWeight: 1,
      styleWeight: 1e3,
      tvWeight: 10,
      optimizer: 'adam',
      learningRate: 0.01,
      lrStep: 200,
      lrGamma: 0.1,
    },
  },
  classic: {
    description: 'neural-style’s layers and weights with L-BFGS: converges in far fewer iterations.',
    tunedFor: 'caffe',
    options: {
      ...COMMON,
      height: 0,
      width: 0,
      maxSide: 512,
      stages: 2,
      scale: 2,
      iterations: 60,
      contentLayers: ['relu4_2'],
      styleLayers: NEURAL_STYLE_LAYERS,
      contentWeight: 5,
      styleWeight: 100,
      tvWeight: 1e-3,
      optimizer: 'lbfgs',
      learningRate: 1,
    },
  },
};

PRESETS.painterly = {
  description: 'neural-style’s losses on a √2 pyramid from ~128 px, started in the style’s colours: the style’s palette and texture in the time of classic.',
  tunedFor: 'caffe',
  options: {
    ...PRESETS.classic.options,
    stages: 5,
    scale: Math.SQRT2,
    iterations: 60,
    iterationSchedule: [2, 1.5, 1, 0.5, 0.3],
    init: 'content-recolored',
  },
  floorSide: PYRAMID_FLOOR_SIDE,
};

/**
 * The default (issue 10): classic's losses, changed where the development set's measurements
 * (docs/quality.md) supported it. Started from the content recoloured to the style's colour
 * statistics, which leaves the photo's colour basin (relu1_1's SWD ratio on tubingen ×
 * the_scream: classic 0.50, this 0.05); a cheap 128 px first stage, which moves the deep
 * layers' statistics; relu2_2 beside relu4_2 as content, which buys back the structure the
 * low stage costs; and the style weight balanced by the style's Gram energy
 * (style-balance.ts), so Starry Night no longer washes the photo out while The Scream still
 * paints the sky. 90 + 60 + 42 iterations at 128, 256 and 512 px is 17% fewer pixel-iterations
 * than classic's 60 + 60 at 256 and 512 px: what a third stage's session builds and the energy
 * measurement cost (about 10 s a 512 px job on 2 cores) is paid for out of the 512 px stage.
 */
/**
 * atelier on a small job (Draft, 256 px; issue 31): one stage at the job's size, content on
 * relu2_2 only, style on relu1_1…relu4_1, 6× the iterations (120 for Draft's 20). The pyramid,
 * however short, is what costs a small job its structure: from a 128 px first stage the 256 px
 * stage's 14 iterations never brought tubingen's façades back under The Scream (edge 0.400, SWD
 * ratio 0.142), and every lever that moved the style further on it (more iterations, style ×2,
 * more at 128 px) cost edges below 0.40. One stage keeps the photo's structure (edge 0.68 at 40
 * iterations), and relu4_2 as content is what held the deep layers' statistics back there (SWD
 * 0.139 with it, 0.107 without at 40 iterations); a stronger style weight did not converge
 * faster (×4: 0.123). What remained was iterations, and relu5_1 pays for them: its Gram energy
 * is 1/20 000 of relu4_1's (style-balance.ts' REFERENCE_GRAM_ENERGY), so its pull on the image
 * is nil, yet with content on relu2_2 it alone needs conv4_2…conv5_1, a third of the network's
 * work. Without it 80 iterations gave SWD 0.0905 (0.0921 with it) in 42 s instead of 55 s, and
 * 120 gave 0.0788, edge 0.503, in 62 s (history 50 or 100 instead of 20 did not help: 0.0923,
 * 0.0929). Measured on tubingen × the_scream at 256 px (docs/quality.md, "Draft").
 */
const ATELIER_SMALL = {
  stages: 1,
  iterationSchedule: [6],
  contentLayers: ['relu2_2'],
  styleLayers: ['relu1_1', 'relu2_1', 'relu3_1', 'relu4_1'],
};

/**
 * atelier on a photo enlarged to the job (Best and Full size on a smaller photo; issue 31): the
 * pyramid up to the photo's own side at half its schedule per doubling, then a stage per doubling
 * at an eighth of the iterations: Best (120) on a 512 px photo runs 90, 60 and 42 iterations at
 * 128, 256 and 512 px (a Balanced job's) and 15 at 1024 px. Best's own pyramid (256, 512, 1024 px;
 * 180, 120, 84) left the astronaut (512 px) under The Scream a photo: SWD ratio 0.135 at 1024 px,
 * its 512 px stage at 0.090 where a 512 px job from 128 px is at 0.059. The deep layers'
 * statistics are set at the first stage, and 256 px is half this photo's own side. Above it there
 * is no detail of the photo's own for iterations to find: from the Balanced result, the 1024 px
 * stage measured 0.073 after 15 iterations, 0.085 after 30 and 0.096 after 45 (the photo coming
 * back, the style loss flat from 30). With this plan the astronaut is at 0.074, and every pair
 * of the development set whose photo is smaller than 1024 px within Balanced's bounds. A photo
 * with 1024 px of its own (tubingen) keeps Best's pyramid: from 128 px its windows went into
 * the strokes (edge 0.14 under Starry Night, bound 0.40). docs/quality.md, "Best".
 */
const ATELIER_DETAIL_STAGE_FACTOR = 0.125;

PRESETS.atelier = {
  description: 'classic’s losses from the style’s colours on a three-stage pyramid, a shallow content layer, and the style weight balanced by the style’s Gram energy, so every style pulls alike.',
  tunedFor: 'caffe',
  options: {
    ...PRESETS.classic.options,
    stages: 3,
    scale: 2,
    iterations: 60,
    iterationSchedule: [1.5, 1, 0.7],
    contentLayers: ['relu2_2', 'relu4_2'],
    init: 'content-recolored',
    normalizeStyle: true,
  },
  floorSide: PYRAMID_FLOOR_SIDE,
  detailStageFactor: ATELIER_DETAIL_STAGE_FACTOR,
  small: ATELIER_SMALL,
};

/** What a job gets when it names no preset (the daemon, the CLI and the plugin's default). */
export const DEFAULT_PRESET = 'atelier';
/** Every preset, the default first (the order the plugin's menu and the CLI's help show). */
export const PRESET_NAMES = [DEFAULT_PRESET, ...Object.keys(PRESETS).filter((name) => name !== DEFAULT_PRESET)];

/** The most stages a job runs: a pyramid from 128 px to a 4096 px job has six. */
export const MAX_STAGES = 6;

const layer = z.string().refine((n) => TAP_NAMES.includes(n), { message: 'unknown VGG-19 layer' });
const positive = z.number().finite().positive();
const nonNegative = z.number().finite().nonnegative();

/** Bounds for every option; the protocol narrows them further for remote callers. */
export const styleOptionsSchema = z.object({
  preset: z.string(),
  height: z.number().int().min(0).max(8192),
  width: z.number().int().min(0).max(8192),
  maxSide: z.number().int().min(0).max(8192),
  stages: z.number().int().min(1).max(MAX_STAGES),
  scale: z.number().min(1).max(4),
  iterations: z.number().int().min(1).max(100_000),
  iterationSchedule: z.array(z.number().finite().positive().max(100)).max(MAX_STAGES),
  contentLayers: z.array(layer).max(16),
  styleLayers: z.array(layer).min(1).max(16),
  contentWeight: nonNegative,
  styleWeight: nonNegative,
  /** The protocol narrows this to 0.05–20 for remote callers. */
  styleScale: positive,
  normalizeStyle: z.boolean(),
  tvWeight: nonNegative,
  styleSize: z.number().finite().min(0.125).max(8),
  colors: z.enum(['style', 'content', 'luminance']),
  optimizer: z.enum(['adam', 'lbfgs']),
  learningRate: positive,
  lrStep: z.number().int().min(0),
  lrGamma: positive,
  historySize: z.number().int().min(1).max(1000),
  init: z.enum(['content', 'noise', 'content-recolored']),
  seed: z.number().int(),
  progressEvery: z.number().int().min(1),
  previewEvery: z.number().int().min(0),
  previewMaxSide: z.number().int().min(8).max(2048),
});

/** The longest output side the CLI and the plugin offer: Figma's largest image. */
export const MAX_OUTPUT_SIDE = 4096;

/** The smallest stage must still survive VGG-19's four pools before conv5_1. */
export const MIN_STAGE_SIDE = 16;

/** What resolveOptions needs of the content: its size, and what own-resolution.ts found in its pixels. */
export interface ContentSize {
  width: number;
  height: number;
  /**
   * How many times the pixels were enlarged by 2 (own-resolution.ts' enlargedOctaves), asked
   * only where the plan depends on it (it reads every pixel); absent: 0, the photo's own.
   */
  enlargedOctaves?: () => number;
}

/**
 * A preset's options in the weights' convention, with the caller's overrides on top.
 * Weights, learning rate and size the caller gives are taken as they are; then the style
 * weight is multiplied by `styleScale` (default 1), and the result reports `styleScale` 1.
 */
export function resolveOptions(
  overrides: Partial<StyleOptions> = {},
  convention: InputConventionName,
  content: ContentSize,
): StyleOptions {
  const name = overrides.preset ?? DEFAULT_PRESET;
  // `name` comes from a client: only the table's own keys count ("constructor" is no preset).
  const preset = Object.hasOwn(PRESETS, name) ? PRESETS[name] : undefined;
  if (!preset) {
    throw new EngineError('bad-options', `There is no preset "${name}"; choose one of ${PRESET_NAMES.join(', ')}.`);
  }
  const optimizer = overrides.optimizer ?? preset.options.optimizer;
  const converted = convertWeights(preset.options, preset.tunedFor, convention, optimizer);
  const merged: StyleOptions = { ...preset.options, ...converted, preset: name, ...definedOnly(overrides) };
  if (optimizer !== preset.options.optimizer && overrides.learningRate === undefined) {
    merged.learningRate = optimizer === 'lbfgs' ? 1 : convertWeights({ ...converted, learningRate: 0.01 }, 'torchvision', convention, 'adam').learningRate;
  }
  // A schedule belongs to its stage count: other stages without a schedule of their own run
  // `iterations` each.
  if (overrides.stages !== undefined && overrides.iterationSchedule === undefined) merged.iterationSchedule = [];
  // An explicit size wins over a preset's maxSide and vice versa.
  if (overrides.maxSide && !(overrides.height && overrides.width)) {
    merged.height = 0;
    merged.width = 0;
  }
  if (merged.height === 0 || merged.width === 0) {
    const side = merged.maxSide || 512;
    const s = side / Math.max(content.width, content.height);
    merged.width = Math.max(1, Math.round(content.width * s));
    merged.height = Math.max(1, Math.round(content.height * s));
  }
  // A small job runs its preset's small-job plan, each part the caller left to the preset.
  const small = Math.max(merged.height, merged.width) <= SMALL_JOB_SIDE ? preset.small : undefined;
  if (small) {
    if (overrides.stages === undefined && overrides.iterationSchedule === undefined) {
      merged.stages = small.stages;
      merged.iterationSchedule = [...small.iterationSchedule];
    }
    if (overrides.contentLayers === undefined) merged.contentLayers = [...small.contentLayers];
    if (overrides.styleLayers === undefined) merged.styleLayers = [...small.styleLayers];
  }
  const checked = styleOptionsSchema.safeParse(merged);
  if (!checked.success) {
    const issue = checked.error.issues[0];
    throw new EngineError('bad-options', `Option ${issue.path.join('.')} is invalid: ${issue.message}.`);
  }
  // Folded in once, so that resolving resolved options changes nothing.
  merged.styleWeight *= merged.styleScale;
  merged.styleScale = 1;
  if (!Number.isFinite(merged.styleWeight)) {
    throw new EngineError('bad-options', 'Option styleScale is invalid: the scaled style weight is not a finite number.');
  }
  if (merged.iterationSchedule.length > 0 && merged.iterationSchedule.length !== merged.stages) {
    throw new EngineError(
      'bad-options',
      `Option iterationSchedule has ${merged.iterationSchedule.length} factors for ${merged.stages} stages; give one per stage.`,
    );
  }
  const smallestOf = (stages: number): number => Math.min(merged.height, merged.width) / Math.pow(merged.scale, stages - 1);
  // Rounded as stagePlan rounds, so that painterly's 512/√2⁴ = 127.99… counts as 128.
  const longestOf = (stages: number): number => Math.round(Math.max(merged.height, merged.width) / Math.pow(merged.scale, stages - 1));
  const floorSide = preset.floorSide ?? 0;
  // A preset's pyramid loses its smallest stages on a small image (under MIN_STAGE_SIDE, or
  // under the preset's floor); stages the caller asked for are kept or refused. The first
  // stage keeps its schedule factor (its warm-up now runs at the floor) and the stages that
  // remain above it keep theirs: the factors of the dropped stages go.
  while (
    overrides.stages === undefined &&
    merged.stages > 1 &&
    (smallestOf(merged.stages) < MIN_STAGE_SIDE || longestOf(merged.stages) < floorSide)
  ) {
    merged.stages -= 1;
    const [first, , ...rest] = merged.iterationSchedule;
    merged.iterationSchedule = first === undefined ? [] : [first, ...rest];
  }
  // A photo smaller than the job (its own side: the content's, halved for each octave its pixels
  // were enlarged by) gets the preset's pyramid at that side and a detail stage per doubling above
  // it: `extra`, the doublings rounded, so a 600 px photo at 1024 px counts as enlarged 2×. The
  // stages up to its side run their schedule halved per doubling (Best's 120 iterations become
  // Balanced's 60 there), the detail stages `detailStageFactor` of the iterations. Only as
  // many as keep the first stage within half a doubling of the floor (a 1000 px job from a 500 px
  // photo starts at 125 px) and the shortest side over MIN_STAGE_SIDE. Not a small job (its own
  // plan), nor where the caller chose the stages, their schedule or the scale.
  const detail = preset.detailStageFactor;
  if (detail !== undefined && !small && overrides.stages === undefined && overrides.iterationSchedule === undefined && overrides.scale === undefined) {
    let room = 0;
    while (
      merged.stages + room < MAX_STAGES &&
      longestOf(merged.stages + room + 1) * Math.sqrt(merged.scale) >= floorSide &&
      smallestOf(merged.stages + room + 1) >= MIN_STAGE_SIDE
    ) {
      room += 1;
    }
    // The pixels are read only where a stage could be added (not at Draft or Balanced).
    if (room > 0) {
      const ownSide = Math.max(content.width, content.height) / 2 ** (content.enlargedOctaves?.() ?? 0);
      const doublings = Math.round(Math.log(Math.max(merged.height, merged.width) / ownSide) / Math.log(merged.scale));
      const extra = Math.min(room, Math.max(0, doublings));
      if (extra > 0) {
        const own = merged.iterationSchedule.length > 0 ? merged.iterationSchedule : Array<number>(merged.stages).fill(1);
        merged.iterationSchedule = [...own.map((f) => f / 2 ** extra), ...Array<number>(extra).fill(detail)];
        merged.stages += extra;
      }
    }
  }
  const smallest = smallestOf(merged.stages);
  if (smallest < MIN_STAGE_SIDE) {
    throw new EngineError(
      'bad-options',
      `The first stage would be under ${MIN_STAGE_SIDE} pixels on a side; use fewer stages or a larger size.`,
    );
  }
  return merged;
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** Stage sizes, smallest first: each earlier stage is `scale` times smaller than the next. */
export function stagePlan(o: StyleOptions): StageSpec[] {
  return Array.from({ length: o.stages }, (_, i) => {
    const f = Math.pow(o.scale, o.stages - 1 - i);
    const factor = o.iterationSchedule.length === o.stages ? o.iterationSchedule[i] : 1;
    return { height: Math.round(o.height / f), width: Math.round(o.width / f), iterations: Math.max(1, Math.round(o.iterations * factor)) };
  });
}
