import { z } from 'zod';
import { errorCodeSchema } from './error-codes.ts';
import { idSchema, pngRefSchema } from './image-ref.ts';
import { bytes32Schema, keyIdSchema, placementSchema } from './client-messages.ts';
import { MAX_LISTED_JOBS } from './limits.ts';
import { daemonStateInfoSchema } from './daemon-state.ts';

/** Messages the daemon sends to a client. */

const count = z.number().int().min(0);
const seconds = z.number().finite().min(0);
/** Non-finite losses (a diverging job) travel as null, since JSON has no NaN. */
const loss = z.number().finite().nullable();

export const lossesSchema = z.object({ content: loss, style: loss, tv: loss, total: loss });

export const limitsSchema = z.object({
  maxOutputSide: z.number().int().positive(),
  maxInputSide: z.number().int().positive(),
  maxInputPixels: z.number().int().positive(),
  maxImageBytes: z.number().int().positive(),
  maxContentImages: z.number().int().positive(),
  maxStyleImages: z.number().int().positive(),
  maxPayloadBytes: z.number().int().positive(),
  maxQueuedJobs: z.number().int().min(0),
});

/** What computes the jobs, as the engine reports it. */
export const engineInfoSchema = z.object({
  engine: z.string(),
  backend: z.string(),
  device: z.string(),
  convention: z.string(),
});

/** `engine` is null exactly while the daemon is not ready, and then `state` says why. */
const engineMatchesState = (m: { engine: unknown; state?: { state: string } | undefined }): boolean =>
  m.engine === null ? m.state !== undefined && m.state.state !== 'ready' : m.state === undefined || m.state.state === 'ready';

/**
 * What a welcome may leave out: one to a paired client has `daemon` and `limits`, and its
 * `engine` and `state` agree; one to an unpaired client may say nothing of the daemon
 * (`engine: null`, no `state`), since any page can open a socket and read it.
 */
const welcomeIsComplete = (m: { paired: boolean; daemon?: unknown; limits?: unknown; engine: unknown; state?: { state: string } | undefined }): boolean =>
  m.paired ? m.daemon !== undefined && m.limits !== undefined && engineMatchesState(m) : engineMatchesState(m) || (m.engine === null && m.state === undefined);

/**
 * Answer to `hello` when the versions match. `paired` says whether the client proved its key (`auth`).
 *
 * Paired: the daemon's version, engine, state, capabilities, presets and limits. `engine` is null
 * while the daemon sets up (first run: downloading its weights); only clients that announced the
 * `daemon-state` capability get such a welcome, others get theirs once ready.
 *
 * Unpaired (protocol 4 on): only what pairing needs, `protocol` (a mismatch is answered with
 * `error unsupported-version` before any welcome) and `paired: false`, with `engine: null`,
 * empty `capabilities` and `presets`, and no `daemon`, `state` or `limits`: any page can open a
 * socket to the daemon (Figma's plugin frames send Origin `null`), and the version, engine and
 * device would tell it what runs on this machine. Once paired on that connection, `paired` is
 * followed by the full welcome (`paired: true`).
 */
export const welcomeSchema = z
  .object({
    type: z.literal('welcome'),
    protocol: z.number().int(),
    /** Absent from a welcome to an unpaired client. */
    daemon: z.object({ name: z.string(), version: z.string() }).optional(),
    engine: engineInfoSchema.nullable(),
    /** Where the daemon stands; absent from a welcome to an unpaired client. */
    state: daemonStateInfoSchema.optional(),
    /** Feature flags, e.g. "preview", "cancel", "multi-content", "style-blend", "daemon-state" (none when unpaired). */
    capabilities: z.array(z.string()),
    /** Preset names (none when unpaired). */
    presets: z.array(z.string()),
    /** Absent from a welcome to an unpaired client. */
    limits: limitsSchema.optional(),
    paired: z.boolean(),
  })
  .refine(welcomeIsComplete, {
    message: 'a paired welcome carries daemon, limits, and an engine that is null exactly while the state is not ready',
    path: ['engine'],
  });

/**
 * The daemon's state changed (or its download progressed; at most a few per second), sent to
 * every paired client that announced the `daemon-state` capability (unpaired ones are told
 * nothing of the daemon; see the welcome). `engine` is set once
 * `ready`. Stylize requests before `ready` get `error not-ready`.
 */
export const daemonStateSchema = daemonStateInfoSchema
  .extend({
    type: z.literal('daemon-state'),
    engine: engineInfoSchema.nullable(),
  })
  .refine((m) => (m.state === 'ready') === (m.engine !== null), { message: 'engine is set exactly when the state is ready', path: ['engine'] });

/**
 * The daemon's SPAKE2 answer to `pair`: its share pB and its confirmation cB. The client checks
 * cB with the code the designer typed; only if it matches does it send `pair-confirm`.
 */
