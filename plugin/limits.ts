/**
 * Every limit and default of the plugin, in one place. Protocol-wide bounds (ports, image sizes
 * the daemon accepts) live in protocol/limits.ts and are imported from there, never repeated.
 */
import { LIMITS } from '../protocol/index.ts';

/** Figma refuses images whose longest side exceeds this (figma.createImage). */
export const FIGMA_MAX_IMAGE_SIDE = 4096;

/** The longest side we ever ask the daemon for: Figma's cap, or the daemon's if smaller. */
export const MAX_WORKING_SIDE = Math.min(FIGMA_MAX_IMAGE_SIDE, LIMITS.MAX_OUTPUT_SIDE);

/** Smallest working size offered; below this style transfer shows nothing recognisable. */
export const MIN_WORKING_SIDE = 64;

/** Longest side of the thumbnails shown in the UI (style list, selection summary). */
export const THUMBNAIL_SIDE = 96;

/** At most this many image-bearing layers are listed as style candidates (big files stay fast). */
export const MAX_STYLE_LAYERS = 48;

/** Iteration bounds offered in the advanced panel (the protocol allows more). */
export const MIN_ITERATIONS = 1;
export const MAX_UI_ITERATIONS = 2000;

/**
 * Style strength is a 0..100 slider; 50 leaves the preset's weights as they are and each 25
 * points multiply or divide the style weight by 10 (ui/style-request.ts).
 */
export const DEFAULT_STYLE_STRENGTH = 50;
export const STYLE_STRENGTH_POINTS_PER_DECADE = 25;

/**
 * The weights that strength scales. The protocol only takes absolute weights, so the plugin
 * must know the base: these mirror the engine's "classic" preset in the Caffe convention of
 * the daemon's VGG-19 weights (daemon/engine/presets.ts; a test keeps them in step). With any
 * other preset or convention the slider is shown as not applicable rather than guessing.
 */
export const STYLE_STRENGTH_BASE = { preset: 'classic', convention: 'caffe', contentWeight: 5, styleWeight: 100 } as const;

/** Engine preset used when the designer has not picked one (the daemon's default). */
export const DEFAULT_ENGINE_PRESET = 'classic';

/**
 * Quality presets: what "Draft / Balanced / Best" mean in working size (longest side, px) and
 * iterations per stage (the classic preset runs two stages with L-BFGS, which converges in
 * tens of iterations).
 */
export const QUALITY_PRESETS = {
  draft: { label: 'Draft', size: 256, iterations: 20 },
  balanced: { label: 'Balanced', size: 512, iterations: 60 },
  best: { label: 'Best', size: 1024, iterations: 120 },
} as const;
export type QualityName = keyof typeof QUALITY_PRESETS;
export const DEFAULT_QUALITY: QualityName = 'balanced';

/** Live previews: every N iterations, longest side at most this. */
export const PREVIEW_EVERY = 10;
export const PREVIEW_MAX_SIDE = 256;

/** Reconnect backoff when the daemon is not reachable (doubles up to the max). */
export const RECONNECT_INITIAL_MS = 500;
export const RECONNECT_MAX_MS = 8000;

/** Size of the plugin window (Figma's right-side panels are ~240-300 px wide). */
export const UI_WIDTH = 320;
export const UI_HEIGHT = 620;

/** clientStorage key for the plugin's settings document (see main/settings-store.ts). */
export const SETTINGS_KEY = 'atelier.settings.v1';

/** pluginData keys written on result layers, read back by the relaunch button. */
export const PLUGIN_DATA_KEYS = {
  source: 'atelier.sourceId',
  style: 'atelier.styleId',
  options: 'atelier.options',
} as const;
