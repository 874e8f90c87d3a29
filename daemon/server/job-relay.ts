import type { ErrorMessage, ProgressMessage, ServerMessage, StartedMessage } from '../../protocol/index.ts';
import type { JobSink } from './run-job.ts';

/** A connection following a job (the one that asked for it, or one that reattached). */
export interface JobListener {
  send(message: ServerMessage, images?: ReadonlyMap<string, Uint8Array>): void;
  canTakePreview(): boolean;
}

/**
 * Where a job's messages go: every connection following it, none while its panel is closed.
 * It remembers the running content image's `started` and latest `progress`, so a panel that
 * reattaches sees where the job is at once rather than at the next report.
 */
export class JobRelay implements JobSink {
  private readonly listeners = new Set<JobListener>();
  private started: StartedMessage | null = null;
  private progress: ProgressMessage | null = null;
  /** The error the job ended with, if it failed. */
  error: ErrorMessage | null = null;

  constructor(first?: JobListener) {
    if (first) this.listeners.add(first);
  }

  get followed(): boolean {
    return this.listeners.size > 0;
  }

  attach(listener: JobListener): void {
    this.listeners.add(listener);
    if (this.started) listener.send(this.started);
    if (this.progress) listener.send(this.progress);
  }

  detach(listener: JobListener): void {
    this.listeners.delete(listener);
  }

  send(message: ServerMessage, images?: ReadonlyMap<string, Uint8Array>): void {
    if (message.type === 'started') {
      this.started = message;
      this.progress = null;
    } else if (message.type === 'progress') {
      // Kept without its preview: the image went with the message.
      const { preview: _preview, ...plain } = message;
      this.progress = plain;
    } else if (message.type === 'error') this.error = message;
    for (const listener of this.listeners) listener.send(message, images);
  }

  /** Previews are made only for someone who can take one now. */
  canTakePreview(): boolean {
    for (const listener of this.listeners) if (listener.canTakePreview()) return true;
    return false;
  }
}
