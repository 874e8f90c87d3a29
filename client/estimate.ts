import type { EstimateMessage, EstimateResultMessage, StyleOptionsOverrides, WelcomeMessage } from '../protocol/index.ts';
import type { JobMessage } from './daemon-client.ts';
import type { JobOptions } from './job-options.ts';
import { ESTIMATE_CAPABILITY } from './limits.ts';
import { colorsOverride, presetFor, regionsApply, strengthOverride } from './style-request.ts';

/** Whether the daemon answers `estimate` (older daemons do not: the panel says so). */
export function estimateApplies(welcome: WelcomeMessage | null): boolean {
  return welcome?.capabilities.includes(ESTIMATE_CAPABILITY) ?? false;
}

/**
 * The `estimate` for a content image of `width`×`height` (what the editor will export) with
 * the options a stylize of it would carry (buildStylizeRequest's, without the images), and
 * `regions` masked regions (issue 31: their masks take memory; sent only to a daemon that
 * takes regions, as the stylize is, and only when there are some).
 */
export function buildEstimateRequest(requestId: string, width: number, height: number, options: JobOptions, welcome: WelcomeMessage | null, regions = 0): EstimateMessage {
  const preset = presetFor(options, welcome);
  const overrides: StyleOptionsOverrides = {
    ...(preset ? { preset } : {}),
    width,
    height,
    iterations: options.iterations,
    ...strengthOverride(options, welcome),
    ...colorsOverride(options, welcome),
  };
  return { type: 'estimate', requestId, width, height, options: overrides, ...(regions > 0 && regionsApply(welcome) ? { regions } : {}) };
}

/** What the panel knows of the next job's cost. */
export type EstimateState =
  | { kind: 'unavailable' }
  | { kind: 'pending' }
  | { kind: 'result'; result: EstimateResultMessage }
  | { kind: 'failed'; message: string };

/**
 * The estimate state after `message`, when it answers the estimate sent as `requestId` (a
 * result, or the daemon's error for it; anything else leaves `current`); undefined when it is
 * not that answer, so the caller treats it as a job's message.
 */
export function estimateAfterReply(message: JobMessage, requestId: string, current: EstimateState | null): EstimateState | null | undefined {
  if (!('requestId' in message) || message.requestId === undefined || message.requestId !== requestId) return undefined;
  if (message.type === 'estimate-result') return { kind: 'result', result: message };
  if (message.type === 'error') return { kind: 'failed', message: message.message };
  return current;
}

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

/** What the tracker asks through: the daemon client's `estimate` (false when it could not send). */
export interface EstimateSender {
  estimate(message: EstimateMessage): boolean;
}

/**
 * A panel's estimate of its next job: asked once per size and options (the same ones again ask
 * nothing), and changed only by the answer to the latest request, so a slow answer to options
 * the designer has since changed is not shown as theirs.
 */
export class EstimateTracker {
  /** What the panel shows; null: nothing to estimate (no layer, not connected). */
  state: EstimateState | null = null;
  private key = '';
  private requestId = '';
  private count = 0;

  /** `idPrefix` keeps this panel's request ids apart from its jobs'. */
  constructor(private readonly idPrefix: string) {}

  clear(): void {
    this.state = null;
    this.key = '';
  }

  /**
   * Asks what a `width`×`height` job with `options` and `regions` masked regions would take,
   * unless that is what was asked last.
   */
  request(width: number, height: number, options: JobOptions, welcome: WelcomeMessage | null, sender: EstimateSender | null, regions = 0): void {
    const requestId = `${this.idPrefix}${this.count + 1}`;
    const message = buildEstimateRequest(requestId, width, height, options, welcome, regions);
    const key = JSON.stringify({ ...message, requestId: '' }) + String(estimateApplies(welcome));
    if (key === this.key) return;
    this.key = key;
    if (!estimateApplies(welcome)) {
      this.state = { kind: 'unavailable' };
      return;
    }
    this.count += 1;
    this.requestId = requestId;
    this.state = sender?.estimate(message) ? { kind: 'pending' } : { kind: 'unavailable' };
  }

  /** True when `message` answered the latest request (and is taken); a job's message is left. */
  take(message: JobMessage): boolean {
    const next = estimateAfterReply(message, this.requestId, this.state);
    if (next === undefined) return false;
    this.state = next;
    return true;
  }

  /** The daemon's memory-budget sentence when the job cannot fit, else null. */
  blocksApply(): string | null {
    return this.state ? estimateView(this.state).blocksApply : null;
  }

  /** The line shown before Apply ('' when there is nothing to estimate). */
  text(): string {
    return this.state ? estimateView(this.state).text : '';
  }
}
