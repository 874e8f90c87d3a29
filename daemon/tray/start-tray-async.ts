import type { ChildProcess } from 'node:child_process';
import systray2, { type ClickEvent, type MenuItem } from 'systray2';
import { prepareTrayHelperAsync } from './prepare-tray-helper-async.ts';
import { trayMenuRows, trayTooltip, type TrayAction, type TrayMenuRow, type TrayStatus } from './tray-menu.ts';

export interface Tray {
  update(status: TrayStatus): void;
  closeAsync(): Promise<void>;
}

export interface StartTrayOptions {
  iconFile: string;
  /** A folder Atelier owns where the native helper is copied, executable (see `prepare-tray-helper-async.ts`). */
  helperDir: string;
  status: TrayStatus;
  onAction: (action: TrayAction) => void;
  /** Called if the tray helper dies later (the daemon then carries on in the terminal). */
  onExit?: (reason: string) => void;
}

// systray2 is CommonJS with an `exports.default` class: under Node's ESM the default import is
// the whole `exports` object.
const SysTray = systray2.default;

/** How long the tray helper may take to show its icon before the daemon gives up on it. */
const READY_TIMEOUT_MS = 10_000;

interface RowItem extends MenuItem {
  key: string;
  action?: TrayAction;
}

/**
 * Shows the tray icon and its menu with systray2 (a small native helper per platform, driven
 * over stdin/stdout). Rejects when the helper cannot start, e.g. on Linux without a desktop or
 * without libappindicator3; the caller falls back to the terminal.
 */
export async function startTrayAsync(options: StartTrayOptions): Promise<Tray> {
  const rows = trayMenuRows(options.status);
  const items: RowItem[] = rows.map(toItem);
  const systray = new SysTray({
    menu: {
      icon: options.iconFile,
      isTemplateIcon: false,
      title: '',
      tooltip: trayTooltip(options.status),
      items,
    },
    debug: false,
    copyDir: await prepareTrayHelperAsync(options.helperDir),
  });

  // Handled at once: a helper that cannot be spawned rejects this before anything else runs.
  const readyOutcome = systray.ready().then(
    () => 'ready' as const,
    (error: unknown) => `the tray helper failed: ${error instanceof Error ? error.message : String(error)}`,
  );

  // systray2 spawns its helper only after an asynchronous lookup, and its onExit/onError throw
  // until then; wait for the child process to exist before listening to it.
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (optionalProcess(systray) === undefined && Date.now() < deadline) await sleepAsync(20);
  const helper = optionalProcess(systray);
  if (helper === undefined) throw new Error(`the tray helper did not start within ${READY_TIMEOUT_MS / 1000} s`);

  let exited = helper.exitCode !== null;
  let closing = false;
  const exitPromise = new Promise<string>((resolve) => {
    helper.once('exit', (code, signal) => {
      exited = true;
      resolve(`the tray helper exited (${signal ?? `code ${code}`})`);
    });
    helper.once('error', (error: Error) => {
      exited = true;
      resolve(`the tray helper failed: ${error.message}`);
    });
  });
  let timer: NodeJS.Timeout | undefined;
  const outcome = await Promise.race([
    readyOutcome,
    exitPromise,
    new Promise<string>((resolve) => {
      timer = setTimeout(() => resolve(`the tray helper did not show its icon within ${READY_TIMEOUT_MS / 1000} s`), Math.max(0, deadline - Date.now()));
    }),
  ]).finally(() => clearTimeout(timer));
  if (outcome !== 'ready') {
    if (!exited) helper.kill();
    throw new Error(outcome);
  }
  void exitPromise.then((reason) => {
    if (!closing) options.onExit?.(reason);
  });

  await systray.onClick((event: ClickEvent) => {
    const action = (event.item as RowItem).action;
    if (action) options.onAction(action);
  });

  let shown = rows;
  let tooltip = trayTooltip(options.status);
  return {
    update(status) {
      if (exited) return;
      const nextTooltip = trayTooltip(status);
      if (nextTooltip !== tooltip) {
        // Only the whole menu carries the tooltip; it changes rarely (pairing, a result ready).
        tooltip = nextTooltip;
        void systray.sendAction({ type: 'update-menu', menu: { icon: options.iconFile, isTemplateIcon: false, title: '', tooltip, items } });
      }
      const next = trayMenuRows(status);
      next.forEach((row, i) => {
        const before = shown[i];
        if (before && before.title === row.title && before.enabled === row.enabled && before.checked === row.checked && before.hidden === row.hidden) return;
        const item = items[i];
        // systray2 appends a check mark to the title of checked items on Linux: set it afresh.
        Object.assign(item, { title: row.title, tooltip: row.tooltip, enabled: row.enabled, checked: row.checked ?? false, hidden: row.hidden ?? false });
        void systray.sendAction({ type: 'update-item', item });
      });
      shown = next;
    },
    async closeAsync() {
      closing = true;
      if (exited) return;
      await Promise.race([systray.kill(false).catch(() => undefined), sleepAsync(2000)]);
      if (!exited) helper.kill();
    },
  };
}

/** The helper's child process, once systray2 has spawned it (its getter is typed as always set). */
function optionalProcess(systray: InstanceType<typeof SysTray>): ChildProcess | undefined {
  return (systray.process as ChildProcess | undefined) ?? undefined;
}

function sleepAsync(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function toItem(row: TrayMenuRow): RowItem {
  if (row.separator) return { ...SysTray.separator, key: row.key };
  return {
    key: row.key,
    title: row.title,
    tooltip: row.tooltip,
    enabled: row.enabled,
    checked: row.checked ?? false,
    hidden: row.hidden ?? false,
    ...(row.action ? { action: row.action } : {}),
  };
}
