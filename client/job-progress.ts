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
 * Where a job runs, as far as its messages said: a team server's worker (`started.worker`), and
 * whether the job has moved to it from another (a worker that stopped mid-job). The local daemon
 * names no worker, and nothing here changes for it.
 */
export interface JobPlace {
  worker?: string;
  moved?: boolean;
}

/** "pass 2 of 3" (the windows' word for the engine's stages), or "" for a one-stage job. */
function passOf(stage: number, stages: number): string {
  return stages > 1 ? `pass ${stage} of ${stages}` : '';
}

/** A `started`: where it runs, and the move when another worker had it before (remembered in `place`). */
function describeStart(message: Extract<JobMessage, { type: 'started' }>, place: JobPlace): string {
  const resumeAt = message.resumedFromStage ? passOf(message.resumedFromStage, message.stages.length) : '';
  const worker = message.worker;
  if (worker && place.worker && worker !== place.worker) {
    place.worker = worker;
    place.moved = true;
    return `Moved to ${worker}; ${message.resumedFromStage ? `resuming${resumeAt ? ` at ${resumeAt}` : ''}` : 'starting again'}…`;
  }
  if (worker) place.worker = worker;
  const where = worker ? `${worker} (${message.device})` : message.device;
  return message.resumedFromStage ? `Resuming${resumeAt ? ` at ${resumeAt}` : ''} on ${where}…` : `Running on ${where}…`;
}

/**
 * The wording of a job's progress, shared by every editor: queue position, start (and on a team
 * server, which worker, and a move to another), each step with its time left. Null for messages
 * that are not progress (result, errors, cancelled). `place` is the job's memory of its worker.
 */
export function describeJobStep(message: JobMessage, place: JobPlace = {}): JobStep | null {
  switch (message.type) {
    case 'accepted':
    case 'queue-position':
      return { detail: message.position > 0 ? `Waiting for ${plural(message.position, 'other job')} to finish…` : 'Starting…' };
    case 'started':
      return { detail: describeStart(message, place) };
    case 'progress': {
      const pass = passOf(message.stage, message.stages);
      const stage = pass ? `${pass[0]!.toUpperCase()}${pass.slice(1)} · ` : '';
      // After a move the line keeps saying so: the next step could otherwise read as a restart.
      const where = place.worker ? ` · ${place.moved ? 'moved to' : 'on'} ${place.worker}` : '';
      return {
        detail: `${stage}step ${message.iteration} of ${message.iterations} · ${formatEta(message.etaSeconds)}${where}`,
        fraction: frameFraction(message.stage, message.stages, message.iteration, message.iterations),
        ...(message.preview ? { previewId: message.preview.id } : {}),
      };
    }
    default:
      return null;
  }
}

/** What a window remembers of its running job, as far as progress messages touch it. */
export interface TrackedJob extends JobPlace {
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
  const step = describeJobStep(message, job);
  if (!step) return null;
  if (message.type === 'accepted') {
    job.daemonJobId = message.jobId;
    if (job.cancelRequested) cancel(message.jobId);
  }
  return { ...step, preview: (step.previewId && images.get(step.previewId)) || null };
}
