import { z } from 'zod';
import { idSchema, imageRefSchema, type ImageRef } from './image-ref.ts';
import {
  INVITE_SLOT_DIGITS,
  KEY_HINT_HEX_LENGTH,
  MAX_CLIENT_CAPABILITIES,
  MAX_CONTENT_IMAGES,
  MAX_FEATHER_PX,
  MAX_INPUT_PIXELS,
  MAX_INPUT_SIDE,
  MAX_PLACEMENT_DATA_CHARS,
  MAX_PLACEMENT_DOCUMENT_CHARS,
  MAX_PLACEMENT_LABEL_CHARS,
  MAX_REGIONS,
  MAX_STYLE_IMAGES,
} from './limits.ts';
import { styleOptionsSchema } from './style-options.ts';

/** Messages a client (the Figma plugin, the CLI, a test) sends to the daemon. */

/** 32 bytes (a SPAKE2 share, a confirmation, a nonce, a proof) as 64 lower-case hex digits. */
export const bytes32Schema = z.string().regex(/^[0-9a-f]{64}$/, '32 bytes as 64 lower-case hex digits');

/** A pairing's lookup id: random, chosen by the daemon, safe to show and log (not derived from the key). */
export const keyIdSchema = z.string().regex(new RegExp(`^[0-9a-f]{${KEY_HINT_HEX_LENGTH}}$`), `key ids are ${KEY_HINT_HEX_LENGTH} hex digits`);

const clientInfoSchema = z.object({
  name: z.string().min(1).max(64),
  version: z.string().min(1).max(32),
});

/**
 * First message on every connection. A paired client names its key and sends a fresh nonce in
 * `auth` (nothing derived from the key: the daemon proves itself first, in `auth-challenge`).
 */
export const helloSchema = z.object({
  type: z.literal('hello'),
  protocol: z.number().int().min(0),
  client: clientInfoSchema,
  auth: z.object({ keyId: keyIdSchema, nonce: bytes32Schema }).optional(),
  /**
   * Protocol features this client understands beyond version 1's first release, e.g.
   * "daemon-state" (it can read a welcome without an engine and `daemon-state` messages).
   * Older daemons ignore the field.
   */
  capabilities: z.array(z.string().regex(/^[a-z0-9-]{1,32}$/)).max(MAX_CLIENT_CAPABILITIES).optional(),
});

/**
 * Pairing by SPAKE2 on the code the daemon shows (protocol/spake2.ts): the client's share pA.
 * The code itself never travels. Answered by `pair-response` (or an error).
 */
export const pairSchema = z.object({
  type: z.literal('pair'),
  share: bytes32Schema,
  /**
   * A team server holds one invite per designer, each with its own code: the code's first
   * INVITE_SLOT_DIGITS digits, sent in clear, say which invite this share answers (the whole code
   * is still the pairing exchange's password). Sent only to a server whose welcome lists TEAM_INVITE_CAPABILITY;
   * the local daemon, with one code per window, never needs it (and a plugin never sends part
   * of a local code).
   */
  invite: z.string().regex(new RegExp(`^\\d{${INVITE_SLOT_DIGITS}}$`)).optional(),
});

/** The client's key confirmation cA, sent only once the daemon's confirmation checked out. */
export const pairConfirmSchema = z.object({
  type: z.literal('pair-confirm'),
  confirm: bytes32Schema,
});

/** The client's proof of its key, sent only once the daemon's proof (`auth-challenge`) checked out. */
export const authSchema = z.object({
  type: z.literal('auth'),
  proof: bytes32Schema,
});

export const styleInputSchema = z.object({
  image: imageRefSchema,
  /** Relative blend weight; the engine normalises weights to sum to 1. */
  weight: z.number().finite().gt(0).max(1e6),
});

/**
 * Where a job's results go, as the editor describes it: the daemon keeps it beside the job and
 * its results (on disk, so a result outlives the panel and a daemon restart) and hands it back
 * in `jobs`, never reading `data`. A request with a placement belongs to the paired plugin, not
 * to its connection: closing the panel does not cancel it (daemons with the `jobs` capability).
 */
export const placementSchema = z.object({
  /** The document the sources are in (Figma: the file's root id and name; Photopea: the document's name). */
  document: z.string().min(1).max(MAX_PLACEMENT_DOCUMENT_CHARS),
  /** What the tray calls the job: "Hero · Starry Night". */
  label: z.string().min(1).max(MAX_PLACEMENT_LABEL_CHARS),
  /** The editor's own record (source layer ids, regions, result names), opaque to the daemon. */
  data: z.string().max(MAX_PLACEMENT_DATA_CHARS),
});

