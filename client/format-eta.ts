/** "about 12 s left", "about 3 min left": rounded the way people read a progress bar. */
export function formatEta(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds <= 0) return 'almost done';
  if (seconds < 60) return `about ${Math.max(1, Math.round(seconds))} s left`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `about ${minutes} min left`;
  const hours = Math.floor(minutes / 60);
  return `about ${hours} h ${minutes % 60} min left`;
}

/** Fraction of one frame's work done, from a progress message's stage and iteration. */
export function frameFraction(stage: number, stages: number, iteration: number, iterations: number): number {
  if (stages <= 0 || iterations <= 0) return 0;
  return Math.min(1, ((stage - 1) * iterations + iteration) / (stages * iterations));
}
