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
  /**
   * Results of jobs that finished while no plugin window followed them, oldest first (issue 32;
   * the server's `waitingResults()`); absent or empty: none.
   */
  waiting?: ReadonlyArray<WaitingResultLine>;
}

/** A result waiting for its plugin window: its name and the editor to open. */
export interface WaitingResultLine {
  label: string;
  editor: string;
}

/**
 * Rows kept for waiting results (hidden while unused, so rows keep their keys); more results
 * than this end in a "… and N more" row. A designer waits on a few at a time, not dozens.
 */
export const MAX_TRAY_WAITING_ROWS = 4;

/**
 * What the tray and terminal say when a job finishes with no window following it. systray2
 * shows no notifications (its helper takes icon, title, tooltip and menu items only), so the
 * sentence goes to the icon's tooltip, a menu row and the terminal.
 */
export function readySentence(result: WaitingResultLine): string {
  return `${result.label} is ready — open Atelier in ${result.editor} to place it`;
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
  /** Kept in the menu but not shown (systray2's `hidden`): rows for results not there now. */
  hidden?: boolean;
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
    ...waitingRows(status.waiting ?? []),
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

/** The tooltip of the icon itself: the headline, the pairing code, and the newest waiting result. */
export function trayTooltip(status: TrayStatus): string {
  const newest = status.waiting?.at(-1);
  const parts = [`Atelier: ${status.line}`];
  if (status.pairingCode) parts.push(`pairing code ${formatPairingCode(status.pairingCode)}`);
  if (newest) parts.push(readySentence(newest));
  return parts.join(' · ');
}

/** A heading and MAX_TRAY_WAITING_ROWS rows, the unused ones hidden. */
function waitingRows(waiting: ReadonlyArray<WaitingResultLine>): TrayMenuRow[] {
  const shown = waiting.length > MAX_TRAY_WAITING_ROWS ? waiting.slice(-(MAX_TRAY_WAITING_ROWS - 1)) : waiting;
  const more = waiting.length - shown.length;
  const rows: TrayMenuRow[] = [
    { key: 'waiting', title: `Waiting to be placed: ${waiting.length}`, tooltip: 'Results that finished while no Atelier window was open', enabled: false, hidden: waiting.length === 0 },
  ];
  for (let i = 0; i < MAX_TRAY_WAITING_ROWS; i++) {
    const result = shown[i];
    const title = result ? readySentence(result) : more > 0 && i === shown.length ? `… and ${more} older` : '';
    rows.push({ key: `waiting-${i}`, title: title ? `  ${title}` : ' ', tooltip: 'Open Atelier in that editor, in the same file, to place it', enabled: false, hidden: title === '' });
  }
  return rows;
}

function separator(key: string): TrayMenuRow {
  return { key, title: '<SEPARATOR>', tooltip: '', enabled: true, separator: true };
}
