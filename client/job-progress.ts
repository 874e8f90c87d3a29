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

/** What a window remembers of its running job, as far as progress messages touch it. */
export interface TrackedJob {
  daemonJobId: string | null;
  cancelRequested: boolean;
}

/**
 * One progress message for the window's job: remembers the daemon's job id on `accepted`
 * (and cancels at once if the designer already asked), and returns the step with its preview
 * image. Null for messages that are not progress.
 */
export function trackJobStep(
  message: JobMessage,
  images: Map<string, Uint8Array>,
  job: TrackedJob,
  cancel: (jobId: string) => void,
): (JobStep & { preview: Uint8Array | null }) | null {
  const step = describeJobStep(message);
  if (!step) return null;
  if (message.type === 'accepted') {
    job.daemonJobId = message.jobId;
    if (job.cancelRequested) cancel(message.jobId);
  }
  return { ...step, preview: (step.previewId && images.get(step.previewId)) || null };
}
