import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { LIMITS } from '../../protocol/index.ts';
import { MEMORY_LIMITS } from '../engine/index.ts';
import {
  DEFAULT_DAEMON_PORT,
  DEFAULT_HELLO_TIMEOUT_MS,
  DEFAULT_MAX_CONNECTIONS,
  DEFAULT_MAX_PAYLOAD_BYTES,
  DEFAULT_MAX_QUEUED_JOBS,
  DEFAULT_MAX_QUEUED_JOBS_PER_CLIENT,
  DEFAULT_MAX_UNPAIRED_CONNECTIONS,
  DEFAULT_PAIRING_ATTEMPT_INTERVAL_MS,
  DEFAULT_PAIRING_WINDOW_MS,
  DEFAULT_UNPAIRED_IDLE_MS,
  DEFAULT_PREVIEW_EVERY,
  DEFAULT_PREVIEW_MAX_SIDE,
  DEFAULT_PHOTOPEA_FRAME_ANCESTORS,
  DEFAULT_MAX_WAITING_RESULTS,
  DEFAULT_MAX_WAITING_RESULT_BYTES,
  DEFAULT_WAITING_RESULT_MAX_AGE_MS,
  LISTEN_HOST,
} from './limits.ts';

const origin = z.string().regex(/^https?:\/\/[^/\s]+$/, 'an origin is scheme://host[:port]');
/** The built Photopea page and its icon, next to this file in the repository. */
const PHOTOPEA_DIR = new URL('../../photopea/', import.meta.url);

/**
 * The plain-data options of `startDaemonServerAsync` (they usually come from the daemon's
 * config file, a trust boundary, hence zod). Defaults live in `limits.ts`.
 */
export const serverOptionsSchema = z.object({
  /** Only loopback: the daemon must never be reachable from the network. */
  host: z.literal(LISTEN_HOST).default(LISTEN_HOST),
  /** 0 picks a free port (tests). */
  port: z.number().int().min(0).max(65535).default(DEFAULT_DAEMON_PORT),
  /** Where the paired-plugins key file lives (e.g. ~/.config/atelier). */
  configDir: z.string().min(1),
  /** Browser origins allowed besides "null" (Figma's plugin iframe) and no Origin (CLI). */
  allowedOrigins: z.array(origin).default([]),
  /** Origins that may frame the Photopea plugin page (tests add their own HTTPS page). */
  photopeaFrameAncestors: z.array(origin).min(1).default(DEFAULT_PHOTOPEA_FRAME_ANCESTORS),
  /** The built plugin page served at /photopea/ (`npm run build` writes it). */
  photopeaPageFile: z.string().min(1).default(fileURLToPath(new URL('dist/index.html', PHOTOPEA_DIR))),
  photopeaIconFile: z.string().min(1).default(fileURLToPath(new URL('icon.svg', PHOTOPEA_DIR))),
  maxPayloadBytes: z.number().int().min(LIMITS.MAX_TEXT_MESSAGE_BYTES).max(1024 * 1024 * 1024).default(DEFAULT_MAX_PAYLOAD_BYTES),
  maxQueuedJobs: z.number().int().min(0).max(1000).default(DEFAULT_MAX_QUEUED_JOBS),
  maxQueuedJobsPerClient: z.number().int().min(0).max(1000).default(DEFAULT_MAX_QUEUED_JOBS_PER_CLIENT),
  maxConnections: z.number().int().min(1).max(1000).default(DEFAULT_MAX_CONNECTIONS),
  helloTimeoutMs: z.number().int().min(100).max(600_000).default(DEFAULT_HELLO_TIMEOUT_MS),
  previewEvery: z.number().int().min(0).max(LIMITS.MAX_PROGRESS_EVERY).default(DEFAULT_PREVIEW_EVERY),
  previewMaxSide: z.number().int().min(LIMITS.MIN_PREVIEW_SIDE).max(LIMITS.MAX_PREVIEW_SIDE).default(DEFAULT_PREVIEW_MAX_SIDE),
  pairingWindowMs: z.number().int().min(1000).max(3_600_000).default(DEFAULT_PAIRING_WINDOW_MS),
  /** 0 only in tests: it lifts the bound on guesses per window. */
  pairingAttemptIntervalMs: z.number().int().min(0).max(60_000).default(DEFAULT_PAIRING_ATTEMPT_INTERVAL_MS),
  /** Open a pairing window at start (the designer just started the daemon). */
  pairingOpenAtStart: z.boolean().default(true),
  maxUnpairedConnections: z.number().int().min(1).max(100).default(DEFAULT_MAX_UNPAIRED_CONNECTIONS),
  unpairedIdleMs: z.number().int().min(100).max(3_600_000).default(DEFAULT_UNPAIRED_IDLE_MS),
  /**
   * The engine's memory budget (the config's memoryBudgetMB), for `estimate` to plan as a job
   * would; absent: the engine's default share of the free memory (defaultMemoryBudgetMB).
   */
  memoryBudgetMB: z.number().int().min(MEMORY_LIMITS.minBudgetMB).max(MEMORY_LIMITS.maxBudgetMB).optional(),
  /**
   * Where jobs with a placement and their waiting results live (job-store.ts); the daemon
   * passes its cache folder's `jobs`. Absent: `jobs` inside configDir.
   */
  jobsDir: z.string().min(1).optional(),
  maxWaitingResults: z.number().int().min(1).max(10_000).default(DEFAULT_MAX_WAITING_RESULTS),
  maxWaitingResultBytes: z.number().int().min(1).max(1024 ** 4).default(DEFAULT_MAX_WAITING_RESULT_BYTES),
  waitingResultMaxAgeMs: z.number().int().min(1).max(365 * 24 * 3_600_000).default(DEFAULT_WAITING_RESULT_MAX_AGE_MS),
  /** Reported in `welcome.daemon.version`. */
  daemonVersion: z.string().min(1).max(32).default('0.0.0'),
});

export type ServerOptionsInput = z.input<typeof serverOptionsSchema>;
export type ServerOptions = z.output<typeof serverOptionsSchema>;

/**
 * What the connection code needs of the options (connection-hub.ts): a team front door parses
 * its own (`connectionLimitsSchema.parse({ maxConnections: 200 })`, the rest default).
 */
export const connectionLimitsSchema = serverOptionsSchema.pick({
  maxPayloadBytes: true,
  maxQueuedJobs: true,
  maxConnections: true,
  maxUnpairedConnections: true,
  helloTimeoutMs: true,
  unpairedIdleMs: true,
  previewEvery: true,
  previewMaxSide: true,
  memoryBudgetMB: true,
});
export type ConnectionLimitsInput = z.input<typeof connectionLimitsSchema>;
export type ConnectionLimits = z.output<typeof connectionLimitsSchema>;
