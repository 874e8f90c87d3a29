/**
 * Menu and relaunch commands; the strings must match manifest.json (a test checks that).
 */
export const MENU_COMMANDS = {
  apply: 'apply',
  useSelectionAsStyle: 'use-selection-as-style',
} as const;

export const RELAUNCH_COMMANDS = {
  restyle: 'restyle',
} as const;
