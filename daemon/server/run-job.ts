import { setImmediate as yieldToEventLoopAsync } from 'node:timers/promises';
import { readPngSize, type Losses as WireLosses, type ProgressMessage, type ServerMessage } from '../../protocol/index.ts';
import type { Engine, Losses, MaskImage, RgbImage, StyleInput, StyleOptions } from '../engine/index.ts';
import { encodePngAsync, readImageAsync, readMaskAsync } from '../image/index.ts';
import { errorReply } from './engine-error-reply.ts';
import type { CancelReason, QueueJob } from './job-queue.ts';
import type { JobRegion } from './job-runner.ts';
import type { Logger } from './logger.ts';

/** Where a job's messages go: its client's connection (a no-op once that has closed). */
export interface JobSink {
  send(message: ServerMessage, images?: ReadonlyMap<string, Uint8Array>): void;
  /** False while the client's link is congested: previews are then skipped, results never. */
  canTakePreview(): boolean;
}

/**
 * Where a job with a placement keeps its work (job-store.ts): each stage's end and each result,
 * and what an earlier run of it (before a daemon restart) left.
 */
export interface JobPersistence {
  /** A result this job wrote before the daemon restarted. */
  earlierResultAsync(contentIndex: number): Promise<Uint8Array | null>;
  /** The last stage image an earlier run saved for this content image. */
  earlierStageAsync(contentIndex: number): Promise<{ stage: number; image: RgbImage } | null>;
  saveStageAsync(contentIndex: number, stage: number, image: RgbImage): Promise<void>;
  saveResultAsync(contentIndex: number, png: Uint8Array): Promise<void>;
  /** Every result is saved: the job is kept as finished before `completed` goes out. */
  completeAsync(): Promise<void>;
}

export interface StylizeJob extends QueueJob {
  readonly requestId: string;
  /** Encoded bytes, decoded only when the job runs so that waiting jobs stay small. */
  readonly contents: readonly Uint8Array[];
  readonly styles: ReadonlyArray<{ bytes: Uint8Array; weight: number; cacheKey: string }>;
  /** Masked regions (JobSpec.regions), their masks still encoded: decoded as their content image runs. */
  readonly regions: readonly JobRegion[];
  /** The regions' feather in pixels of the result; null: the engine's default. */
  readonly featherPx: number | null;
  readonly options: Partial<StyleOptions>;
  /** The progressEvery the request resolves to (its own or its preset's). */
  readonly progressEvery: number;
  /** performance.now() when accepted. */
  readonly acceptedAt: number;
  readonly sink: JobSink;
  /** Null for a job with a placement, which outlives its connection; else that connection's id. */
  readonly connectionId: string | null;
  readonly persist: JobPersistence | null;
}

export type JobEngine = Pick<Engine, 'stylize'>;

/**
 * A result saved on disk (job-store.ts), as the `result` message that sends it again: after a
 * daemon restart, or to a panel that reattaches. No losses or engine time: they were not kept.
 * Null when the file is not a PNG whose size can be read.
 */
export function savedResultMessage(
  jobId: string,
  contentIndex: number,
  contentCount: number,
  png: Uint8Array,
  queuedSeconds = 0,
): [ServerMessage, Map<string, Uint8Array>] | null {
  const size = readPngSize(png);
  if (!size) return null;
  const image = { id: 'result', mime: 'image/png' as const, width: size.width, height: size.height };
  const losses = { content: null, style: null, tv: null, total: null };
  const timings = { queuedSeconds, decodeSeconds: 0, engineSeconds: 0, encodeSeconds: 0 };
  return [{ type: 'result', jobId, contentIndex, contentCount, image, losses, timings }, new Map([['result', png]])];
}

/** What the status reply shows about the running job. */
export interface JobProgressSnapshot {
  contentIndex: number;
  stage: number;
  iteration: number;
  startedAt: number;
}

const seconds = (from: number): number => Math.max(0, (performance.now() - from) / 1000);

function wireLosses(losses: Losses): WireLosses {
  const finite = (x: number): number | null => (Number.isFinite(x) ? x : null);
  return { content: finite(losses.content), style: finite(losses.style), tv: finite(losses.tv), total: finite(losses.total) };
}

