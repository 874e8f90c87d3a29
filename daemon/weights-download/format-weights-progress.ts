import type { WeightsProgress } from './weights-progress.ts';

/** `12.3 MB`: decimal megabytes, as download sizes are usually quoted. */
export function formatBytes(bytes: number): string {
  if (bytes < 1000) return `${bytes} B`;
  if (bytes < 1e6) return `${(bytes / 1e3).toFixed(1)} kB`;
  if (bytes < 1e9) return `${(bytes / 1e6).toFixed(1)} MB`;
  return `${(bytes / 1e9).toFixed(2)} GB`;
}

/**
 * One short line for a progress report, shared by the tray's status item and the log:
 * `Downloading weights 41% (33.1 of 80.1 MB, 5.2 MB/s)`.
 */
export function formatWeightsProgress(progress: WeightsProgress): string {
  switch (progress.phase) {
    case 'download': {
      const rate = `${formatBytes(Math.round(progress.bytesPerSecond))}/s`;
      if (progress.total === null || progress.total === 0) return `Downloading weights (${formatBytes(progress.bytes)}, ${rate})`;
      const percent = Math.floor((100 * progress.bytes) / progress.total);
      return `Downloading weights ${percent}% (${formatBytes(progress.bytes)} of ${formatBytes(progress.total)}, ${rate})`;
    }
    case 'verify':
      return 'Checking the downloaded weights';
    case 'convert':
      return 'Converting the weights';
    case 'ready':
      return 'Weights ready';
  }
}
