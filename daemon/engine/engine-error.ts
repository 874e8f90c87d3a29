/** Stable error codes of the engine; the daemon maps them onto protocol errors. */
export type EngineErrorCode =
  | 'weights-missing'
  | 'weights-corrupt'
  | 'backend-unavailable'
  | 'bad-image'
  | 'bad-options'
  /** The job cannot fit the memory budget even in the smallest windows; the sentence says how many MB it needs. */
  | 'memory-budget'
  | 'cancelled';

/** An error a designer can act on: `code` is stable, `message` is one plain sentence. */
export class EngineError extends Error {
  readonly code: EngineErrorCode;

  constructor(code: EngineErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'EngineError';
    this.code = code;
  }
}

export function isCancelled(error: unknown): boolean {
  return error instanceof EngineError && error.code === 'cancelled';
}
