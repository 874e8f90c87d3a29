/**
 * Menu and relaunch commands; the strings must match manifest.json (a test checks that).
 */
export const MENU_COMMANDS = {
  apply: 'apply',
  useSelectionAsStyle: 'use-selection-as-style',
  /** Issue 31: the selected shape becomes the mask, so only the part of a frame under it is stylised. */
  useSelectionAsMask: 'use-selection-as-mask',
} as const;

export const RELAUNCH_COMMANDS = {
  restyle: 'restyle',
  /** On a source while its result waits in Atelier (issue 32): opening the plugin inserts it. */
  insertResult: 'insert-result',
} as const;
