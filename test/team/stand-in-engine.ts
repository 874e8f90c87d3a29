import { setTimeout as sleepAsync } from 'node:timers/promises';
import { EngineError, resolveOptions, stagePlan, type EngineInfo, type RgbImage, type StylizeEvent, type StylizeRequest } from '../../daemon/engine/index.ts';

/**
 * An engine of fixed duration per iteration, for team-mode tests and the queue-only load run:
 * it keeps the real engine's contract (daemon/engine/engine.ts `stylize`, whose checks each
 * refusal below copies) so a worker driving it behaves as with the real one:
 * - options resolve through the real `resolveOptions` and `stagePlan` (bad options refused alike);
 * - no style image is `bad-image`; an aborted signal is `EngineError('cancelled')` once the
 *   iteration under way ends (the real engine's `abortIfRequested`, checked between iterations);
 * - `start` comes first, then `progress` per iteration (1-based stage and iteration), a preview
 *   every `previewEvery` and at each stage's last iteration, `onStageEndAsync(stage, image)`
 *   after every stage but the last (awaited before the next starts), then one `result`;
 * - `resume` must name a stage before the last whose image has that stage's size (else
 *   `bad-options`, the real sentence), and the stages up to it are skipped.
 * A job whose `seed` is STAND_IN_FAIL_SEED fails as a job too large for the GPU does: a
 * `memory-budget` EngineError thrown while planning, before `start` (the real engine plans first).
 * One whose `seed` is STAND_IN_CRASH_SEED kills its process after its first stage, as Linux's
 * OOM killer does a worker that a job's memory outgrew (SIGKILL: nothing runs after it); only
 * for worker processes (stand-in-worker.ts), never in a test's own process.
 */
export const STAND_IN_FAIL_SEED = 13;
export const STAND_IN_CRASH_SEED = 666;
export const STAND_IN_FAIL_SENTENCE = 'This job needs about 24000 MB for its largest stage, more than the 8000 MB budget; choose a smaller size.';

export interface StandInEngineOptions {
  iterationMs: number;
  device?: string;
}

export interface StandInEngine {
  readonly info: EngineInfo;
  stylize(request: StylizeRequest): AsyncGenerator<StylizeEvent>;
}

function solid(width: number, height: number, value: number): RgbImage {
  return { width, height, data: new Uint8Array(width * height * 3).fill(value) };
}

function checkImage(image: RgbImage, what: string): void {
  if (!(image.width > 0 && image.height > 0) || image.data.length !== image.width * image.height * 3) {
    throw new EngineError('bad-image', `The ${what} image is empty or malformed.`);
  }
}

export function createStandInEngine(o: StandInEngineOptions): StandInEngine {
  const info: EngineInfo = { engine: 'stand-in', backend: 'stand-in', device: o.device ?? 'stand-in-gpu', convention: 'caffe', weightsSource: 'none' };
  /** An iteration under way finishes (as a GPU kernel does); the abort is seen after it. */
  async function iterateAsync(signal: AbortSignal | undefined): Promise<void> {
    await sleepAsync(o.iterationMs);
    if (signal?.aborted) throw new EngineError('cancelled', 'The job was cancelled.');
  }
  return {
    info,
    async *stylize(request: StylizeRequest): AsyncGenerator<StylizeEvent> {
      const { content, styles, signal } = request;
      checkImage(content, 'content');
      if (styles.length === 0) throw new EngineError('bad-image', 'Choose at least one style image.');
      styles.forEach((s, i) => checkImage(s.image, `style ${i + 1}`));
      const options = resolveOptions(request.options, info.convention, content);
      if (options.seed === STAND_IN_FAIL_SEED) throw new EngineError('memory-budget', STAND_IN_FAIL_SENTENCE);
      const stages = stagePlan(options);
      const started = performance.now();
      yield { type: 'start', backend: info.backend, device: info.device, options, stages, memory: [], memoryBudgetMB: 8000, styleBalance: 1 };
      const resume = request.resume;
      if (resume) {
        const at = stages[resume.stage];
        if (!at || at.width !== resume.image.width || at.height !== resume.image.height || resume.stage >= stages.length - 1) {
          throw new EngineError('bad-options', "The saved stage image does not match this job's stages; apply the style again.");
        }
      }
      let image = resume?.image ?? solid(1, 1, 0);
      const losses = { content: 1, style: 1, tv: 1, total: 3 };
      for (const [s, stage] of stages.entries()) {
        if (resume && s <= resume.stage) continue;
        if (signal?.aborted) throw new EngineError('cancelled', 'The job was cancelled.');
        image = solid(stage.width, stage.height, 40 * (s + 1));
        const stageStarted = performance.now();
        for (let iteration = 1; iteration <= stage.iterations; iteration++) {
          await iterateAsync(signal);
          const seconds = (performance.now() - started) / 1000;
          const preview = options.previewEvery > 0 && (iteration % options.previewEvery === 0 || iteration === stage.iterations) ? { preview: image } : {};
          yield {
            type: 'progress',
            stage: s + 1,
            stages: stages.length,
            iteration,
            iterations: stage.iterations,
            losses,
            learningRate: options.learningRate,
            seconds,
            etaSeconds: 0,
            stageSeconds: (performance.now() - stageStarted) / 1000,
            secondsPerIteration: o.iterationMs / 1000,
            ...preview,
          };
        }
        if (request.onStageEndAsync && s < stages.length - 1) await request.onStageEndAsync(s, image);
        if (options.seed === STAND_IN_CRASH_SEED) process.kill(process.pid, 'SIGKILL');
      }
      yield { type: 'result', image, seconds: (performance.now() - started) / 1000, losses };
    },
  };
}
