/** Stable codes for everything that can go wrong reading the configuration. */
export type ConfigErrorCode = 'config_unreadable' | 'config_not_json' | 'config_invalid' | 'args_invalid';

/** A configuration problem, with a sentence the designer can act on. */
export class ConfigError extends Error {
  readonly code: ConfigErrorCode;
  /** The file the problem is in, when there is one. */
  readonly file?: string;

  constructor(code: ConfigErrorCode, message: string, file?: string) {
    super(message);
    this.name = 'ConfigError';
    this.code = code;
    if (file !== undefined) this.file = file;
  }
}
