import { z } from 'zod';
import { DEFAULT_JOB_OPTIONS, jobOptionsSchema, type JobOptions } from '../bridge/index.ts';
import { SETTINGS_KEY } from '../limits.ts';
import { storedKeySchema } from '../../client/key-store.ts';
import type { HostApi } from './figma-host.ts';

/**
 * What the plugin remembers between runs, in `figma.clientStorage` (per user, per machine).
 * Read through zod: anything unreadable falls back to defaults field by field rather than
 * losing everything.
 */
const storedSettingsSchema = z.object({
  options: jobOptionsSchema.catch(DEFAULT_JOB_OPTIONS),
  styleNodeId: z.string().nullable().catch(null),
  /** The pairing key (client/key-store.ts); the UI iframe does all crypto with it. */
  key: storedKeySchema.nullable().catch(null),
  /** Only for development setups whose daemon listens elsewhere (the manifest must allow it). */
  daemonPort: z.number().int().min(1).max(65535).nullable().catch(null),
});
export type StoredSettings = z.infer<typeof storedSettingsSchema>;

export const DEFAULT_SETTINGS: StoredSettings = {
  options: DEFAULT_JOB_OPTIONS,
  styleNodeId: null,
  key: null,
  daemonPort: null,
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
