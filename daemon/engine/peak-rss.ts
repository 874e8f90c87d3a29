import { onnxWorkerPeakRssBytes } from './onnx/worker-client.ts';

/**
 * This process' peak RSS plus its ONNX worker processes' (as of their last replies), in bytes:
 * the sum of the peaks bounds the peak of the sum from above, so a job measured with it is never
 * reported smaller than it was. What the benchmarks and `npm run quality` print.
 */
export function jobPeakRssBytes(): number {
  return process.resourceUsage().maxRSS * 1024 + onnxWorkerPeakRssBytes();
}
