import { formatPairingCode } from '../../protocol/index.ts';

/** What the tray shows; the daemon keeps one and hands every change to `Tray.update`. */
export interface TrayStatus {
  /** The headline: starting, weights progress, ready, or what went wrong. */
  line: string;
  /** Engine and device, once the engine is loaded: `tfjs cpu · CPU (XNNPACK)`. */
  engine: string | null;
  /** The running job and the queue: `Idle`, `Running a job, 2 waiting`. */
  job: string;
  connections: number;
  /** The open pairing window's code; null while pairing is closed (or before the server listens). */
  pairingCode: string | null;
  /** While pairing is open: time left and wrong codes seen (`4 min left, 2 wrong codes`). */
  pairingNote: string | null;
  startAtLogin: boolean;
}

export type TrayAction = 'open-pairing' | 'copy-pairing-code' | 'revoke-clients' | 'open-photopea' | 'open-log' | 'toggle-start-at-login' | 'quit';

/** One menu row. Rows without an action are read-only status lines (shown disabled). */
export interface TrayMenuRow {
  key: string;
  title: string;
  tooltip: string;
  enabled: boolean;
  checked?: boolean;
  action?: TrayAction;
  separator?: boolean;
}

/**
 * The tray menu for a status, top to bottom: status lines, pairing, maintenance, quit. Always
 * the same rows with the same keys, so an update changes titles in place rather than
 * rebuilding the menu (which flickers, and closes it if it is open).
 */
export function trayMenuRows(status: TrayStatus): TrayMenuRow[] {
  const code = status.pairingCode;
  return [
    { key: 'status', title: `Atelier: ${status.line}`, tooltip: 'What the daemon is doing', enabled: false },
    { key: 'engine', title: `Engine: ${status.engine ?? 'not loaded yet'}`, tooltip: 'Backend and device that compute', enabled: false },
    { key: 'job', title: `Job: ${status.job}`, tooltip: 'The running job and the queue', enabled: false },
    {
      key: 'connections',
      title: `Plugins connected: ${status.connections}`,
      tooltip: 'Open connections from the Figma plugin',
      enabled: false,
    },
    separator('sep-1'),
    {
      key: 'pairing-code',
      title: code ? `Pairing code: ${formatPairingCode(code)}${status.pairingNote ? ` (${status.pairingNote})` : ''}` : 'Pairing: closed',
      tooltip: 'Enter this code in the Figma plugin to pair it; click to copy',
      enabled: code !== null,
      action: 'copy-pairing-code',
    },
    {
      key: 'pair',
      title: code ? 'Keep pairing open longer' : 'Pair a new plugin…',
      tooltip: 'Open pairing for a few minutes, with a code to enter in the Figma plugin',
      enabled: true,
      action: 'open-pairing',
    },
    {
      key: 'revoke',
      title: 'Revoke paired plugins',
      tooltip: 'Forget every paired plugin; each must pair again with a new code',
      enabled: code !== null,
      action: 'revoke-clients',
    },
    separator('sep-2'),
    {
      key: 'open-photopea',
      title: 'Open Photopea with Atelier',
      tooltip: 'Open www.photopea.com in your browser with the Atelier plugin on its right side',
      enabled: true,
      action: 'open-photopea',
    },
    { key: 'open-log', title: 'Open log', tooltip: "Show the daemon's log file", enabled: true, action: 'open-log' },
    {
      key: 'start-at-login',
      title: 'Start at login',
      tooltip: 'Start Atelier when you log in',
      enabled: true,
      checked: status.startAtLogin,
      action: 'toggle-start-at-login',
    },
    separator('sep-3'),
    { key: 'quit', title: 'Quit Atelier', tooltip: 'Stop the daemon', enabled: true, action: 'quit' },
  ];
}

/** The tooltip of the icon itself: the headline and the pairing code. */
export function trayTooltip(status: TrayStatus): string {
  return status.pairingCode ? `Atelier: ${status.line} · pairing code ${formatPairingCode(status.pairingCode)}` : `Atelier: ${status.line}`;
}

function separator(key: string): TrayMenuRow {
  return { key, title: '<SEPARATOR>', tooltip: '', enabled: true, separator: true };
}
