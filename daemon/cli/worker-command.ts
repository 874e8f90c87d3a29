import { parseArgs } from 'node:util';
import { z } from 'zod';
import { resolveUserDirs } from '../config/index.ts';
import { BACKEND_NAMES, createEngineAsync, ENGINE_NAMES, EngineError, EXECUTION_PROVIDER_NAMES, MEMORY_LIMITS, type Engine } from '../engine/index.ts';
import { createJsonLogger } from '../server/index.ts';
import { closeRedisAsync, connectCommandRedisAsync, redactedRedisUrl, RedisUnavailableError, resolveRedisUrl } from '../team/command-redis.ts';
import { REDIS_URL_ENV } from '../team/designer-limits.ts';
import { defaultWorkerName, startGpuWorkerAsync } from '../team/gpu-worker.ts';
import { DEFAULT_KEY_PREFIX } from '../team/limits.ts';
import { DEFAULT_WEIGHTS_HASH, DEFAULT_WEIGHTS_URL, ensureWeightsAsync, formatWeightsProgress, WeightsError } from '../weights-download/index.ts';
import type { CliIo } from './stylize-command.ts';

export const WORKER_USAGE = `Usage: atelier worker --redis URL [--provider NAME] [--device N] [--name NAME] [options]

One GPU's worker for a studio's team server: takes jobs from Redis one at a time, computes
them, and sends progress, previews and results back. Run one per GPU (a systemd unit each).

Options:
  --redis URL            the studio's Redis (default: $${REDIS_URL_ENV})
  --provider NAME        ONNX Runtime provider: ${EXECUTION_PROVIDER_NAMES.join(' | ')} (default auto)
  --device N             which GPU (NVIDIA: sets CUDA_VISIBLE_DEVICES=N for this process)
  --name NAME            shown to designers and in \`atelier team status\` (default: host-device)
  --weights PATH         VGG-19 weights folder or Keras .h5 (default: $ATELIER_WEIGHTS, else the cache's, downloaded there at the first start)
  --engine NAME          ${ENGINE_NAMES.join(' | ')} (default auto)
  --backend NAME         TensorFlow.js backend: ${BACKEND_NAMES.join(' | ')} (default auto)
  --memory-budget MB     memory a job may plan for (default: a share of the free memory)
  --prefix P             Redis key prefix (default ${DEFAULT_KEY_PREFIX})
  -h, --help             this text

SIGTERM or Ctrl+C hands a running job back to the queue (another worker resumes it at its
last finished stage) and exits.
`;

const argsSchema = z.object({
  redis: z.string().optional(),
  provider: z.enum(EXECUTION_PROVIDER_NAMES).optional(),
  device: z.coerce.number().int().min(0).max(63).optional(),
  name: z
    .string()
    .regex(/^[A-Za-z0-9._:-]{1,64}$/, 'a worker name is 1 to 64 letters, digits and . _ : -')
    .optional(),
  weights: z.string().min(1).optional(),
  engine: z.enum(ENGINE_NAMES).optional(),
  backend: z.enum(BACKEND_NAMES).optional(),
  'memory-budget': z.coerce.number().int().min(MEMORY_LIMITS.minBudgetMB).max(MEMORY_LIMITS.maxBudgetMB).optional(),
  prefix: z.string().min(1).optional(),
  help: z.boolean().optional(),
});

/** `atelier worker`: runs until stopped; 0 stopped, 1 could not start, 2 bad usage. */
export async function runWorkerCommandAsync(argv: string[], io: CliIo): Promise<number> {
  const usage = (message: string): number => {
    io.stderr.write(`atelier worker: ${message}\n\n${WORKER_USAGE}`);
    return 2;
  };
  let raw;
  try {
    raw = parseArgs({
      args: argv,
      strict: true,
      options: {
        redis: { type: 'string' },
        provider: { type: 'string' },
        device: { type: 'string' },
        name: { type: 'string' },
        weights: { type: 'string' },
        engine: { type: 'string' },
        backend: { type: 'string' },
        'memory-budget': { type: 'string' },
        prefix: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }).values;
  } catch (error) {
    return usage((error as Error).message);
  }
  const parsed = argsSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    return usage(`--${issue.path.join('.')}: ${issue.message}`);
  }
  const args = parsed.data;
  if (args.help) {
    io.stdout.write(WORKER_USAGE);
    return 0;
  }
  const redis = resolveRedisUrl(args.redis, io.env);
  if (!redis.ok) return usage(redis.message);
  // Checked once at start so that a wrong URL is a sentence now, not a worker retrying for ever.
  try {
    await closeRedisAsync(await connectCommandRedisAsync(redis.url));
  } catch (error) {
    if (!(error instanceof RedisUnavailableError)) throw error;
    io.stderr.write(`atelier worker: ${error.message}\n`);
    return 1;
  }
  const cacheDir = resolveUserDirs(io.env).cache;
  // Given, or else the cache's (downloaded there on a first start, as `atelier start` does): a
  // worker started by systemd on a fresh GPU machine needs no step by hand.
  const givenWeights = args.weights ?? io.env.ATELIER_WEIGHTS ?? null;
  // Before the engine loads its runtime: CUDA reads it once, at initialisation.
  if (args.device !== undefined) process.env.CUDA_VISIBLE_DEVICES = String(args.device);
  const stop = new AbortController();
  const onSigterm = (): void => stop.abort();
  process.once('SIGTERM', onSigterm);
  io.signal?.addEventListener('abort', () => stop.abort(), { once: true });
  let engine: Engine | undefined;
  try {
    let lastPhase = '';
    const weights = await ensureWeightsAsync({
      weights: givenWeights,
      cacheDir,
      url: DEFAULT_WEIGHTS_URL,
      expectedHash: DEFAULT_WEIGHTS_HASH,
      signal: stop.signal,
      // One line per phase, not per chunk: this goes to a service's journal.
      onProgress: (progress) => {
        if (progress.phase === lastPhase) return;
        lastPhase = progress.phase;
        io.stderr.write(`atelier worker: ${formatWeightsProgress(progress)}\n`);
      },
    });
    engine = await createEngineAsync({
      weightsDir: weights.dir,
      engine: args.engine,
      backend: args.backend,
      executionProvider: args.provider,
      memoryBudgetMB: args['memory-budget'],
    });
    const info = engine.info;
    const name = args.name ?? defaultWorkerName(args.device !== undefined ? `gpu${args.device}` : info.device);
    const worker = await startGpuWorkerAsync({
      redisUrl: redis.url,
      prefix: args.prefix ?? DEFAULT_KEY_PREFIX,
      name,
      engine,
      engineInfo: { engine: info.engine, backend: info.backend, device: info.device, convention: info.convention },
      logger: createJsonLogger((line) => io.stderr.write(line)),
    });
    io.stderr.write(`atelier worker: ${name} ready (${info.engine} ${info.backend} · ${info.device}), taking jobs from ${redactedRedisUrl(redis.url)}\n`);
    if (!stop.signal.aborted) await new Promise<void>((resolve) => stop.signal.addEventListener('abort', () => resolve(), { once: true }));
    io.stderr.write(`atelier worker: stopping ${name} (a running job goes back to the queue)\n`);
    await worker.closeAsync();
    return 0;
  } catch (error) {
    if (error instanceof EngineError || error instanceof WeightsError) {
      io.stderr.write(`atelier worker: ${error.message} (${error.code})\n`);
      return 1;
    }
    throw error;
  } finally {
    process.off('SIGTERM', onSigterm);
    engine?.dispose();
  }
}