export const pairResponseSchema = z.object({
  type: z.literal('pair-response'),
  share: bytes32Schema,
  confirm: bytes32Schema,
});

/**
 * The client's confirmation checked out and the pairing key (derived on both sides, never sent)
 * is saved: `keyId` names it in later upgrades (`?k=`) and hellos.
 */
export const pairedSchema = z.object({
  type: z.literal('paired'),
  keyId: keyIdSchema,
});

/**
 * Answer to a hello that names a known key: the daemon's nonce and its proof of the key over
 * both nonces and the connection's details (protocol/key-proof.ts). The client answers `auth`
 * only when the proof checks out.
 */
export const authChallengeSchema = z.object({
  type: z.literal('auth-challenge'),
  nonce: bytes32Schema,
  proof: bytes32Schema,
});

/** A stylize request was queued. `position` 0 means it is computing now. */
export const acceptedSchema = z.object({
  type: z.literal('accepted'),
  requestId: idSchema,
  jobId: idSchema,
  position: count,
});

/** A waiting job moved up the queue. */
export const queuePositionSchema = z.object({
  type: z.literal('queue-position'),
  jobId: idSchema,
  position: count,
});

const jobItemFields = {
  jobId: idSchema,
  /** 0-based index of the content image being computed, out of `contentCount`. */
  contentIndex: count,
  contentCount: z.number().int().positive(),
};

/** The engine started on one content image; `stages` are the resolutions it will run. */
export const startedSchema = z.object({
  type: z.literal('started'),
  ...jobItemFields,
  backend: z.string(),
  device: z.string(),
  stages: z.array(z.object({ width: count, height: count, iterations: count })),
  /** A team server's worker computing it (absent from the local daemon): shown, and a change of worker shows a move. */
  worker: z.string().min(1).max(64).optional(),
  /** The 1-based stage it resumes at from a kept stage image (a restart, or another worker taking over). */
  resumedFromStage: z.number().int().positive().optional(),
});

/** One optimisation step reported; carries a preview PNG (in a binary frame) every N iterations. */
export const progressSchema = z.object({
  type: z.literal('progress'),
  ...jobItemFields,
  /** 1-based stage and iteration within the stage. */
  stage: z.number().int().positive(),
  stages: z.number().int().positive(),
  iteration: z.number().int().positive(),
  iterations: z.number().int().positive(),
  losses: lossesSchema,
  learningRate: z.number().finite(),
  seconds,
  etaSeconds: seconds,
  /**
   * Seconds this stage has run, and per iteration (daemons since issue 11; absent before): a
   * pyramid's top stages cost many times its first per iteration, tiled ones more still.
   */
  stageSeconds: seconds.optional(),
  secondsPerIteration: seconds.optional(),
  preview: pngRefSchema.optional(),
});

/** The finished image for one content image (a PNG in the same binary frame). */
export const resultSchema = z.object({
  type: z.literal('result'),
  ...jobItemFields,
  image: pngRefSchema,
  losses: lossesSchema,
  timings: z.object({
    /** Waiting in the queue before this job started. */
    queuedSeconds: seconds,
    decodeSeconds: seconds,
    engineSeconds: seconds,
    encodeSeconds: seconds,
  }),
});

/** Every content image of the job has its result. */
export const completedSchema = z.object({
  type: z.literal('completed'),
  jobId: idSchema,
  seconds,
});

export const cancelledSchema = z.object({
  type: z.literal('cancelled'),
  jobId: idSchema,
  reason: z.enum(['client', 'disconnect', 'shutdown']),
});

/** Every rejection; `requestId`/`jobId` say which request or job it is about, when any. */
export const errorSchema = z.object({
  type: z.literal('error'),
  code: errorCodeSchema,
  message: z.string(),
  requestId: idSchema.optional(),
  jobId: idSchema.optional(),
});

/** Answer to `get-status`. Other clients' jobs are shown without details. */
export const statusSchema = z.object({
  type: z.literal('status'),
  running: z
    .object({
      jobId: idSchema,
      mine: z.boolean(),
      contentIndex: count,
      contentCount: z.number().int().positive(),
      stage: count,
      iteration: count,
      seconds,
    })
    .nullable(),
  queued: z.array(z.object({ jobId: idSchema, mine: z.boolean(), position: z.number().int().positive() })),
  maxQueuedJobs: z.number().int().min(0),
});

const estimateStageSchema = z.object({
  width: z.number().int().positive(),
  height: z.number().int().positive(),
  iterations: count,
  /** Evaluated whole, or in `tiles` windows (the engine's memory plan). */
  plan: z.enum(['whole', 'tiled']),
  tiles: z.number().int().positive().optional(),
});

