import type { DaemonStateInfo } from '../../protocol/index.ts';

/** The `not-ready` error's sentence: what the daemon is doing and when to try again. */
export function notReadySentence(state: DaemonStateInfo): string {
  switch (state.state) {
    case 'downloading-weights': {
      const total = state.progress?.total;
      const percent = total ? ` (${Math.floor((100 * (state.progress?.bytes ?? 0)) / total)}%)` : '';
      return `Atelier is still downloading its style model${percent}; try again in a minute.`;
    }
    case 'verifying-weights':
    case 'converting-weights':
      return 'Atelier is still preparing its style model; try again in a minute.';
    case 'failed':
      return `Atelier could not set up its style model: ${state.message}`;
    default:
      return 'Atelier is still starting its engine; try again in a few seconds.';
  }
}
