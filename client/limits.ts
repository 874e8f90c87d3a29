/**
 * Limits and defaults that every editor's plugin shares (Figma, Photopea): what the designer can
 * choose and how the client talks to the daemon. Editor-specific bounds (Figma's 4096 px image
 * cap, panel sizes, storage keys) stay in each plugin's own limits file. No DOM and no Node here:
 * Figma's sandboxed main code imports this file.
 */
import { LIMITS } from '../protocol/sandbox.ts';

/** The largest working size any plugin asks for: the daemon's own output cap. */
export const MAX_CLIENT_SIDE = LIMITS.MAX_OUTPUT_SIDE;

/** Smallest working size offered; below this style transfer shows nothing recognisable. */
export const MIN_WORKING_SIDE = 64;

/** Iteration bounds offered in the advanced panel (the protocol allows more). */
export const MIN_ITERATIONS = 1;
export const MAX_UI_ITERATIONS = 2000;

/**
 * Style strength is a 0..100 slider sent as the protocol's relative `styleScale` (so the
 * plugin needs no copy of any preset's weights): 50 leaves the preset as it is, and the scale
 * grows geometrically to the protocol's bounds at the ends, 0 → MIN_STYLE_SCALE (1/20) and
 * 100 → MAX_STYLE_SCALE (20); 75 is about 4.5 times the style (client/style-request.ts).
 */
export const DEFAULT_STYLE_STRENGTH = 50;
export const MIN_STYLE_STRENGTH = 0;
export const MAX_STYLE_STRENGTH = 100;
/** The welcome capability of daemons that take `styleScale`; older ones get no strength. */
export const STYLE_SCALE_CAPABILITY = 'style-scale';

/** The welcome capability of daemons that take `colors` ("Keep original colours"). */
export const COLORS_CAPABILITY = 'colors';
/** Daemons that answer `estimate` (the time and memory of a job before Apply) announce this. */
export const ESTIMATE_CAPABILITY = 'estimate';
/**
 * The daemon keeps jobs with a placement past the panel (protocol README, "Jobs that outlive the
 * panel"): stylize takes `placement`, and `list-jobs`, `reattach` and `placed` are understood.
 */
export const JOBS_CAPABILITY = 'jobs';

/**
 * The feather of a masked frame's edge offered by default, in pixels of the result: the
 * engine's own default (daemon/engine/limits.ts REGION_LIMITS.defaultFeatherPx), a seam
 * that does not show at 512 px. The panel offers 0 to MAX_EDGE_SOFTNESS_PX.
 */
export const DEFAULT_EDGE_SOFTNESS_PX = 4;
/** The softest edge the panel offers (the protocol takes up to LIMITS.MAX_FEATHER_PX). */
export const MAX_EDGE_SOFTNESS_PX = 64;

/**
 * A masked job's region kept with its placement record (mask-pixels.ts keepRegion) is pooled
 * over blocks of at most this side to fit the record; past it the region is not kept (the
 * result, placed after the panel was closed, is then not cut, and the panel says so). At 64 a
 * cut reaches at most 63 result pixels farther than the feather; a region that needs more is
 * a fine pattern over a big result.
 */
export const MAX_KEPT_MASK_SCALE = 64;

/** Engine preset used when the designer has not picked one (the daemon's default). */
export const DEFAULT_ENGINE_PRESET = 'atelier';

/**
 * Quality presets: what "Draft / Balanced / Best" mean in working size (longest side, px) and
 * iterations per stage, before the engine preset's schedule (atelier runs three stages with
 * L-BFGS, 1.5, 1 and 0.7 times these, which converges in tens of iterations; on a job of
 * 256 px or less, Draft's, one stage of 6 times these: the engine's small-job plan; on a photo
 * smaller than the job, Best on a 512 px photo, those three stages end at the photo's own side
 * with half these per doubling, and each doubling above it runs an eighth of these).
 */
export const QUALITY_PRESETS = {
  draft: { label: 'Draft', size: 256, iterations: 20 },
  balanced: { label: 'Balanced', size: 512, iterations: 60 },
  best: { label: 'Best', size: 1024, iterations: 120 },
  /**
   * The layer's own export size at 1× or 2× (`fullSizeScale`), capped at the editor's largest
   * image (Figma's 4096 px): `size` here is only that cap; the plugin's main code works out the
   * real side from the layer (fullSizeSide).
   */
  full: { label: 'Full size', size: MAX_CLIENT_SIDE, iterations: 120 },
} as const;
export type QualityName = keyof typeof QUALITY_PRESETS;
export const DEFAULT_QUALITY: QualityName = 'balanced';

/** Reconnect backoff when the daemon is not reachable (doubles up to the max). */
export const RECONNECT_INITIAL_MS = 500;
export const RECONNECT_MAX_MS = 8000;


/**
 * The longest team server address a panel takes (`wss://` + a DNS name of at most 253
 * characters + `:65535`, with room to spare): longer text is refused before it is parsed.
 */
export const MAX_TEAM_SERVER_CHARS = 300;
