import type { ServerMessage } from '../../protocol/index.ts';
import type { JobListener } from '../server/index.ts';

/** What one listener got of one job: each result once, one end, its last position. */
interface Delivery {
  results: Set<number>;
  position: number | null;
}

const isEnd = (m: ServerMessage): boolean => m.type === 'completed' || m.type === 'cancelled' || (m.type === 'error' && m.jobId !== undefined);

/**
 * The connections of this front door following team jobs: the only job-related state a front
 * door holds (everything else is in Redis). Messages reach a job's listeners from several
 * paths that may repeat one another (a worker's event, a worker that resumed a job sending an
 * earlier result again, a reattach reading Redis, a reconciliation after Redis came back), so
 * each listener gets each result (job, content index) once and one end, after which it stops
 * following the job.
 */
export class JobFollows {
  private readonly byJob = new Map<string, Map<JobListener, Delivery>>();

  follow(jobId: string, listener: JobListener): void {
    let listeners = this.byJob.get(jobId);
    if (!listeners) this.byJob.set(jobId, (listeners = new Map()));
    if (!listeners.has(listener)) listeners.set(listener, { results: new Set(), position: null });
  }

  unfollow(jobId: string, listener: JobListener): void {
    const listeners = this.byJob.get(jobId);
    listeners?.delete(listener);
    if (listeners?.size === 0) this.byJob.delete(jobId);
  }

  /** The listener's connection closed: it follows nothing any more. */
  unfollowAll(listener: JobListener): void {
    for (const [jobId, listeners] of this.byJob) {
      listeners.delete(listener);
      if (listeners.size === 0) this.byJob.delete(jobId);
    }
  }

  isFollowed(jobId: string): boolean {
    return this.byJob.has(jobId);
  }

  jobIds(): string[] {
    return [...this.byJob.keys()];
  }

  /** Sends to the job's listeners what each has not had yet. */
  deliver(jobId: string, message: ServerMessage, images?: ReadonlyMap<string, Uint8Array>): void {
    const listeners = this.byJob.get(jobId);
    if (!listeners) return;
    for (const [listener, delivery] of listeners) {
      if (message.type === 'result') {
        if (delivery.results.has(message.contentIndex)) continue;
        delivery.results.add(message.contentIndex);
      }
      if (message.type === 'queue-position') {
        if (delivery.position === message.position) continue;
        delivery.position = message.position;
      }
      if (message.type === 'progress' && message.preview && !listener.canTakePreview()) {
        // A congested link skips previews, never progress (JobRelay's rule, applied here since
        // the worker cannot know each front door's links).
        const { preview: _preview, ...plain } = message;
        listener.send(plain);
        continue;
      }
      listener.send(message, images);
    }
    if (isEnd(message)) this.byJob.delete(jobId);
  }

  /** Delivers to one listener only (a reattach's catch-up), with the same once-only rules. */
  deliverTo(jobId: string, listener: JobListener, message: ServerMessage, images?: ReadonlyMap<string, Uint8Array>): void {
    const listeners = this.byJob.get(jobId);
    const delivery = listeners?.get(listener);
    if (!listeners || !delivery) return;
    if (message.type === 'result') {
      if (delivery.results.has(message.contentIndex)) return;
      delivery.results.add(message.contentIndex);
    }
    listener.send(message, images);
    if (isEnd(message)) {
      listeners.delete(listener);
      if (listeners.size === 0) this.byJob.delete(jobId);
    }
  }
}
