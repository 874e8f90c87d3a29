/**
 * What the first-run weights path reports while it works, in order: `download` events (many),
 * `verify`, `convert`, then `ready`. The terminal bar, the tray's status line and the server's
 * message to plugins all render these.
 */
export type WeightsProgress =
  | {
      phase: 'download';
      /** Bytes on disk so far (a resumed download starts above 0). */
      bytes: number;
      /** Size of the whole file, when the server says. */
      total: number | null;
      /** Bytes per second over this session's transfer. */
      bytesPerSecond: number;
      /** The byte the current request started at (0 unless resumed). */
      resumedFrom: number;
    }
  | { phase: 'verify'; file: string }
  | { phase: 'convert'; file: string }
  | { phase: 'ready'; dir: string; source: string };

export type WeightsProgressListener = (progress: WeightsProgress) => void;
