import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { idSchema, keyIdSchema, placementSchema, styleOptionsSchema } from '../../protocol/index.ts';
import { keptFeatherSchema, keptRegionsFit, keptRegionsSchema } from './kept-regions.ts';
import { MAX_JOB_RECORD_BYTES } from './limits.ts';
import type { Logger } from './logger.ts';

/**
 * A job with a placement, as kept on disk: `active` while queued or computing (its inputs beside
 * it, and the image of each stage's end), `finished` once every result is written, `failed`
 * with the sentence its error gave, `interrupted` when a restart found it and could not resume.
 * Validated on every read: the folder is the daemon's, but a crash may leave anything in it.
 */
const recordSchema = z
  .object({
    version: z.literal(1),
    jobId: idSchema,
    /** The pairing that owns it (its key id). */
    owner: keyIdSchema,
    /** The hello's client name ("atelier-figma", "atelier-photopea"): which editor to name in the tray. */
    clientName: z.string().max(64),
    requestId: idSchema,
    placement: placementSchema,
    acceptedAt: z.string().max(40),
    contentCount: z.number().int().positive(),
    styleWeights: z.array(z.number().finite().positive()).min(1),
    /** Masked regions (issue 31), their masks in `mask-<i>.bin`; a record from before them has none. */
    regions: keptRegionsSchema,
    featherPx: keptFeatherSchema,
    options: styleOptionsSchema,
    progressEvery: z.number().int().positive(),
    state: z.enum(['active', 'finished', 'failed', 'interrupted']),
    finishedAt: z.string().max(40).optional(),
    message: z.string().max(500).optional(),
    /** Bytes of its result images (finished jobs): what counts against the waiting results' bound. */
    resultBytes: z.number().int().min(0).default(0),
  })
  .refine((r) => keptRegionsFit(r.regions, r.contentCount, r.styleWeights.length), { message: 'a region names a content image or style the job does not have' });

export type JobRecord = z.output<typeof recordSchema>;
export type JobRecordInput = Omit<z.input<typeof recordSchema>, 'version' | 'state' | 'resultBytes'>;

const RECORD = 'job.json';
const contentFile = (i: number): string => `content-${i}.bin`;
const styleFile = (i: number): string => `style-${i}.bin`;
const maskFile = (i: number): string => `mask-${i}.bin`;
const resultFile = (i: number): string => `result-${i}.png`;
const stageFile = (i: number, stage: number): string => `stage-${i}-${stage}.png`;
const STAGE_FILE = /^stage-(\d+)-(\d+)\.png$/;
/** Job ids are the daemon's own (`job-<hex>-<n>`); anything else in the folder is not a job. */
const JOB_DIR = /^job-[0-9a-f]+-\d+$/;

export interface JobInputs {
  contents: Uint8Array[];
  styles: Uint8Array[];
  /** One per region of the record, in its order. */
  masks: Uint8Array[];
}

export interface StoreBounds {
  maxResults: number;
  maxResultBytes: number;
  maxAgeMs: number;
}

/**
 * The jobs folder: one sub-folder per job with a placement. Writes go to a temporary name and
 * are renamed into place, so a SIGKILL leaves either the old or the new file, never half of one.
 */
export class JobStore {
  private readonly records = new Map<string, JobRecord>();

  private constructor(
    readonly dir: string,
    private readonly logger: Logger,
  ) {}