/**
 * Where some of the request's styles paint on one content image (daemons with the `regions`
 * capability): the mask's white or opaque pixels are stylised, its black or transparent ones
 * kept as the content's own (grey and partly transparent: in between). The mask is the content
 * image's size or a scaled copy of it (same aspect ratio; the daemon stretches it). A content
 * image with regions keeps its own pixels outside all of them, past the request's feather.
 */
export const regionSchema = z.object({
  /** The content image's id. */
  content: idSchema,
  mask: imageRefSchema,
  /**
   * The ids of the style images painted here, blended by their weights; absent: every style of
   * the request. Each style belongs to exactly one region of a content image that has regions.
   */
  styles: z.array(idSchema).min(1).max(MAX_STYLE_IMAGES).optional(),
});

/**
 * Whether `mask` is `content` scaled (either, or both from a common original, rounded to whole
 * pixels), so that stretching it onto the content distorts nothing.
 */
export function isScaledCopy(mask: { width: number; height: number }, content: { width: number; height: number }): boolean {
  // With w = s·W + e (|e| ≤ ½) on each side rounded, w·H − h·W stays within ½ of the four sides' sum.
  return Math.abs(mask.width * content.height - mask.height * content.width) <= 0.5 * (mask.width + mask.height + content.width + content.height);
}

/** Why a request's regions cannot be followed, or null when they can. */
function regionsProblem(m: { content: ImageRef[]; styles: Array<{ image: ImageRef }>; regions?: Array<z.infer<typeof regionSchema>> }): string | null {
  const contents = new Map(m.content.map((c) => [c.id, c]));
  const styleIds = m.styles.map((s) => s.image.id);
  const claimed = new Map<string, string[]>();
  for (const region of m.regions ?? []) {
    const content = contents.get(region.content);
    if (!content) return `region mask "${region.mask.id}" names "${region.content}", which is not one of the request's content images`;
    if (!isScaledCopy(region.mask, content)) {
      return `region mask "${region.mask.id}" is ${region.mask.width}x${region.mask.height}, not the shape of its content image (${content.width}x${content.height}) or a scaled copy of it`;
    }
    const styles = region.styles ?? styleIds;
    const unknown = styles.find((id) => !styleIds.includes(id));
    if (unknown !== undefined) return `region mask "${region.mask.id}" names style "${unknown}", which is not one of the request's styles`;
    const taken = claimed.get(region.content) ?? [];
    const twice = styles.find((id) => taken.includes(id));
    if (twice !== undefined) return `style "${twice}" is given two regions of content image "${region.content}"; each style paints one region of an image`;
    claimed.set(region.content, [...taken, ...styles]);
  }
  for (const [content, styles] of claimed) {
    const missing = styleIds.find((id) => !styles.includes(id));
    if (missing !== undefined) return `content image "${content}" has regions but style "${missing}" is in none of them; give it a region (or leave out the region's style list to paint every style there)`;
  }
  return null;
}

/**
 * Apply the blended styles to each content image in turn (one result per content image).
 * Travels in a binary frame carrying every referenced image (see `frame.ts`).
 */
export const stylizeSchema = z
  .object({
    type: z.literal('stylize'),
    /** Chosen by the client; echoed in `accepted` and in errors about this request. */
    requestId: idSchema,
    content: z.array(imageRefSchema).min(1).max(MAX_CONTENT_IMAGES),
    styles: z.array(styleInputSchema).min(1).max(MAX_STYLE_IMAGES),
    options: styleOptionsSchema.optional(),
    placement: placementSchema.optional(),
    /** Masked regions (daemons with the `regions` capability); absent: every content image is stylised whole. */
    regions: z.array(regionSchema).min(1).max(MAX_REGIONS).optional(),
    /**
     * How far, in pixels of the result, the stylised pixels fade into the kept ones past a
     * region's edge; absent: the daemon's default. Every pixel farther than this from all of a
     * content image's regions is the content's own, exactly.
     */
    featherPx: z.number().int().min(0).max(MAX_FEATHER_PX).optional(),
  })
  .refine(
    (m) => {
      const ids = [...m.content.map((c) => c.id), ...m.styles.map((s) => s.image.id), ...(m.regions ?? []).map((r) => r.mask.id)];
      return new Set(ids).size === ids.length;
    },
    { message: 'every image in a request needs its own id', path: ['content'] },
  )
  .superRefine((m, ctx) => {
    const problem = regionsProblem(m);
    if (problem !== null) ctx.addIssue({ code: z.ZodIssueCode.custom, message: problem, path: ['regions'] });
  });

