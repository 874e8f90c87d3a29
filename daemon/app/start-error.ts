/** Stable codes for the daemon's own start-up problems (folders it must write, its lock). */
export type StartErrorCode = 'config_unwritable' | 'cache_unwritable' | 'instance_dir_unsafe';

/** A start-up problem outside the config file, with a sentence the designer can act on. */
export class StartError extends Error {
  readonly code: StartErrorCode;

  constructor(code: StartErrorCode, message: string) {
    super(message);
    this.name = 'StartError';
    this.code = code;
  }
}