class Cancelled extends Error {}

function throwIfAborted(signal: AbortSignal): void {
  if (signal.aborted) throw new Cancelled();
}

/**
 * The engine's styles for content image `contentIndex`: as decoded when it has no regions; else
 * each style with the mask of its region, decoded here. Styles of one region share one
 * MaskImage object, since the engine forms regions by identity (style-regions.ts).
 */
async function stylesForContentAsync(job: StylizeJob, contentIndex: number, styles: readonly StyleInput[]): Promise<StyleInput[]> {
  const regions = job.regions.filter((r) => r.content === contentIndex);
  if (regions.length === 0) return [...styles];
  const masks: MaskImage[] = [];
  for (const [i, region] of regions.entries()) masks.push(await readMaskAsync(region.mask, regions.length > 1 ? `The mask of region ${i + 1}` : 'The mask'));
  return styles.map((style, s) => {
    const at = regions.findIndex((r) => r.styles.includes(s));
    return at < 0 ? style : { ...style, mask: masks[at]! };
  });
}

/**
 * Runs one stylize job on the engine, one content image after another, and streams its
 * messages to the sink. Never throws: every outcome ends in `completed`, `cancelled` or `error`.
 */
export async function runStylizeJobAsync(
  engine: JobEngine,
  job: StylizeJob,
  signal: AbortSignal,
  logger: Logger,
  progress: JobProgressSnapshot,
): Promise<'completed' | 'cancelled' | 'failed'> {
  const started = performance.now();
  const queuedSeconds = (started - job.acceptedAt) / 1000;
  const contentCount = job.contents.length;
  const base = { jobId: job.id, contentCount };
  let engineSeconds = 0;
  logger.log('info', 'job-start', { jobId: job.id, owner: job.ownerId, connectionId: job.connectionId, queuedSeconds, contents: contentCount, styles: job.styles.length, regions: job.regions.length });
  try {
    const decodeStarted = performance.now();
    const styles: StyleInput[] = [];
    for (const style of job.styles) {
      styles.push({ image: (await readImageAsync(style.bytes, { alpha: 'composite', label: 'A style image' })).rgb, weight: style.weight, cacheKey: style.cacheKey });
      throwIfAborted(signal);
    }
    let decodeSeconds = seconds(decodeStarted);
    for (let contentIndex = 0; contentIndex < contentCount; contentIndex++) {
      progress.contentIndex = contentIndex;
      const contentStarted = performance.now();
      const earlier = await job.persist?.earlierResultAsync(contentIndex);
      const saved = earlier ? savedResultMessage(job.id, contentIndex, contentCount, earlier, queuedSeconds) : null;
      if (saved) {
        // Finished before the daemon restarted: sent again as it was saved.
        job.sink.send(...saved);
        continue;
      }
      const resume = (await job.persist?.earlierStageAsync(contentIndex)) ?? undefined;
      // 1-based, as progress messages count stages: the stage after the kept one.
      const fromStage = resume ? resume.stage + 2 : null;
      if (fromStage !== null) logger.log('info', 'job-resume', { jobId: job.id, contentIndex, fromStage });
      const content: RgbImage = (await readImageAsync(job.contents[contentIndex]!, { alpha: 'composite', label: 'A layer image' })).rgb;
      const contentStyles = await stylesForContentAsync(job, contentIndex, styles);
      decodeSeconds += seconds(contentStarted);
      throwIfAborted(signal);
      const engineStarted = performance.now();
      let encodeSeconds = 0;
      // The engine reports every iteration so that this loop can yield to the event loop each
      // time: TensorFlow.js on the CPU never does, and without it a cancel (or any other
      // client's message) would wait for the whole job. The client's progressEvery is applied here.
      const reportEvery = job.progressEvery;
      const engineOptions = { ...job.options, progressEvery: 1 };
      let undelivered: ProgressMessage | undefined;
      const persist = job.persist;
      const onStageEndAsync = persist ? (stage: number, image: RgbImage) => persist.saveStageAsync(contentIndex, stage, image) : undefined;
      const feather = job.featherPx !== null ? { featherPx: job.featherPx } : {};
      for await (const event of engine.stylize({ content, styles: contentStyles, ...feather, options: engineOptions, signal, ...(onStageEndAsync ? { onStageEndAsync } : {}), ...(resume ? { resume } : {}) })) {
        await yieldToEventLoopAsync();
        throwIfAborted(signal);
        if (event.type === 'start') {
          job.sink.send({
            type: 'started',
            ...base,
            contentIndex,
            backend: event.backend,
            device: event.device,
            stages: event.stages.map((s) => ({ width: s.width, height: s.height, iterations: s.iterations })),
            // The panel says so ("resumed at stage 2"): after a restart, or another team worker's.
            ...(fromStage !== null ? { resumedFromStage: fromStage } : {}),
          });
        } else if (event.type === 'progress') {
          if (undelivered && undelivered.stage !== event.stage) job.sink.send(undelivered);
          undelivered = undefined;
          progress.stage = event.stage;
          progress.iteration = event.iteration;
          const due = event.iteration % reportEvery === 0 || event.iteration === event.iterations || event.preview !== undefined;
          const previewImage = event.preview;
          const message = {
            type: 'progress' as const,
            ...base,
            contentIndex,
            stage: event.stage,
            stages: event.stages,
            iteration: event.iteration,
            iterations: event.iterations,
            losses: wireLosses(event.losses),
            learningRate: event.learningRate,
            seconds: event.seconds,
            etaSeconds: Math.max(0, event.etaSeconds),
            stageSeconds: event.stageSeconds,
            secondsPerIteration: event.secondsPerIteration,
          };
          if (!due) {
            // Held back: sent anyway if it turns out to be a stage's last (L-BFGS converged early).
            undelivered = message;
            continue;
          }
          undelivered = undefined;
          if (previewImage && job.sink.canTakePreview()) {
            const encodeStarted = performance.now();
            const png = await encodePngAsync(previewImage, undefined, 'preview');
            encodeSeconds += seconds(encodeStarted);
            const preview = { id: 'preview', mime: 'image/png' as const, width: previewImage.width, height: previewImage.height };
            job.sink.send({ ...message, preview }, new Map([['preview', png]]));
          } else {
            job.sink.send(message);
          }
        } else {
          if (undelivered) job.sink.send(undelivered);
          undelivered = undefined;
          const engineDone = seconds(engineStarted);
          const encodeStarted = performance.now();
          const png = await encodePngAsync(event.image);
          const resultEncode = seconds(encodeStarted);
          engineSeconds += engineDone - encodeSeconds;
          // On disk before it is sent: a panel that closes now finds it when it opens again.
          await job.persist?.saveResultAsync(contentIndex, png);
          const image = { id: 'result', mime: 'image/png' as const, width: event.image.width, height: event.image.height };
          job.sink.send(
            {
              type: 'result',
              ...base,
              contentIndex,
              image,
              losses: wireLosses(event.losses),
              timings: {
                queuedSeconds,
                decodeSeconds,
                engineSeconds: Math.max(0, engineDone - encodeSeconds),
                encodeSeconds: encodeSeconds + resultEncode,
              },
            },
            new Map([['result', png]]),
          );
        }
      }
    }
    await job.persist?.completeAsync();
    job.sink.send({ type: 'completed', jobId: job.id, seconds: seconds(started) });
    logger.log('info', 'job-end', { jobId: job.id, outcome: 'completed', seconds: seconds(started), engineSeconds, queuedSeconds });
    return 'completed';
  } catch (error) {
    if (signal.aborted) {
      const reason = (signal.reason as CancelReason | undefined) ?? 'client';
      job.sink.send({ type: 'cancelled', jobId: job.id, reason });
      logger.log('info', 'job-end', { jobId: job.id, outcome: 'cancelled', reason, seconds: seconds(started) });
      return 'cancelled';
    }
    const reply = errorReply(error);
    job.sink.send({ type: 'error', code: reply.code, message: reply.message, jobId: job.id, requestId: job.requestId });
    logger.log('error', 'job-end', {
      jobId: job.id,
      outcome: 'failed',
      code: reply.code,
      detail: error instanceof Error ? error.message : String(error),
      seconds: seconds(started),
    });
    return 'failed';
  }
}
