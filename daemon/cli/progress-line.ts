import type { ProgressEvent, StageMemorySummary } from '../engine/index.ts';

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

/** d2l-style loss line: stage, iteration, the three weighted losses, elapsed and remaining time. */
export function formatLossLine(ev: ProgressEvent): string {
  const width = String(ev.iterations).length;
  const e = (x: number): string => x.toExponential(3);
  return (
    `stage ${ev.stage}/${ev.stages}  iter ${String(ev.iteration).padStart(width)}/${ev.iterations}  ` +
    `content ${e(ev.losses.content)}  style ${e(ev.losses.style)}  tv ${e(ev.losses.tv)}  total ${e(ev.losses.total)}  ` +
    `${formatDuration(ev.seconds)} elapsed, ${formatDuration(ev.etaSeconds)} left  (stage: ${formatDuration(ev.stageSeconds)}, ${ev.secondsPerIteration.toFixed(2)} s/iter)`
  );
}

/** A one-line bar over the whole job (all stages), for a terminal. */
export function formatBar(ev: ProgressEvent, columns: number): string {
  const done = (ev.stage - 1 + ev.iteration / ev.iterations) / ev.stages;
  const label = ` ${Math.floor(done * 100)}%  stage ${ev.stage}/${ev.stages}  ${formatDuration(ev.etaSeconds)} left`;
  const size = Math.max(10, Math.min(40, columns - label.length - 3));
  const filled = Math.round(done * size);
  return `[${'#'.repeat(filled)}${'-'.repeat(size - filled)}]${label}`;
}

/**
 * The job's memory plan in one line, so a large job says before any work whether and how it is
 * tiled: `memory budget 4096 MB: stage 1 whole, history 20 (≤ 3232 MB); stage 2 in 6 windows of
 * 880×880 (halo 96), history 3 (≤ 3458 MB)`. The figures are the plan's upper bounds.
 */
export function formatMemoryPlan(stages: readonly StageMemorySummary[], budgetMB: number): string {
  const parts = stages.map((st, i) => {
    const how = st.windows ? `in ${st.windows.count} windows of ${st.windows.width}×${st.windows.height} (halo ${st.windows.halo})` : 'whole';
    return `stage ${i + 1} ${how}, history ${st.historySize} (≤ ${st.estimatedMB} MB)`;
  });
  return `memory budget ${budgetMB} MB: ${parts.join('; ')}`;
}
