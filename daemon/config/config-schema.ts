import { z } from 'zod';
import { DEFAULT_DAEMON_PORT } from '../../protocol/limits.ts';
import { BACKEND_NAMES, ENGINE_NAMES, EXECUTION_PROVIDER_NAMES, MEMORY_LIMITS } from '../engine/index.ts';
import { SERVER_LIMITS } from '../server/index.ts';
import { DEFAULT_WEIGHTS_HASH, DEFAULT_WEIGHTS_URL } from '../weights-download/index.ts';

/**
 * The daemon's configuration file (`config.json` in the user's config folder) and the home of
 * every configurable default. Command-line flags and environment variables override it and are
 * validated by the same schema. Unknown keys are refused, so a typo does not silently fall back
 * to a default.
 */

/** Bounds of the configurable values, documented in the README's configuration table. */
export const CONFIG_LIMITS = {
  /** 0 lets the system pick a free port (used by tests); below 1024 needs administrator rights. */
  minPort: 1024,
  maxPort: 65535,
  /** Iterations between two preview images; 0 turns previews off. */
  maxPreviewEvery: 1000,
  maxQueueLength: 64,
  maxAllowedOrigins: 32,
} as const;

/**
 * Extra origins whose pages may open a WebSocket to the daemon. Figma's plugin iframes send
 * `Origin: null`, which the server always accepts, so none are needed for the plugin.
 */
export const DEFAULT_ALLOWED_ORIGINS: readonly string[] = [];
/** The server's defaults, restated under the names the config file uses. */
export const DEFAULT_PREVIEW_EVERY: number = SERVER_LIMITS.DEFAULT_PREVIEW_EVERY;
export const DEFAULT_QUEUE_LENGTH: number = SERVER_LIMITS.DEFAULT_MAX_QUEUED_JOBS;

const portSchema = z
  .number({ invalid_type_error: 'must be a whole number' })
  .int('must be a whole number')
  .refine((p) => p === 0 || (p >= CONFIG_LIMITS.minPort && p <= CONFIG_LIMITS.maxPort), {
    message: `must be between ${CONFIG_LIMITS.minPort} and ${CONFIG_LIMITS.maxPort} (or 0 for any free port)`,
  });

const originSchema = z
  .string()
  .regex(/^https?:\/\/[^/\s]+$/, 'must be a scheme and host such as "https://example.com" or "http://localhost:3000" (no path, no trailing slash)');

const hashSchema = z
  .string()
  .regex(/^([0-9a-fA-F]{32}|[0-9a-fA-F]{64})$/, 'must be an MD5 (32 hex digits) or SHA-256 (64 hex digits) checksum')
  .transform((h) => h.toLowerCase());

export const configSchema = z
  .object({
    /** TCP port on 127.0.0.1 the plugin connects to. */
    port: portSchema.default(DEFAULT_DAEMON_PORT),
    /** A weights folder (weights_manifest.json) or a Keras .h5 file; null: download on first run. */
    weights: z.string().min(1, 'must be a path, or null to download the weights').nullable().default(null),
    /** Where the first run downloads the Keras VGG-19 notop weights from. */
    weightsUrl: z
      .string()
      .url('must be a full URL such as https://example.com/vgg19_notop.h5')
      .refine((u) => /^https?:/.test(u), { message: 'must be an http or https URL' })
      .default(DEFAULT_WEIGHTS_URL),
    /** Checksum of the downloaded file (MD5 or SHA-256, by length). */
    weightsHash: hashSchema.default(DEFAULT_WEIGHTS_HASH),
    /** What computes the gradient: 'auto' (onnx where it loads, else tfjs), 'tfjs' or 'onnx'. */
    engine: z.enum(ENGINE_NAMES).default('auto'),
    /** Which TensorFlow.js backend computes; 'auto' picks the fastest that loads. */
    backend: z.enum(BACKEND_NAMES).default('auto'),
    /**
     * ONNX Runtime execution provider: 'auto' tries CUDA (where its library is installed),
     * then WebGPU, then the CPU; a named one that cannot start stops the daemon saying why.
     */
    executionProvider: z.enum(EXECUTION_PROVIDER_NAMES).default('auto'),
    /** WebSocket Origin headers the daemon accepts besides Figma's `null`. */
    allowedOrigins: z
      .array(originSchema)
      .max(CONFIG_LIMITS.maxAllowedOrigins, `must list at most ${CONFIG_LIMITS.maxAllowedOrigins} origins`)
      .default([...DEFAULT_ALLOWED_ORIGINS]),
    /** Preview interval: a preview image every N iterations of a job (0: none), unless a request asks otherwise. */
    previewEvery: z
      .number({ invalid_type_error: 'must be a whole number of iterations' })
      .int('must be a whole number of iterations')
      .min(0, 'must be 0 (no previews) or more')
      .max(CONFIG_LIMITS.maxPreviewEvery, `must be at most ${CONFIG_LIMITS.maxPreviewEvery} iterations`)
      .default(DEFAULT_PREVIEW_EVERY),
    /** Jobs that may wait behind the running one; further requests are refused as busy. */
    queueLength: z
      .number({ invalid_type_error: 'must be a whole number' })
      .int('must be a whole number')
      .min(0, 'must be 0 or more')
      .max(CONFIG_LIMITS.maxQueueLength, `must be at most ${CONFIG_LIMITS.maxQueueLength}`)
      .default(DEFAULT_QUEUE_LENGTH),
    /**
     * Memory (MB) a job may plan for: stages larger than it allows are computed in tiles, with
     * a shorter L-BFGS history at the largest; a job that cannot fit even in the smallest
     * tiles is refused with the megabytes it needs. null: 60% of the free memory when each job
     * starts, at least 25% of the machine's (the engine's MEMORY_LIMITS).
     */
    memoryBudgetMB: z
      .number({ invalid_type_error: 'must be a whole number of megabytes, or null' })
      .int('must be a whole number of megabytes')
      .min(MEMORY_LIMITS.minBudgetMB, `must be at least ${MEMORY_LIMITS.minBudgetMB} MB (the runtime alone needs about that)`)
      .max(MEMORY_LIMITS.maxBudgetMB, `must be at most ${MEMORY_LIMITS.maxBudgetMB} MB`)
      .nullable()
      .default(null),
  })
  .strict();

export type AtelierConfig = z.output<typeof configSchema>;
export type AtelierConfigInput = z.input<typeof configSchema>;

export const CONFIG_FILE_NAME = 'config.json';
