import type { ErrorCode, ListedJob, Placement, StatusMessage } from '../../protocol/index.ts';
import type { EngineInfo, StyleOptions } from '../engine/index.ts';
import type { JobListener } from './job-relay.ts';

/**
 * The seam between the connections and whatever computes their jobs (issue 30): the local
 * runner (`job-service.ts`: one queue, the engine in this process, the jobs folder) or a
 * studio's BullMQ runner (`daemon/team/`: Redis, any number of GPU workers). The connection code
 * knows only this interface; the engine knows nothing of either.
 */

/** What a paired connection asks to have computed. */
export interface JobSpec {
  requestId: string;
  /** The pairing's key id: the job's owner. */
  owner: string;
  /** The plugin's name from its hello ("atelier-figma", "atelier-photopea", "atelier-cli"). */
  clientName: string;
  /** The asking connection: a job without a placement is cancelled when it closes. */
  connectionId: string;
  placement: Placement | null;
  /** Encoded PNG/JPEG bytes, checked (size, format) by the connection. */
  contents: Uint8Array[];
  styles: Array<{ bytes: Uint8Array; weight: number }>;
  /**
   * Masked regions (issue 31), each on one content image: empty, every content image is
   * stylised whole. A content image with regions has each style in exactly one of them (checked
   * by the protocol), and keeps its own pixels outside them all, past the feather.
   */
  regions: JobRegion[];
  /** The feather of the regions' edges in pixels of the result; null: the engine's default. */
  featherPx: number | null;
  /** Checked against the runner's convention by the connection (bad options never queue). */
  options: Partial<StyleOptions>;
  progressEvery: number;
  /** Where the job's messages go first (the asking connection). */
  listener: JobListener;
}

/** One masked region of a job: where `styles` paint on content image `content`. */
export interface JobRegion {
  /** Index into the spec's `contents`. */
  content: number;
  /** Encoded PNG/JPEG bytes (checked like the images), any scaled copy of the content's shape. */
  mask: Uint8Array;
  /** Indices into the spec's `styles`, blended by their weights inside the region. */
  styles: number[];
}

/** A refusal carries the wire code and the sentence the designer reads. */
export type SubmitResult = { ok: true; jobId: string; position: number } | { ok: false; code: ErrorCode; message: string };

/**
 * What runs the jobs, as the welcome (its `engine`, the wire's EngineInfoMessage) and the option
 * checks (`resolveOptions` needs the weights' convention by name) need it.
 */
export type RunnerInfo = Pick<EngineInfo, 'engine' | 'backend' | 'device' | 'convention'>;

/**
 * Its async methods may reject with an Error whose `code` is a wire ErrorCode and whose message
 * is the designer's sentence (a team runner while Redis is unreachable: `not-ready`): the
 * connection answers with exactly those. Any other rejection is a bug, answered `internal`.
 */
export interface JobRunner {
  /**
   * What computes the jobs (engine, backend, device, convention), or null while nothing can
   * (the local engine not loaded yet; no team worker alive): `stylize` is then `not-ready`.
   */
  info(): RunnerInfo | null;
  /** Keeps and queues a job; the spec's listener hears its messages from now on. */
  submitAsync(spec: JobSpec): Promise<SubmitResult>;
  /** Cancels one of `owner`'s jobs, waiting or running; false when there is none such. */
  cancelAsync(jobId: string, owner: string): Promise<boolean>;
  /**
   * A connection closed (or was cut off): it stops following jobs, and its jobs without a
   * placement end. Returns how many it cancelled, for the log (a remote runner may say 0 and
   * cancel them later).
   */
  connectionClosed(connectionId: string, listener: JobListener): number;
  /** `owner`'s jobs placed in `document`, oldest first. */
  listAsync(owner: string, document: string): Promise<ListedJob[]>;
  /** Follows one of `owner`'s jobs on `listener` (results at once when finished); false when there is none such. */
  reattachAsync(jobId: string, owner: string, listener: JobListener): Promise<boolean>;
  /** The designer placed (or dropped) a finished job's results: forgotten. */
  placedAsync(jobId: string, owner: string): Promise<boolean>;
  /** The queue as `owner` may see it (others' jobs without their details). */
  statusAsync(owner: string | null): Promise<StatusMessage>;
  /** `owner`'s pairing was revoked: their jobs are cancelled and their kept results deleted. */
  revokeOwnerAsync(owner: string): Promise<void>;
  /** Stops taking jobs; jobs with a placement stay kept (and resume later). */
  closeAsync(): Promise<void>;
}
