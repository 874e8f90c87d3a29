import type { DaemonStateInfo } from '../server/index.ts';
import { formatWeightsProgress, type WeightsProgress } from '../weights-download/index.ts';

/**
 * The daemon state plugins see for a weights step (the server throttles the download's
 * reports); null for `ready`, after which the app reports the engine loading itself.
 */
export function daemonStateOfWeights(progress: WeightsProgress): DaemonStateInfo | null {
  const message = formatWeightsProgress(progress);
  switch (progress.phase) {
    case 'download':
      return { state: 'downloading-weights', progress: { bytes: progress.bytes, total: progress.total }, message };
    case 'verify':
      return { state: 'verifying-weights', message };
    case 'convert':
      return { state: 'converting-weights', message };
    case 'ready':
      return null;
  }
}
