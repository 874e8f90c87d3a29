/**
 * An error the designer sees. `code` is stable (tests and the UI branch on it); the message
 * says what happened and what to do, in plain words.
 */
export type PluginErrorCode =
  | 'no-selection'
  | 'no-style'
  | 'style-missing'
  | 'source-removed'
  | 'inside-instance'
  | 'export-failed'
  | 'bad-result'
  | 'too-large'
  | 'insert-failed'
  | 'busy'
  /** The chosen mask layer is gone, hidden or not a mask (issue 31). */
  | 'mask-missing'
  /** The mask covers none of the layers to stylise: nothing is sent. */
  | 'mask-misses'
  /** A Team server this copy's manifest does not name (team-build.ts): Figma would block it. */
  | 'team-server-blocked';

export class PluginError extends Error {
  readonly code: PluginErrorCode;
  constructor(code: PluginErrorCode, message: string) {
    super(message);
    this.name = 'PluginError';
    this.code = code;
  }
}
