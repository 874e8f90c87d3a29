/** Structured log: one JSON object per line, one line per event. Never carries tokens or pairing codes. */
import { LOG_MAX_LINES_PER_EVENT, LOG_RATE_WINDOW_MS } from './limits.ts';

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

/**
 * Field names that never reach a log line, whatever a caller passes: the secrets of pairing.
 * (The pairing code is shown in the tray and terminal only; tokens only to their plugin.)
 */
const SECRET_FIELDS = new Set(['token', 'pairingCode', 'secret', 'key']);

export interface JsonLoggerOptions {
  /** Lines of one event per window; the rest are counted and summed up in one `log-suppressed` line. */
  maxPerWindow?: number;
  windowMs?: number;
  now?: () => number;
}

/**
 * Writes JSON lines to a stream (stderr by default, so stdout stays free for the CLI). Repeats
 * are rate-limited per event name, so one client's flood of bad messages (an `error-reply`
 * each) writes a few lines a second and a count, not megabytes.
 */
export function createJsonLogger(write: (line: string) => void = (line) => process.stderr.write(line), options: JsonLoggerOptions = {}): Logger {
  const { maxPerWindow = LOG_MAX_LINES_PER_EVENT, windowMs = LOG_RATE_WINDOW_MS, now = Date.now } = options;
  let windowStart = now();
  const counts = new Map<string, number>();
  const emit = (level: LogLevel, event: string, fields: LogFields): void => {
    const line: LogLine = { time: new Date().toISOString(), level, event };
    for (const [name, value] of Object.entries(fields)) if (!SECRET_FIELDS.has(name)) line[name] = value;
    write(JSON.stringify(line) + '\n');
  };
  const rollWindow = (): void => {
    for (const [event, count] of counts) {
      if (count > maxPerWindow) emit('warn', 'log-suppressed', { repeatedEvent: event, suppressed: count - maxPerWindow, seconds: windowMs / 1000 });
    }
    counts.clear();
    windowStart = now();
  };
  return {
    log(level, event, fields = {}) {
      if (now() - windowStart >= windowMs) rollWindow();
      const count = (counts.get(event) ?? 0) + 1;
      counts.set(event, count);
      if (count <= maxPerWindow) emit(level, event, fields);
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
