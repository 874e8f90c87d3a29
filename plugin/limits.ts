/**
 * The Figma plugin's own limits and defaults. What every editor's client shares (quality
 * presets, style strength, reconnect backoff) lives in client/limits.ts and is re-exported
 * here; protocol-wide bounds (ports, image sizes the daemon accepts) live in protocol/limits.ts.
 * Neither is repeated.
 */
import { DEFAULT_DAEMON_PORT, LIMITS } from '../protocol/sandbox.ts';

export * from '../client/limits.ts';

/** Figma refuses images whose longest side exceeds this (figma.createImage). */
export const FIGMA_MAX_IMAGE_SIDE = 4096;

/** The longest side we ever ask the daemon for: Figma's cap, or the daemon's if smaller. */
export const MAX_WORKING_SIDE = Math.min(FIGMA_MAX_IMAGE_SIDE, LIMITS.MAX_OUTPUT_SIDE);

/** Longest side of the thumbnails shown in the UI (style list, selection summary). */
export const THUMBNAIL_SIDE = 96;

/**
 * Quiet time after the last selectionchange before the selection (and its thumbnail export)
 * is sent to the UI: a marquee drag fires one event per layer it crosses.
 */
export const SELECTION_DEBOUNCE_MS = 120;

/** At most this many image-bearing layers are listed as style candidates (big files stay fast). */
export const MAX_STYLE_LAYERS = 48;

/**
 * At most this many shapes over the selected layers are offered as masks (issue 31): the
 * panel's grid shows two rows of them; any other layer can still be the mask through
 * "Use selection as mask".
 */
export const MAX_MASK_LAYERS = 10;

/**
 * The Atelier app on this computer, the one address the committed manifest.json's
 * `networkAccess.allowedDomains` names (test/plugin/manifest.test.ts keeps them equal). Figma's
 * content security policy blocks any other address without telling the plugin, so the only
 * other address a copy dials is the team server a studio built it for (team-build.ts; its own
 * manifest names both).
 */
export const DAEMON_URL = `ws://localhost:${DEFAULT_DAEMON_PORT}`;

/**
 * Longest source or style name (in characters) quoted in a result's relaunch description.
 * Figma throws past 1,000 characters and shows only three lines (setRelaunchData).
 */
export const RELAUNCH_NAME_MAX_CHARS = 60;

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
  /** The mask layer the result was made with (issue 31); absent: the whole source. */
  mask: 'atelier.maskId',
} as const;

/**
 * pluginData keys on `figma.root`: choices that belong to one file (node ids such as `12:34`
 * repeat across files, so they cannot live in clientStorage, which is per user and machine).
 */
export const FILE_DATA_KEYS = {
  /** The chosen style layer (main/style-choice.ts). */
  style: 'atelier.style',
  /**
   * A random id for this file, made at its first job (main/placement.ts): the daemon lists a
   * file's waiting results by it. figma.fileKey is for private plugins only, and a file's name
   * changes; node ids repeat across files.
   */
  document: 'atelier.document',
  /** The chosen mask layer (main/mask-choice.ts, issue 31); absent: the whole layer is stylised. */
  mask: 'atelier.mask',
} as const;

/**
 * At most this many team servers' pairing keys are kept in clientStorage (one per address,
 * client/team-server.ts; the local daemon's key is kept apart): a studio has one or two, and
 * the oldest goes first past this.
 */
export const MAX_TEAM_KEYS = 8;

/**
 * Where `npm run build -- --team-server wss://HOST[:PORT]` writes the studio's copy of the plugin
 * (its own manifest.json naming that server, code.js and ui.html), relative to the repository:
 * a plain build still writes the committed manifest.json's files, plugin/dist/code.js and ui.html.
 */
export const STUDIO_PLUGIN_DIR = 'plugin/dist/studio';
