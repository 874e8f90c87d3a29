import type { DaemonStateInfo } from '../protocol/index.ts';

export interface SetupDescription {
  /** The status pill, short: "Setting up… 45%". */
  pill: string;
  /** The setup card's line: "Setting up Atelier: downloading the style model… 45%". */
  headline: string;
  /** A second, quieter line. */
  detail: string;
  /** The progress bar's fill (0..1), or null when the step has no measurable progress. */
  fraction: number | null;
  failed: boolean;
}

function megabytes(bytes: number): string {
  return `${(bytes / 1e6).toFixed(1)} MB`;
}

/** What the window says about a daemon that is still setting up (or failed to). */
export function describeSetup(setup: DaemonStateInfo): SetupDescription {
  const soon = 'Apply style is enabled as soon as it is ready.';
  switch (setup.state) {
    case 'downloading-weights': {
      const bytes = setup.progress?.bytes ?? 0;
      const total = setup.progress?.total ?? null;
      if (!total) {
        return { pill: 'Setting up…', headline: `Setting up Atelier: downloading the style model… ${megabytes(bytes)}`, detail: `First start only. ${soon}`, fraction: null, failed: false };
      }
      const fraction = Math.min(1, bytes / total);
      const percent = `${Math.floor(fraction * 100)}%`;
      return {
        pill: `Setting up… ${percent}`,
        headline: `Setting up Atelier: downloading the style model… ${percent}`,
        detail: `${megabytes(bytes)} of ${megabytes(total)}, first start only. ${soon}`,
        fraction,
        failed: false,
      };
    }
    case 'verifying-weights':
      return { pill: 'Setting up…', headline: 'Setting up Atelier: checking the style model…', detail: soon, fraction: 1, failed: false };
    case 'converting-weights':
      return { pill: 'Setting up…', headline: 'Setting up Atelier: preparing the style model…', detail: soon, fraction: 1, failed: false };
    case 'loading-engine':
      return { pill: 'Starting…', headline: 'Setting up Atelier: starting the engine…', detail: soon, fraction: null, failed: false };
    case 'failed':
      return { pill: 'Setup failed', headline: 'Atelier could not set up its style model.', detail: setup.message, fraction: null, failed: true };
    case 'starting':
    case 'ready':
      return { pill: 'Starting…', headline: 'Atelier is starting…', detail: soon, fraction: null, failed: false };
  }
}
