import type { RgbImage } from '../engine/index.ts';
import { encodePngAsync, readImageAsync } from '../image/index.ts';
import type { JobPersistence } from './run-job.ts';

/**
 * Where a job's stage images and results are kept, by job id: the local jobs folder
 * (job-store.ts) or a studio's Redis (daemon/team/). PNG bytes in and out.
 */
export interface KeptJobFiles {
  readResultAsync(jobId: string, contentIndex: number): Promise<Uint8Array | null>;
  latestStageAsync(jobId: string, contentIndex: number): Promise<{ stage: number; png: Uint8Array } | null>;
  saveStageAsync(jobId: string, contentIndex: number, stage: number, png: Uint8Array): Promise<void>;
  saveResultAsync(jobId: string, contentIndex: number, png: Uint8Array): Promise<void>;
}

/**
 * A job's JobPersistence over kept files: each stage's end saved as PNG, and read back to
 * resume from (an unreadable stage image resumes nothing: the job starts over).
 */
export function keptJobPersistence(files: KeptJobFiles, jobId: string, completeAsync: () => Promise<void>): JobPersistence {
  return {
    earlierResultAsync: (contentIndex) => files.readResultAsync(jobId, contentIndex),
    earlierStageAsync: async (contentIndex) => {
      const saved = await files.latestStageAsync(jobId, contentIndex);
      if (!saved) return null;
      try {
        const image: RgbImage = (await readImageAsync(saved.png, { alpha: 'composite', label: 'A saved stage image' })).rgb;
        return { stage: saved.stage, image };
      } catch {
        return null;
      }
    },
    saveStageAsync: async (contentIndex, stage, image) => files.saveStageAsync(jobId, contentIndex, stage, await encodePngAsync(image)),
    saveResultAsync: (contentIndex, png) => files.saveResultAsync(jobId, contentIndex, png),
    completeAsync,
  };
}
