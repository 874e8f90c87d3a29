/** Public surface of the tray: its menu for a status, its icon, and starting it. */
export { trayMenuRows, trayTooltip, readySentence, MAX_TRAY_WAITING_ROWS, type TrayStatus, type TrayAction, type TrayMenuRow, type WaitingResultLine } from './tray-menu.ts';
export { writeTrayIconAsync } from './tray-icon.ts';
export { startTrayAsync, type Tray, type StartTrayOptions } from './start-tray-async.ts';
