import { readFileSync } from 'node:fs';
import { z } from 'zod';

/** The version in package.json, reported by `--version` and in the protocol's welcome. */
export function readDaemonVersion(): string {
  try {
    const text = readFileSync(new URL('../../package.json', import.meta.url), 'utf8');
    const parsed = z.object({ version: z.string().min(1).max(32) }).safeParse(JSON.parse(text));
    return parsed.success ? parsed.data.version : '0.0.0';
  } catch {
    return '0.0.0';
  }
}
