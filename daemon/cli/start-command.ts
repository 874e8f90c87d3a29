import { runDaemonAsync } from '../app/index.ts';

/**
 * `atelier start [--headless] [--port N] …` and `npm start`: the daemon until Ctrl+C, SIGTERM or
 * the tray's Quit; the exit code is 0 on a clean stop or when another instance is running.
 * `relaunchArgs` is what start-at-login runs after Node's options (the entry script and `start`).
 */
export async function runStartCommandAsync(argv: readonly string[], relaunchArgs?: readonly string[]): Promise<number> {
  const listeners: Array<() => void> = [];
  let stops = 0;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      // A second Ctrl+C while shutting down means "now".
      if (++stops > 1) process.exit(130);
      for (const listener of listeners) listener();
    });
  }
  const code = await runDaemonAsync(argv, {
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    onStopSignal: (listener) => listeners.push(listener),
    // A line on the terminal (Enter) opens pairing: the designer is at the machine.
    onPairRequest: (listener) => {
      process.stdin.on('data', () => listener());
      process.stdin.on('error', () => undefined);
    },
    ...(relaunchArgs ? { relaunchArgs } : {}),
  });
  // Reading the terminal would keep the process alive after the daemon stopped.
  process.stdin.destroy();
  return code;
}
