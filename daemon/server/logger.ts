/** Structured log: one JSON object per line, one line per event. Never carries tokens. */

export type LogLevel = 'info' | 'warn' | 'error';
export type LogFields = Record<string, string | number | boolean | null | undefined | string[]>;

export interface Logger {
  log(level: LogLevel, event: string, fields?: LogFields): void;
}

export interface LogLine extends Record<string, unknown> {
  time: string;
  level: LogLevel;
  event: string;
}

/** Writes JSON lines to a stream (stderr by default, so stdout stays free for the CLI). */
export function createJsonLogger(write: (line: string) => void = (line) => process.stderr.write(line)): Logger {
  return {
    log(level, event, fields = {}) {
      const line: LogLine = { time: new Date().toISOString(), level, event, ...fields };
      write(JSON.stringify(line) + '\n');
    },
  };
}

/** Keeps lines in memory (tests, and the tray's "recent activity"). */
export function createMemoryLogger(): Logger & { lines: LogLine[] } {
  const lines: LogLine[] = [];
  return {
    lines,
    log(level, event, fields = {}) {
      lines.push({ time: new Date().toISOString(), level, event, ...fields });
    },
  };
}
