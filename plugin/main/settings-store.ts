import { z } from 'zod';
import { DEFAULT_JOB_OPTIONS, jobOptionsSchema, type JobOptions } from '../bridge/index.ts';
import { DAEMON_URL, MAX_TEAM_KEYS, SETTINGS_KEY } from '../limits.ts';
import { storedKeySchema, type StoredKey } from '../../client/key-store.ts';
import { teamServerAddressSchema } from '../../client/team-server.ts';
import { BUILT_IN_TEAM_SERVER, whyFigmaBlocks } from '../team-build.ts';
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
  /** The pairing key with the Atelier app on this computer (client/key-store.ts); the UI iframe does all crypto with it. */
  key: storedKeySchema.nullable().catch(null),
  /**
   * The designer's Team server: an address, null for the app on this computer (chosen), absent
   * when never chosen (then a studio build's own server, team-build.ts).
   */
  teamServer: teamServerAddressSchema.nullable().optional().catch(undefined),
  /**
   * Keys with team servers, by address, oldest first: kept apart from `key`, so a key is only
   * ever named to the server it was made with (a local key never reaches a team server's
   * upgrade URL or proofs, and the reverse).
   */
  teamKeys: z.record(teamServerAddressSchema, storedKeySchema).catch({}),
});
export type StoredSettings = z.infer<typeof storedSettingsSchema>;

export const DEFAULT_SETTINGS: StoredSettings = {
  options: DEFAULT_JOB_OPTIONS,
  key: null,
  teamKeys: {},
};

/** Where the window connects, and with which key. */
export interface ServerChoice {
  /** The team server's address, or null: the Atelier app on this computer. */
  teamServer: string | null;
  daemonUrl: string;
  key: StoredKey | null;
}

/**
 * The server the designer chose (or, never having chosen, this build's own), if this copy of the
 * plugin may reach it: an address stored by another build under the same plugin id (the studio's
 * and a developer's share clientStorage) falls back to the app on this computer.
 */
export function serverChoice(settings: StoredSettings): ServerChoice {
  const wanted = settings.teamServer === undefined ? BUILT_IN_TEAM_SERVER : settings.teamServer;
  const teamServer = whyFigmaBlocks(wanted) === null ? wanted : null;
  return teamServer === null
    ? { teamServer, daemonUrl: DAEMON_URL, key: settings.key }
    : { teamServer, daemonUrl: teamServer, key: settings.teamKeys[teamServer] ?? null };
}

/** The settings patch that files `key` under `server` (null: the app on this computer), or forgets it. */
export function keyPatch(settings: StoredSettings, server: string | null, key: StoredKey | null): Partial<StoredSettings> {
  if (server === null) return { key };
  const { [server]: _old, ...others } = settings.teamKeys;
  const kept = Object.entries(others).slice(-(MAX_TEAM_KEYS - 1));
  return { teamKeys: Object.fromEntries(key === null ? kept : [...kept, [server, key]]) };
}

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

/** `patch` may be worked out from the settings as stored when this write runs (after earlier writes). */
export function saveSettingsAsync(api: HostApi, patch: Partial<StoredSettings> | ((current: StoredSettings) => Partial<StoredSettings>)): Promise<StoredSettings> {
  const previous = pendingWrites.get(api) ?? Promise.resolve();
  const write = previous
    .catch(() => undefined)
    .then(async () => {
      const current = await loadSettingsAsync(api);
      const next = { ...current, ...(typeof patch === 'function' ? patch(current) : patch) };
      await api.clientStorage.setAsync(SETTINGS_KEY, next);
      return next;
    });
  pendingWrites.set(api, write);
  return write;
}

export type { JobOptions };
