import type { ErrorCode } from '../../protocol/index.ts';
import { EngineError } from '../engine/index.ts';
import { ImageError } from '../image/index.ts';

/** Maps an error thrown by a job onto a protocol error; the detail of unknown errors stays in the log. */
export function errorReply(error: unknown): { code: ErrorCode; message: string } {
  if (error instanceof ImageError) return { code: 'bad-image', message: error.message };
  if (error instanceof EngineError) {
    switch (error.code) {
      case 'bad-image':
        return { code: 'bad-image', message: error.message };
      case 'bad-options':
      // The designer acts on it as on an option: a smaller size, or a larger budget.
      case 'memory-budget':
        return { code: 'bad-options', message: error.message };
      case 'cancelled':
        return { code: 'cancelled', message: error.message };
      default:
        return { code: 'engine-failed', message: error.message };
    }
  }
  return { code: 'internal', message: 'The daemon hit an unexpected problem computing this job; its log has the details.' };
}
