import { LIMITS, REGIONS_CAPABILITY, type Placement, type StyleOptionsOverrides, type StylizeMessage, type WelcomeMessage } from '../protocol/index.ts';
import type { JobOptions } from './job-options.ts';
import { COLORS_CAPABILITY, DEFAULT_STYLE_STRENGTH, JOBS_CAPABILITY, MAX_STYLE_STRENGTH, STYLE_SCALE_CAPABILITY } from './limits.ts';

/** A PNG the editor exported, with its size in pixels. */
export interface ExportedImage {
  width: number;
  height: number;
  png: Uint8Array;
}

/** One frame's job as any editor's plugin hands it to the client: its id, images and options. */
export interface StyleJob {
  jobId: string;
  content: ExportedImage;
  style: ExportedImage;
  options: JobOptions;
  /** Where its result goes, for a daemon that keeps jobs past the panel (`jobs`); absent: it ends with the connection. */
  placement?: Placement;
  /**
   * The region to stylise (issue 31), the content's size or a scaled copy: white or opaque =
   * stylised, black or transparent = kept. Only for a daemon with REGIONS_CAPABILITY
   * (`regionsApply`): `buildStylizeRequest` refuses it otherwise rather than paint the whole frame.
   */
  mask?: ExportedImage;
}

/** Whether the daemon takes masked regions (a daemon without them would paint the whole frame). */
export function regionsApply(welcome: WelcomeMessage | null): boolean {
  return welcome?.capabilities.includes(REGIONS_CAPABILITY) ?? false;
}

/** Whether the daemon keeps jobs past the panel (list-jobs, reattach, placed). */
export function jobsOutlivePanel(welcome: WelcomeMessage | null): boolean {
  return welcome?.capabilities.includes(JOBS_CAPABILITY) ?? false;
}

/** Whether the daemon takes a relative style strength (daemons before `styleScale` do not). */
export function strengthApplies(welcome: WelcomeMessage | null): boolean {
  return welcome?.capabilities.includes(STYLE_SCALE_CAPABILITY) ?? false;
}

/**
 * The style scale a strength asks for: 1 at the neutral 50, geometric towards the protocol's
 * bounds at 0 and 100 (see limits.ts).
 */
export function styleScaleFor(strength: number): number {
  const half = (MAX_STYLE_STRENGTH - DEFAULT_STYLE_STRENGTH);
  const scale = LIMITS.MAX_STYLE_SCALE ** ((strength - DEFAULT_STYLE_STRENGTH) / half);
  return Math.min(LIMITS.MAX_STYLE_SCALE, Math.max(LIMITS.MIN_STYLE_SCALE, scale));
}

/** The `styleScale` override for a strength; none at the neutral 50 or where the daemon lacks it. */
export function strengthOverride(options: JobOptions, welcome: WelcomeMessage | null): Pick<StyleOptionsOverrides, 'styleScale'> {
  if (options.styleStrength === DEFAULT_STYLE_STRENGTH || !strengthApplies(welcome)) return {};
  return { styleScale: styleScaleFor(options.styleStrength) };
}

/** Whether the daemon can keep the content's colours (daemons before `colors` cannot). */
export function colorsApply(welcome: WelcomeMessage | null): boolean {
  return welcome?.capabilities.includes(COLORS_CAPABILITY) ?? false;
}

/** `colors: 'content'` when "Keep original colours" is on and the daemon takes it; else nothing. */
export function colorsOverride(options: JobOptions, welcome: WelcomeMessage | null): Pick<StyleOptionsOverrides, 'colors'> {
  return options.keepColors && colorsApply(welcome) ? { colors: 'content' } : {};
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
export function buildStylizeRequest(job: StyleJob, welcome: WelcomeMessage | null): { message: StylizeMessage; images: Map<string, Uint8Array> } {
  const contentId = `${job.jobId}.content`;
  const styleId = `${job.jobId}.style`;
  const preset = presetFor(job.options, welcome);
  const options: StyleOptionsOverrides = {
    ...(preset ? { preset } : {}),
    width: job.content.width,
    height: job.content.height,
    iterations: job.options.iterations,
    // Previews come at the daemon's configured interval and size (its config.json).
    ...strengthOverride(job.options, welcome),
    ...colorsOverride(job.options, welcome),
  };
  const message: StylizeMessage = {
    type: 'stylize',
    requestId: job.jobId,
    content: [{ id: contentId, mime: 'image/png', width: job.content.width, height: job.content.height }],
    styles: [{ image: { id: styleId, mime: 'image/png', width: job.style.width, height: job.style.height }, weight: 1 }],
    options,
    ...(job.placement && jobsOutlivePanel(welcome) ? { placement: job.placement } : {}),
  };
  const images = new Map([[contentId, job.content.png], [styleId, job.style.png]]);
  if (!job.mask) return { message, images };
  if (!regionsApply(welcome)) throw new Error('This daemon cannot keep part of a frame unstyled; update Atelier on the computer that runs it.');
  const maskId = `${job.jobId}.mask`;
  message.regions = [{ content: contentId, mask: { id: maskId, mime: 'image/png', width: job.mask.width, height: job.mask.height } }];
  message.featherPx = job.options.edgeSoftness;
  images.set(maskId, job.mask.png);
  return { message, images };
}