/**
 * Answer to `estimate`. `fits: true`: the stages as the engine would plan them under the
 * daemon's memory budget, the largest planned peak and an estimate of the seconds (from the
 * daemon's rate, see daemon/engine/time-estimate.ts). `fits: false`: the engine would refuse
 * the job; `message` is its memory-budget sentence (the megabytes needed and what to change).
 */
export const estimateResultSchema = z.discriminatedUnion('fits', [
  z.object({
    type: z.literal('estimate-result'),
    requestId: idSchema,
    fits: z.literal(true),
    budgetMB: z.number().int().positive(),
    stages: z.array(estimateStageSchema).min(1),
    peakMB: z.number().int().positive(),
    seconds: z.number().finite().min(0),
  }),
  z.object({
    type: z.literal('estimate-result'),
    requestId: idSchema,
    fits: z.literal(false),
    budgetMB: z.number().int().positive(),
    message: z.string().min(1),
  }),
]);

/**
 * One job of a pairing as `jobs` lists it. `queued` waits at `position`; `running` computes
 * (reattach to see its progress); `finished` has every result waiting on the daemon's disk
 * (reattach to receive them, then `placed`); `interrupted` stopped with the daemon and could not
 * resume (`message` says so: apply again); `failed` ended in an error (`message`).
 */
export const listedJobSchema = z.object({
  jobId: idSchema,
  state: z.enum(['queued', 'running', 'finished', 'interrupted', 'failed']),
  position: count.optional(),
  contentCount: z.number().int().positive(),
  placement: placementSchema,
  /** ISO time the daemon accepted the job. */
  acceptedAt: z.string().max(40),
  message: z.string().max(500).optional(),
});

/** Answer to `list-jobs`: this pairing's jobs in that document, oldest first. */
export const jobsSchema = z.object({
  type: z.literal('jobs'),
  document: z.string(),
  jobs: z.array(listedJobSchema).max(MAX_LISTED_JOBS),
});

/** The daemon is stopping; the connection closes after this. */
export const shutdownSchema = z.object({
  type: z.literal('shutdown'),
  message: z.string(),
});

export const SERVER_MESSAGE_SCHEMAS = {
  welcome: welcomeSchema,
  paired: pairedSchema,
  'pair-response': pairResponseSchema,
  'auth-challenge': authChallengeSchema,
  accepted: acceptedSchema,
  'queue-position': queuePositionSchema,
  started: startedSchema,
  progress: progressSchema,
  result: resultSchema,
  completed: completedSchema,
  cancelled: cancelledSchema,
  error: errorSchema,
  status: statusSchema,
  'estimate-result': estimateResultSchema,
  shutdown: shutdownSchema,
  'daemon-state': daemonStateSchema,
  jobs: jobsSchema,
} as const;

export type Losses = z.infer<typeof lossesSchema>;
export type DaemonLimits = z.infer<typeof limitsSchema>;
export type EngineInfoMessage = z.infer<typeof engineInfoSchema>;
export type WelcomeMessage = z.infer<typeof welcomeSchema>;
export type PairedMessage = z.infer<typeof pairedSchema>;
export type PairResponseMessage = z.infer<typeof pairResponseSchema>;
export type AuthChallengeMessage = z.infer<typeof authChallengeSchema>;
export type AcceptedMessage = z.infer<typeof acceptedSchema>;
export type QueuePositionMessage = z.infer<typeof queuePositionSchema>;
export type StartedMessage = z.infer<typeof startedSchema>;
export type ProgressMessage = z.infer<typeof progressSchema>;
export type ResultMessage = z.infer<typeof resultSchema>;
export type CompletedMessage = z.infer<typeof completedSchema>;
export type CancelledMessage = z.infer<typeof cancelledSchema>;
export type ErrorMessage = z.infer<typeof errorSchema>;
export type StatusMessage = z.infer<typeof statusSchema>;
export type ShutdownMessage = z.infer<typeof shutdownSchema>;
export type EstimateResultMessage = z.infer<typeof estimateResultSchema>;
export type DaemonStateMessage = z.infer<typeof daemonStateSchema>;
export type ListedJob = z.infer<typeof listedJobSchema>;
export type JobsMessage = z.infer<typeof jobsSchema>;
export type ServerMessage =
  | EstimateResultMessage
  | WelcomeMessage
  | PairedMessage
  | PairResponseMessage
  | AuthChallengeMessage
  | AcceptedMessage
  | QueuePositionMessage
  | StartedMessage
  | ProgressMessage
  | ResultMessage
  | CompletedMessage
  | CancelledMessage
  | ErrorMessage
  | StatusMessage
  | ShutdownMessage
  | DaemonStateMessage
  | JobsMessage;
export type ServerMessageType = keyof typeof SERVER_MESSAGE_SCHEMAS;
