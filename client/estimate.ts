import type { EstimateMessage, EstimateResultMessage, StyleOptionsOverrides, WelcomeMessage } from '../protocol/index.ts';
import type { JobOptions } from './job-options.ts';
import { ESTIMATE_CAPABILITY } from './limits.ts';
import { colorsOverride, presetFor, strengthOverride } from './style-request.ts';

/** Whether the daemon answers `estimate` (older daemons do not: the panel says so). */
export function estimateApplies(welcome: WelcomeMessage | null): boolean {
  return welcome?.capabilities.includes(ESTIMATE_CAPABILITY) ?? false;
}

/**
 * The `estimate` for a content image of `width`×`height` (what the editor will export) with
 * the options a stylize of it would carry (buildStylizeRequest's, without the images).
 */
export function buildEstimateRequest(requestId: string, width: number, height: number, options: JobOptions, welcome: WelcomeMessage | null): EstimateMessage {
  const preset = presetFor(options, welcome);
  const overrides: StyleOptionsOverrides = {
    ...(preset ? { preset } : {}),
    width,
    height,
    iterations: options.iterations,
    ...strengthOverride(options, welcome),
    ...colorsOverride(options, welcome),
  };
  return { type: 'estimate', requestId, width, height, options: overrides };
}

/** What the panel knows of the next job's cost. */
export type EstimateState =
  | { kind: 'unavailable' }
  | { kind: 'pending' }
  | { kind: 'result'; result: EstimateResultMessage }
  | { kind: 'failed'; message: string };

export interface EstimateView {
  /** The line shown before Apply. */
  text: string;
  /** Why Apply is disabled (the daemon's memory-budget sentence), or null. */
  blocksApply: string | null;
}

/** "about 40 s", "about 12 min", "about 1 h 5 min". */
export function formatDuration(seconds: number): string {
  if (seconds < 60) return `about ${Math.max(1, Math.round(seconds))} s`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `about ${minutes} min`;
  return `about ${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

/** The daemon's figures as the panel shows them; nothing is guessed here. */
export function estimateView(state: EstimateState): EstimateView {
  switch (state.kind) {
    case 'unavailable':
      return { text: 'Estimate unavailable (this Atelier daemon does not estimate jobs; update it to see time and memory before applying).', blocksApply: null };
    case 'pending':
      return { text: 'Estimating…', blocksApply: null };
    case 'failed':
      return { text: `Estimate unavailable: ${state.message}`, blocksApply: null };
    case 'result': {
      const r = state.result;
      if (!r.fits) return { text: r.message, blocksApply: r.message };
      const top = r.stages[r.stages.length - 1]!;
      const tiled = r.stages.some((s) => s.plan === 'tiled');
      const plan = tiled ? ` · top stage in ${top.tiles ?? 'several'} tiles` : '';
      return { text: `${formatDuration(r.seconds)} · ${r.peakMB} MB of ${r.budgetMB} MB${plan} (${top.width}×${top.height} px)`, blocksApply: null };
    }
  }
}
