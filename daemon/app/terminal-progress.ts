import { formatBytes, formatWeightsProgress, type WeightsProgress } from '../weights-download/index.ts';

const BAR_WIDTH = 30;
/** On a pipe (a log, a test) a line every this many percent instead of a redrawn bar. */
const PIPE_STEP_PERCENT = 10;

/**
 * Renders weights progress in the terminal: a bar redrawn in place on a TTY,
 * `[##########--------------------]  33% 26.4 of 80.1 MB 5.1 MB/s`, or one line per 10% when
 * the output is not a terminal.
 */
export function createTerminalProgress(out: NodeJS.WriteStream): (progress: WeightsProgress) => void {
  let lastStep = -1;
  let barShown = false;
  return (progress) => {
    if (progress.phase !== 'download') {
      if (barShown) out.write('\n');
      barShown = false;
      out.write(`${formatWeightsProgress(progress)}\n`);
      return;
    }
    const fraction = progress.total ? Math.min(1, progress.bytes / progress.total) : 0;
    const percent = Math.floor(fraction * 100);
    const rate = `${formatBytes(Math.round(progress.bytesPerSecond))}/s`;
    const size = progress.total ? `${formatBytes(progress.bytes)} of ${formatBytes(progress.total)}` : formatBytes(progress.bytes);
    if (out.isTTY) {
      const filled = Math.round(fraction * BAR_WIDTH);
      const bar = `[${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}]`;
      out.write(`\r${bar} ${String(percent).padStart(3)}% ${size} ${rate}   `);
      barShown = true;
      return;
    }
    const step = Math.floor(percent / PIPE_STEP_PERCENT);
    if (step !== lastStep) {
      lastStep = step;
      out.write(`${formatWeightsProgress(progress)}\n`);
    }
  };
}