  /** Opens (creating) the folder and reads every job in it; unreadable ones are deleted and logged. */
  static async openAsync(dir: string, logger: Logger): Promise<JobStore> {
    const store = new JobStore(dir, logger);
    await mkdir(dir, { recursive: true, mode: 0o700 });
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      if (!entry.isDirectory() || !JOB_DIR.test(entry.name)) continue;
      const record = await store.readRecordAsync(entry.name);
      if (record) store.records.set(record.jobId, record);
      else {
        logger.log('warn', 'job-record-unreadable', { jobId: entry.name });
        await rm(join(dir, entry.name), { recursive: true, force: true });
      }
    }
    return store;
  }

  all(): JobRecord[] {
    return [...this.records.values()].sort((a, b) => a.acceptedAt.localeCompare(b.acceptedAt));
  }

  get(jobId: string): JobRecord | undefined {
    return this.records.get(jobId);
  }

  async createAsync(input: JobRecordInput, inputs: JobInputs): Promise<JobRecord> {
    const record = recordSchema.parse({ ...input, version: 1, state: 'active' });
    const folder = this.folder(record.jobId);
    await mkdir(folder, { recursive: true, mode: 0o700 });
    await Promise.all([
      ...inputs.contents.map((bytes, i) => this.writeAsync(record.jobId, contentFile(i), bytes)),
      ...inputs.styles.map((bytes, i) => this.writeAsync(record.jobId, styleFile(i), bytes)),
      ...inputs.masks.map((bytes, i) => this.writeAsync(record.jobId, maskFile(i), bytes)),
    ]);
    // The record last: a folder without one is a job that was never accepted.
    await this.writeRecordAsync(record);
    this.records.set(record.jobId, record);
    return record;
  }

  async readInputsAsync(jobId: string): Promise<JobInputs | null> {
    const record = this.records.get(jobId);
    if (!record) return null;
    try {
      const contents = await Promise.all(Array.from({ length: record.contentCount }, (_, i) => this.readAsync(jobId, contentFile(i))));
      const styles = await Promise.all(record.styleWeights.map((_, i) => this.readAsync(jobId, styleFile(i))));
      const masks = await Promise.all(record.regions.map((_, i) => this.readAsync(jobId, maskFile(i))));
      return { contents, styles, masks };
    } catch {
      return null;
    }
  }

  /** Keeps only the latest stage image of a content image (the one a resume starts from). */
  async saveStageAsync(jobId: string, contentIndex: number, stage: number, png: Uint8Array): Promise<void> {
    await this.writeAsync(jobId, stageFile(contentIndex, stage), png);
    for (const name of await this.namesAsync(jobId)) {
      const m = STAGE_FILE.exec(name);
      if (m && Number(m[1]) === contentIndex && Number(m[2]) < stage) await rm(join(this.folder(jobId), name), { force: true });
    }
  }

  async latestStageAsync(jobId: string, contentIndex: number): Promise<{ stage: number; png: Uint8Array } | null> {
    let best = -1;
    for (const name of await this.namesAsync(jobId)) {
      const m = STAGE_FILE.exec(name);
      if (m && Number(m[1]) === contentIndex) best = Math.max(best, Number(m[2]));
    }
    if (best < 0) return null;
    try {
      return { stage: best, png: await this.readAsync(jobId, stageFile(contentIndex, best)) };
    } catch {
      return null;
    }
  }

  async saveResultAsync(jobId: string, contentIndex: number, png: Uint8Array): Promise<void> {
    await this.writeAsync(jobId, resultFile(contentIndex), png);
  }

  async readResultAsync(jobId: string, contentIndex: number): Promise<Uint8Array | null> {
    try {
      return await this.readAsync(jobId, resultFile(contentIndex));
    } catch {
      return null;
    }
  }

  /** The job ended: its inputs and stage images go, its results stay (finished) until placed. */
  async finishAsync(jobId: string, state: 'finished' | 'failed' | 'interrupted', message?: string): Promise<JobRecord | null> {
    const record = this.records.get(jobId);
    if (!record) return null;
    let resultBytes = 0;
    if (state === 'finished') {
      for (let i = 0; i < record.contentCount; i++) resultBytes += (await stat(join(this.folder(jobId), resultFile(i)))).size;
    }
    const next: JobRecord = { ...record, state, finishedAt: new Date().toISOString(), resultBytes, ...(message ? { message: message.slice(0, 500) } : {}) };
    await this.writeRecordAsync(next);
    this.records.set(jobId, next);
    for (const name of await this.namesAsync(jobId)) {
      if (name !== RECORD && !(state === 'finished' && name.startsWith('result-'))) await rm(join(this.folder(jobId), name), { force: true });
    }
    return next;
  }

  async deleteAsync(jobId: string): Promise<boolean> {
    // Files first: a job still listed may still be read, one no longer listed has nothing left.
    await rm(this.folder(jobId), { recursive: true, force: true });
    return this.records.delete(jobId);
  }

  /**
   * Ended jobs past their age, then the oldest ended jobs while there are more than the bounds
   * allow (results count and bytes); active jobs are never dropped here. Returns what went.
   */
  async pruneAsync(bounds: StoreBounds, now = Date.now()): Promise<JobRecord[]> {
    const ended = this.all()
      .filter((r) => r.state !== 'active')
      .sort((a, b) => (a.finishedAt ?? a.acceptedAt).localeCompare(b.finishedAt ?? b.acceptedAt));
    const dropped: JobRecord[] = [];
    let count = ended.length;
    let bytes = ended.reduce((sum, r) => sum + r.resultBytes, 0);
    for (const record of ended) {
      const age = now - Date.parse(record.finishedAt ?? record.acceptedAt);
      if (!(age > bounds.maxAgeMs) && count <= bounds.maxResults && bytes <= bounds.maxResultBytes) continue;
      dropped.push(record);
      count -= 1;
      bytes -= record.resultBytes;
      await this.deleteAsync(record.jobId);
    }
    if (dropped.length > 0) this.logger.log('info', 'waiting-results-dropped', { jobs: dropped.map((r) => r.jobId), left: count, bytes });
    return dropped;
  }

  private folder(jobId: string): string {
    return join(this.dir, jobId);
  }

  private async namesAsync(jobId: string): Promise<string[]> {
    try {
      return await readdir(this.folder(jobId));
    } catch {
      return [];
    }
  }

  private async readAsync(jobId: string, name: string): Promise<Uint8Array> {
    return new Uint8Array(await readFile(join(this.folder(jobId), name)));
  }

  private async writeAsync(jobId: string, name: string, bytes: Uint8Array | string): Promise<void> {
    const path = join(this.folder(jobId), name);
    const temporary = `${path}.tmp`;
    await writeFile(temporary, bytes, { mode: 0o600 });
    await rename(temporary, path);
  }

  private async writeRecordAsync(record: JobRecord): Promise<void> {
    await this.writeAsync(record.jobId, RECORD, JSON.stringify(record));
  }

  private async readRecordAsync(name: string): Promise<JobRecord | null> {
    try {
      const path = join(this.folder(name), RECORD);
      if ((await stat(path)).size > MAX_JOB_RECORD_BYTES) return null;
      const parsed = recordSchema.safeParse(JSON.parse(await readFile(path, 'utf8')));
      return parsed.success && parsed.data.jobId === name ? parsed.data : null;
    } catch {
      return null;
    }
  }
}
