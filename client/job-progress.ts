import type { JobMessage } from './daemon-client.ts';
import { formatEta, frameFraction } from './format-eta.ts';

/** "1 layer", "2 layers". */
export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** What a window shows for one job's step: the line under the bar, and how far it is (0..1) once running. */
export interface JobStep {
  detail: string;
  fraction?: number;
  /** The id of the preview image the message carries, if any. */
  previewId?: string;
}

/**
 * The wording of a job's progress, shared by every editor: queue position, start, each step
 * with its time left. Null for messages that are not progress (result, errors, cancelled).
 */
export function describeJobStep(message: JobMessage): JobStep | null {
  switch (message.type) {
    case 'accepted':
    case 'queue-position':
      return { detail: message.position > 0 ? `Waiting for ${plural(message.position, 'other job')} to finish…` : 'Starting…' };
    case 'started':
      return { detail: `Running on ${message.device}…` };
    case 'progress': {
      const stage = message.stages > 1 ? `Pass ${message.stage} of ${message.stages} · ` : '';
      return {
        detail: `${stage}step ${message.iteration} of ${message.iterations} · ${formatEta(message.etaSeconds)}`,
        fraction: frameFraction(message.stage, message.stages, message.iteration, message.iterations),
        ...(message.preview ? { previewId: message.preview.id } : {}),
      };
    }
    default:
      return null;
  }
}
