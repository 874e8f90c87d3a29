import { z } from 'zod';
import { MAX_STATE_MESSAGE_LENGTH } from './limits.ts';

/**
 * Where the daemon stands on its way to computing. The server listens (and pairs) from the
 * start; the first run then downloads, checks and converts the VGG-19 weights before the
 * engine loads. Only `ready` accepts stylize requests; `failed` is followed by a shutdown.
 */
export const DAEMON_STATES = [
  'starting',
  'downloading-weights',
  'verifying-weights',
  'converting-weights',
  'loading-engine',
  'ready',
  'failed',
] as const;

export const daemonStateNameSchema = z.enum(DAEMON_STATES);
export type DaemonStateName = z.infer<typeof daemonStateNameSchema>;

const count = z.number().int().min(0);

/** The daemon's state as `welcome.state` and the `daemon-state` message carry it. */
export const daemonStateInfoSchema = z.object({
  state: daemonStateNameSchema,
  /** Download progress (only while `downloading-weights`); `total` is null when the server did not say. */
  progress: z.object({ bytes: count, total: count.nullable() }).optional(),
  /** A sentence for the designer, e.g. "Downloading the style model (36.0 of 80.1 MB)". */
  message: z.string().max(MAX_STATE_MESSAGE_LENGTH),
});
export type DaemonStateInfo = z.infer<typeof daemonStateInfoSchema>;

/** What a client announces in `hello.capabilities` to receive `daemon-state` (see README). */
export const DAEMON_STATE_CAPABILITY = 'daemon-state';

/**
 * In a team server's welcome, unpaired included: pairing answers one of several invites, and
 * `pair` says which (its `invite` field: the code's first INVITE_SLOT_DIGITS digits).
 */
export const TEAM_INVITE_CAPABILITY = 'team-invite';

/**
 * In a welcome: `stylize` takes `regions` (masks) and `featherPx`. A daemon without it would
 * drop the unknown fields and paint the whole image, so a plugin sends a mask only to one with it.
 */
export const REGIONS_CAPABILITY = 'regions';