export const cancelSchema = z.object({
  type: z.literal('cancel'),
  jobId: idSchema,
});

/**
 * The jobs of this plugin's pairing placed in `document` (running, waiting, finished, or that did
 * not finish), answered by `jobs`. Daemons with the `jobs` capability only.
 */
export const listJobsSchema = z.object({
  type: z.literal('list-jobs'),
  document: z.string().min(1).max(MAX_PLACEMENT_DOCUMENT_CHARS),
});

/**
 * Follow one of this pairing's jobs on this connection: a running one's `started` and latest
 * `progress` come at once and its later messages follow; a finished one's `result`s and
 * `completed` are sent again from the daemon's disk. Unknown or another pairing's: `error unknown-job`.
 */
export const reattachSchema = z.object({
  type: z.literal('reattach'),
  jobId: idSchema,
});

/**
 * The job's results are in the document (or the designer dropped them): the daemon forgets the
 * job and deletes its files, so it is placed once. Also dismisses a job that did not finish.
 */
export const placedSchema = z.object({
  type: z.literal('placed'),
  jobId: idSchema,
});

export const getStatusSchema = z.object({
  type: z.literal('get-status'),
});

/**
 * What a stylize of a `width`×`height` content image with these options would take on this
 * daemon (its memory budget, its rate): answered by `estimate-result`, to paired clients only,
 * by daemons that announce the `estimate` capability. Nothing is queued.
 */
export const estimateSchema = z
  .object({
    type: z.literal('estimate'),
    requestId: idSchema,
    width: z.number().int().min(1).max(MAX_INPUT_SIDE),
    height: z.number().int().min(1).max(MAX_INPUT_SIDE),
    options: styleOptionsSchema.optional(),
    /**
     * The masked regions the job's content image will have (daemons with the `regions`
     * capability; absent or 0: unmasked): each holds its masks and masked copies of the style
     * layers, which the memory plan counts.
     */
    regions: z.number().int().min(0).max(MAX_REGIONS).optional(),
  })
  .refine((m) => m.width * m.height <= MAX_INPUT_PIXELS, { message: `an image may have at most ${MAX_INPUT_PIXELS} pixels`, path: ['width'] });

export const CLIENT_MESSAGE_SCHEMAS = {
  hello: helloSchema,
  pair: pairSchema,
  'pair-confirm': pairConfirmSchema,
  auth: authSchema,
  stylize: stylizeSchema,
  cancel: cancelSchema,
  'get-status': getStatusSchema,
  estimate: estimateSchema,
  'list-jobs': listJobsSchema,
  reattach: reattachSchema,
  placed: placedSchema,
} as const;

export type HelloMessage = z.infer<typeof helloSchema>;
export type PairMessage = z.infer<typeof pairSchema>;
export type PairConfirmMessage = z.infer<typeof pairConfirmSchema>;
export type AuthMessage = z.infer<typeof authSchema>;
export type StyleInputRef = z.infer<typeof styleInputSchema>;
export type StylizeMessage = z.infer<typeof stylizeSchema>;
export type RegionRef = z.infer<typeof regionSchema>;
export type CancelMessage = z.infer<typeof cancelSchema>;
export type GetStatusMessage = z.infer<typeof getStatusSchema>;
export type EstimateMessage = z.infer<typeof estimateSchema>;
export type Placement = z.infer<typeof placementSchema>;
export type ListJobsMessage = z.infer<typeof listJobsSchema>;
export type ReattachMessage = z.infer<typeof reattachSchema>;
export type PlacedMessage = z.infer<typeof placedSchema>;
export type ClientMessage =
  | HelloMessage
  | PairMessage
  | PairConfirmMessage
  | AuthMessage
  | StylizeMessage
  | CancelMessage
  | GetStatusMessage
  | EstimateMessage
  | ListJobsMessage
  | ReattachMessage
  | PlacedMessage;
export type ClientMessageType = keyof typeof CLIENT_MESSAGE_SCHEMAS;
