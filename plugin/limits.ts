/**
 * Every limit and default of the plugin, in one place. Protocol-wide bounds (ports, image sizes
 * the daemon accepts) live in protocol/limits.ts and are imported from there, never repeated.
 */
import { LIMITS } from '../protocol/sandbox.ts';

/** Figma refuses images whose longest side exceeds this (figma.createImage). */
export const FIGMA_MAX_IMAGE_SIDE = 4096;

/** The longest side we ever ask the daemon for: Figma's cap, or the daemon's if smaller. */
export const MAX_WORKING_SIDE = Math.min(FIGMA_MAX_IMAGE_SIDE, LIMITS.MAX_OUTPUT_SIDE);

/** Smallest working size offered; below this style transfer shows nothing recognisable. */
export const MIN_WORKING_SIDE = 64;

/** Longest side of the thumbnails shown in the UI (style list, selection summary). */
export const THUMBNAIL_SIDE = 96;

/**
 * Quiet time after the last selectionchange before the selection (and its thumbnail export)
 * is sent to the UI: a marquee drag fires one event per layer it crosses.
 */
export const SELECTION_DEBOUNCE_MS = 120;

/** At most this many image-bearing layers are listed as style candidates (big files stay fast). */
export const MAX_STYLE_LAYERS = 48;

/** Iteration bounds offered in the advanced panel (the protocol allows more). */
export const MIN_ITERATIONS = 1;
export const MAX_UI_ITERATIONS = 2000;

/**
 * Style strength is a 0..100 slider sent as the protocol's relative `styleScale` (so the
 * plugin needs no copy of any preset's weights): 50 leaves the preset as it is, and the scale
 * grows geometrically to the protocol's bounds at the ends, 0 → MIN_STYLE_SCALE (1/20) and
 * 100 → MAX_STYLE_SCALE (20); 75 is about 4.5 times the style (ui/style-request.ts).
 */
export const DEFAULT_STYLE_STRENGTH = 50;
export const MIN_STYLE_STRENGTH = 0;
export const MAX_STYLE_STRENGTH = 100;
/** The welcome capability of daemons that take `styleScale`; older ones get no strength. */
export const STYLE_SCALE_CAPABILITY = 'style-scale';

/** The welcome capability of daemons that take `colors` ("Keep original colours"). */
export const COLORS_CAPABILITY = 'colors';

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
