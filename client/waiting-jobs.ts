import type { JobsMessage, ListedJob } from '../protocol/index.ts';
import type { DaemonClient, JobMessage } from './daemon-client.ts';
import { describeJobStep, plural, type JobPlace } from './job-progress.ts';

/**
 * A job of this document that the daemon kept while no panel followed it (issue 32), as the
 * panel shows it: computing (its progress again), being placed, waiting for the designer
 * (its source was deleted), or ended without a result (`message` says why).
 */
export interface WaitingJob extends JobPlace {
  jobId: string;
  label: string;
  /** The editor's own placement record, handed back to it to place the result. */
  data: string;
  state: 'queued' | 'running' | 'placing' | 'orphaned' | 'not-finished';
  detail: string;
  fraction: number;
  contentCount: number;
  pngs: Uint8Array[];
  message: string | null;
}

export interface WaitingJobsDeps {
  client(): DaemonClient | null;
  /** Put the results in the document; the editor answers with placed / orphaned / notPlaced. */
  place(job: WaitingJob, orphan: 'ask' | 'insert'): void;
  /** The designer dropped the job (or it did not finish): the editor forgets its marks. */
  dismiss(job: WaitingJob): void;
  changed(): void;
}

const NOT_FINISHED = 'This job stopped with the Atelier app and could not resume; apply the style again.';

/**
 * The other jobs of this document: on every (re)connection the panel asks the daemon for them,
 * follows the running ones again, and has each finished one placed exactly once (the daemon
 * deletes a result only when told `placed`, which is sent only once the editor has put it in).
 */
export class WaitingJobs {
  private readonly jobs = new Map<string, WaitingJob>();
  /** What was placed from the daemon's waiting results in this session: "Inserted … ". */
  readonly placedNames: string[] = [];
  /** Of those, masked ones placed without their mask (issue 31): past it they show the daemon's softer copy of the layer. */
  readonly uncutNames: string[] = [];
  /** Jobs the editor is placing without their mask. */
  private readonly uncutIds = new Set<string>();
  document = '';

  constructor(private readonly deps: WaitingJobsDeps) {}

  get list(): WaitingJob[] {
    return [...this.jobs.values()];
  }

  /** Asks the daemon for this document's jobs (on each ready connection); false when it cannot. */
  refresh(): boolean {
    if (!this.document) return false;
    return this.deps.client()?.listJobs(this.document) ?? false;
  }

  /**
   * The daemon's list: every job not `own` (the panel's running batch follows its own) is
   * followed again or shown. Returns the listed ids.
   */
  takeList(message: JobsMessage, own: (jobId: string) => boolean): Set<string> {
    const ids = new Set(message.jobs.map((j) => j.jobId));
    if (message.document !== this.document) return ids;
    for (const listed of message.jobs) {
      if (own(listed.jobId)) continue;
      this.add(listed);
    }
    // Gone from the daemon meanwhile (placed by another panel of this file, expired, revoked).
    for (const jobId of [...this.jobs.keys()]) if (!ids.has(jobId) && this.jobs.get(jobId)!.state !== 'orphaned') this.jobs.delete(jobId);
    this.deps.changed();
    return ids;
  }

  private add(listed: ListedJob): void {
    const known = this.jobs.get(listed.jobId);
    if (known && known.state !== 'queued' && known.state !== 'running') return;
    const job: WaitingJob = known ?? {
      jobId: listed.jobId,
      label: listed.placement.label,
      data: listed.placement.data,
      state: 'queued',
      detail: '',
      fraction: 0,
      contentCount: listed.contentCount,
      pngs: [],
      message: null,
    };
    this.jobs.set(listed.jobId, job);
    switch (listed.state) {
      case 'queued':
      case 'running':
        job.state = listed.state;
        job.detail = listed.state === 'queued' ? 'Waiting its turn…' : 'Running…';
        this.deps.client()?.reattach(listed.jobId);
        return;
      case 'finished':
        job.state = 'placing';
        job.detail = 'Finished while the panel was closed; inserting…';
        this.deps.client()?.reattach(listed.jobId);
        return;
      default:
        job.state = 'not-finished';
        job.message = listed.message ?? NOT_FINISHED;
    }
  }

