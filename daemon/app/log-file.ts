import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { dirname } from 'node:path';

/** The daemon's log (JSON lines), opened for appending; the tray's "Open log" shows it. */
export function openLogFile(file: string): { write(line: string): void; closeAsync(): Promise<void> } {
  mkdirSync(dirname(file), { recursive: true });
  const stream: WriteStream = createWriteStream(file, { flags: 'a', mode: 0o600 });
  // A full disk must not take the daemon down with it: the log is a convenience.
  stream.on('error', () => undefined);
  return {
    write: (line) => {
      stream.write(line);
    },
    closeAsync: () => new Promise<void>((resolve) => stream.end(() => resolve())),
  };
}
