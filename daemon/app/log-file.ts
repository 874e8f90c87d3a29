import { closeSync, mkdirSync, openSync, renameSync, statSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { MAX_LOG_FILE_BYTES } from './limits.ts';

/**
 * The daemon's log (JSON lines), appended to; the tray's "Open log" shows it. Past `maxBytes`
 * it is rotated to `<file>.1` (replacing the previous one), so the log never takes more than
 * twice that on disk. Lines are written synchronously: the logger rate-limits them, and a
 * line written before a crash is worth more than a buffered one.
 */
export function openLogFile(file: string, maxBytes: number = MAX_LOG_FILE_BYTES): { write(line: string): void; closeAsync(): Promise<void> } {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const open = (): number | null => {
    try {
      return openSync(file, 'a', 0o600);
    } catch {
      return null;
    }
  };
  let size = 0;
  try {
    size = statSync(file).size;
  } catch {
    // No log yet.
  }
  let fd = open();
  return {
    write: (line) => {
      const bytes = Buffer.from(line);
      if (size > 0 && size + bytes.length > maxBytes) {
        if (fd !== null) closeSync(fd);
        try {
          renameSync(file, `${file}.1`);
        } catch {
          // Rotation failed (e.g. the folder went read-only): keep appending rather than lose lines.
        }
        fd = open();
        size = 0;
      }
      size += bytes.length;
      // A full disk must not take the daemon down with it: the log is a convenience.
      if (fd !== null) {
        try {
          writeSync(fd, bytes);
        } catch {
          // Dropped line.
        }
      }
    },
    closeAsync: async () => {
      if (fd !== null) closeSync(fd);
      fd = null;
    },
  };
}
