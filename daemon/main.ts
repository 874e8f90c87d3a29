/**
 * `npm start`: the Atelier daemon (see daemon/app/README.md). Runs until Ctrl+C, SIGTERM or
 * the tray's Quit; the exit code is 0 on a clean stop or when another instance is running.
 */
import { runDaemonAsync } from './app/index.ts';

const listeners: Array<() => void> = [];
let stops = 0;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    // A second Ctrl+C while shutting down means "now".
    if (++stops > 1) process.exit(130);
    for (const listener of listeners) listener();
  });
}

process.exitCode = await runDaemonAsync(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  onStopSignal: (listener) => listeners.push(listener),
  // A line on the terminal (Enter) opens pairing: the designer is at the machine.
  onPairRequest: (listener) => {
    process.stdin.on('data', () => listener());
    process.stdin.on('error', () => undefined);
  },
});
// Reading the terminal would keep the process alive after the daemon stopped.
process.stdin.destroy();
