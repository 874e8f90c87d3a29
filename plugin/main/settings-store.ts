import { z } from 'zod';
import { DEFAULT_JOB_OPTIONS, jobOptionsSchema, type JobOptions } from '../bridge/index.ts';
import { SETTINGS_KEY } from '../limits.ts';
import { storedKeySchema } from '../../client/key-store.ts';
import type { HostApi } from './figma-host.ts';

/**
 * What the plugin remembers between runs, in `figma.clientStorage` (per user, per machine,
 * per plugin id: after an id change it reads as empty and the plugin pairs again). Read
 * through zod: anything unreadable falls back to defaults field by field rather than losing
 * everything. Fields of older versions are dropped on the next save: `styleNodeId` (a node id
 * of whichever file was open; the choice now lives in that file, main/style-choice.ts) and
 * `daemonPort` (an address the manifest does not allow; limits.ts, DAEMON_URL).
 */
const storedSettingsSchema = z.object({
  options: jobOptionsSchema.catch(DEFAULT_JOB_OPTIONS),
  /** The pairing key (client/key-store.ts); the UI iframe does all crypto with it. */
  key: storedKeySchema.nullable().catch(null),
});
export type StoredSettings = z.infer<typeof storedSettingsSchema>;

export const DEFAULT_SETTINGS: StoredSettings = {
  options: DEFAULT_JOB_OPTIONS,
  key: null,
};

export async function loadSettingsAsync(api: HostApi): Promise<StoredSettings> {
  let raw: unknown;
  try {
    raw = await api.clientStorage.getAsync(SETTINGS_KEY);
  } catch {
    return DEFAULT_SETTINGS;
  }
  if (typeof raw !== 'object' || raw === null) return DEFAULT_SETTINGS;
  const parsed = storedSettingsSchema.safeParse({ ...DEFAULT_SETTINGS, ...raw });
  return parsed.success ? parsed.data : DEFAULT_SETTINGS;
}

/** Writes are chained per API object: two quick saves must not read-modify-write over each other. */
const pendingWrites = new WeakMap<HostApi, Promise<unknown>>();

export function saveSettingsAsync(api: HostApi, patch: Partial<StoredSettings>): Promise<StoredSettings> {
  const previous = pendingWrites.get(api) ?? Promise.resolve();
  const write = previous
    .catch(() => undefined)
    .then(async () => {
      const next = { ...(await loadSettingsAsync(api)), ...patch };
      await api.clientStorage.setAsync(SETTINGS_KEY, next);
      return next;
    });
  pendingWrites.set(api, write);
  return write;
}

export type { JobOptions };
