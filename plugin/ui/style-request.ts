import type { StyleOptionsOverrides, StylizeMessage, WelcomeMessage } from '../../protocol/index.ts';
import type { JobOptions, MainToUi } from '../bridge/index.ts';
import { DEFAULT_STYLE_STRENGTH, PREVIEW_EVERY, PREVIEW_MAX_SIDE, STYLE_STRENGTH_BASE, STYLE_STRENGTH_POINTS_PER_DECADE } from '../limits.ts';

type JobFromMain = Extract<MainToUi, { type: 'job' }>;

/** Whether the strength slider means something with this preset and daemon (see limits.ts). */
export function strengthApplies(preset: string, welcome: WelcomeMessage | null): boolean {
  return preset === STYLE_STRENGTH_BASE.preset && welcome?.engine.convention === STYLE_STRENGTH_BASE.convention;
}

/** Weight overrides for a strength; none at the neutral 50 or where strength does not apply. */
export function strengthWeights(options: JobOptions, welcome: WelcomeMessage | null): Pick<StyleOptionsOverrides, 'contentWeight' | 'styleWeight'> {
  if (options.styleStrength === DEFAULT_STYLE_STRENGTH || !strengthApplies(options.preset, welcome)) return {};
  const factor = 10 ** ((options.styleStrength - DEFAULT_STYLE_STRENGTH) / STYLE_STRENGTH_POINTS_PER_DECADE);
  return { contentWeight: STYLE_STRENGTH_BASE.contentWeight, styleWeight: STYLE_STRENGTH_BASE.styleWeight * factor };
}

/** The preset to ask for: the chosen one if the daemon has it, else the daemon's default. */
export function presetFor(options: JobOptions, welcome: WelcomeMessage | null): string | undefined {
  if (!welcome || welcome.presets.includes(options.preset)) return options.preset;
  return undefined;
}

/**
 * The stylize request for one frame of a batch. The request id is the main code's job id, so
 * every answer can be matched to the frame it belongs to. Output size = the exported size.
 */
export function buildStylizeRequest(job: JobFromMain, welcome: WelcomeMessage | null): { message: StylizeMessage; images: Map<string, Uint8Array> } {
  const contentId = `${job.jobId}.content`;
  const styleId = `${job.jobId}.style`;
  const preset = presetFor(job.options, welcome);
  const options: StyleOptionsOverrides = {
    ...(preset ? { preset } : {}),
    width: job.content.width,
    height: job.content.height,
    iterations: job.options.iterations,
    previewEvery: PREVIEW_EVERY,
    previewMaxSide: PREVIEW_MAX_SIDE,
    ...strengthWeights(job.options, welcome),
  };
  const message: StylizeMessage = {
    type: 'stylize',
    requestId: job.jobId,
    content: [{ id: contentId, mime: 'image/png', width: job.content.width, height: job.content.height }],
    styles: [{ image: { id: styleId, mime: 'image/png', width: job.style.width, height: job.style.height }, weight: 1 }],
    options,
  };
  return { message, images: new Map([[contentId, job.content.png], [styleId, job.style.png]]) };
}
