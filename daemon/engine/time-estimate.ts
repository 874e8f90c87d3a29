import { EngineError } from './engine-error.ts';
import { MB, planStageMemory } from './memory-budget.ts';
import { stagePlan } from './presets.ts';
import type { StyleOptions } from './types.ts';

/**
 * Seconds per pixel and iteration, the one home of the job-time estimate (`estimate`). Measured
 * by the bench (issue 11, `npm run bench`) on a 2-core machine: a whole 512×384 stage at
 * ~1.66 s/iteration (1.66 / 196 608 px), a 2048×1536 stage in 6 windows at 61 s/iteration
 * (61 / 3 145 728 px: the halos are computed but not owned, so windows cost more per pixel).
 * These are 2-core figures: a faster machine (or a GPU provider) will beat them. The daemon
 * may later refine them with the secondsPerIteration measured on recent jobs.
 */
export const TIME_RATES = {
  wholeSecondsPerPixelIteration: 1.66 / (512 * 384),
  tiledSecondsPerPixelIteration: 61 / (2048 * 1536),
} as const;

export interface StageEstimate {
  width: number;
  height: number;
  iterations: number;
  plan: 'whole' | 'tiled';
  tiles?: number;
}

export type JobEstimate =
  | { fits: true; stages: StageEstimate[]; peakMB: number; seconds: number }
  | { fits: false; message: string };

/**
 * What a job with these (resolved) options would take under `budgetMB`: the engine's own
 * memory plan per stage (planStageMemory, as `stylize` plans it) and TIME_RATES. A stage that
 * fits no window gives `fits: false` with the engine's memory-budget sentence. `regions`: a
 * masked job's region count (planStageMemory's; 0, the default, an unmasked job).
 */
export function estimateJob(options: StyleOptions, budgetMB: number, regions = 0): JobEstimate {
  const stages: StageEstimate[] = [];
  let peak = 0;
  let seconds = 0;
  for (const st of stagePlan(options)) {
    let plan;
    try {
      plan = planStageMemory(st.height, st.width, options, budgetMB, regions);
    } catch (error) {
      if (error instanceof EngineError && error.code === 'memory-budget') return { fits: false, message: error.message };
      throw error;
    }
    const tiled = plan.tiles !== undefined;
    const rate = tiled ? TIME_RATES.tiledSecondsPerPixelIteration : TIME_RATES.wholeSecondsPerPixelIteration;
    seconds += rate * st.width * st.height * st.iterations;
    peak = Math.max(peak, plan.estimatedBytes);
    stages.push({
      width: st.width,
      height: st.height,
      iterations: st.iterations,
      plan: tiled ? 'tiled' : 'whole',
      ...(tiled ? { tiles: plan.tiles!.windows.length } : {}),
    });
  }
  return { fits: true, stages, peakMB: Math.ceil(peak / MB), seconds: Math.round(seconds) };
}