  /** A daemon message about one of these jobs: true when it was one (handled here). */
  take(message: JobMessage, images: Map<string, Uint8Array>): boolean {
    const jobId = 'jobId' in message ? message.jobId : undefined;
    const job = jobId ? this.jobs.get(jobId) : undefined;
    if (!job) return false;
    const step = describeJobStep(message, job);
    if (step) {
      if (job.state === 'queued' || job.state === 'running') job.state = message.type === 'queue-position' && message.position > 0 ? 'queued' : 'running';
      job.detail = step.detail;
      if (step.fraction !== undefined) job.fraction = step.fraction;
    } else if (message.type === 'result') {
      const png = images.get(message.image.id);
      // A view into the frame: copied, so the frame can go.
      if (png) job.pngs[message.contentIndex] = png.slice();
    } else if (message.type === 'completed') {
      job.state = 'placing';
      job.detail = 'Inserting…';
      this.deps.place(job, 'ask');
    } else if (message.type === 'error') {
      job.state = 'not-finished';
      job.message = message.message;
    } else if (message.type === 'cancelled') {
      this.jobs.delete(job.jobId);
      this.deps.dismiss(job);
    }
    this.deps.changed();
    return true;
  }

  /** The editor put the job's results in: the daemon forgets them (so nothing is placed twice). */
  placed(jobId: string): void {
    const job = this.jobs.get(jobId);
    if (!job) return;
    this.jobs.delete(jobId);
    this.deps.client()?.placed(jobId);
    this.placedNames.push(job.label);
    if (this.uncutIds.delete(jobId)) this.uncutNames.push(job.label);
    this.deps.changed();
  }

  /**
   * A masked result the editor places without its mask (it was not kept: too big for the job's
   * record, or sent by an older panel): once placed, the panel says so.
   */
  uncut(jobId: string): void {
    if (this.jobs.has(jobId)) this.uncutIds.add(jobId);
  }

  /** Its source was deleted: the designer decides (insertOrphan or drop). */
  orphaned(jobId: string): void {
    const job = this.jobs.get(jobId);
    if (!job) return;
    job.state = 'orphaned';
    job.message = `Its layer was deleted while it waited. Insert it as a new layer where the layer was, or drop it.`;
    this.deps.changed();
  }

  notPlaced(jobId: string, message: string): void {
    const job = this.jobs.get(jobId);
    if (!job) return;
    job.state = 'not-finished';
    job.message = message;
    this.deps.changed();
  }

  insertOrphan(jobId: string): void {
    const job = this.jobs.get(jobId);
    if (!job || job.state !== 'orphaned') return;
    job.state = 'placing';
    this.deps.place(job, 'insert');
    this.deps.changed();
  }

  /** Dropped by the designer (or acknowledged as not finished): forgotten here and in the daemon. */
  drop(jobId: string): void {
    const job = this.jobs.get(jobId);
    if (!job) return;
    this.jobs.delete(jobId);
    this.deps.client()?.placed(jobId);
    this.deps.dismiss(job);
    this.deps.changed();
  }

  /** One line for the designer about what was placed this session, or null. */
  placedSentence(): string | null {
    const names = this.placedNames;
    if (names.length === 0) return null;
    const inserted = names.length === 1 ? `Inserted “${names[0]}”, which finished while the panel was closed.` : `Inserted ${plural(names.length, 'result')} that finished while the panel was closed.`;
    const uncut = this.uncutNames;
    if (uncut.length === 0) return inserted;
    const which = uncut.length === 1 ? `“${uncut[0]}” covers` : `${uncut.map((n) => `“${n}”`).join(', ')} cover`;
    return `${inserted} ${which} the whole layer with a softer copy of it around the mask (its mask could not be kept with the job); apply the style again for a sharp one.`;
  }
}
