import { z } from 'zod';
import { idSchema, imageRefSchema } from './image-ref.ts';
import { MAX_CLIENT_CAPABILITIES, MAX_CONTENT_IMAGES, MAX_STYLE_IMAGES, PAIRING_CODE_DIGITS, TOKEN_LENGTH } from './limits.ts';
import { styleOptionsSchema } from './style-options.ts';

/** Messages a client (the Figma plugin, the CLI, a test) sends to the daemon. */

export const tokenSchema = z
  .string()
  .length(TOKEN_LENGTH)
  .regex(/^[A-Za-z0-9_-]+$/, 'tokens are base64url');

const clientInfoSchema = z.object({
  name: z.string().min(1).max(64),
  version: z.string().min(1).max(32),
});

/** First message on every connection; `token` is omitted until the client is paired. */
export const helloSchema = z.object({
  type: z.literal('hello'),
  protocol: z.number().int().min(0),
  client: clientInfoSchema,
  token: tokenSchema.optional(),
  /**
   * Protocol features this client understands beyond version 1's first release, e.g.
   * "daemon-state" (it can read a welcome without an engine and `daemon-state` messages).
   * Older daemons ignore the field.
   */
  capabilities: z.array(z.string().regex(/^[a-z0-9-]{1,32}$/)).max(MAX_CLIENT_CAPABILITIES).optional(),
});

/** The one-time code the daemon shows in its log and tray. */
export const pairSchema = z.object({
  type: z.literal('pair'),
  code: z.string().regex(new RegExp(`^[0-9]{${PAIRING_CODE_DIGITS}}$`), `the pairing code has ${PAIRING_CODE_DIGITS} digits`),
});

export const styleInputSchema = z.object({
  image: imageRefSchema,
  /** Relative blend weight; the engine normalises weights to sum to 1. */
  weight: z.number().finite().gt(0).max(1e6),
});

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
  })
  .refine(
    (m) => {
      const ids = [...m.content.map((c) => c.id), ...m.styles.map((s) => s.image.id)];
      return new Set(ids).size === ids.length;
    },
    { message: 'every image in a request needs its own id', path: ['content'] },
  );

export const cancelSchema = z.object({
  type: z.literal('cancel'),
  jobId: idSchema,
});

export const getStatusSchema = z.object({
  type: z.literal('get-status'),
});

export const CLIENT_MESSAGE_SCHEMAS = {
  hello: helloSchema,
  pair: pairSchema,
  stylize: stylizeSchema,
  cancel: cancelSchema,
  'get-status': getStatusSchema,
} as const;

export type HelloMessage = z.infer<typeof helloSchema>;
export type PairMessage = z.infer<typeof pairSchema>;
export type StyleInputRef = z.infer<typeof styleInputSchema>;
export type StylizeMessage = z.infer<typeof stylizeSchema>;
export type CancelMessage = z.infer<typeof cancelSchema>;
export type GetStatusMessage = z.infer<typeof getStatusSchema>;
export type ClientMessage = HelloMessage | PairMessage | StylizeMessage | CancelMessage | GetStatusMessage;
export type ClientMessageType = keyof typeof CLIENT_MESSAGE_SCHEMAS;
