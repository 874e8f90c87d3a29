import { z } from 'zod';
import { MAX_ID_LENGTH, MAX_INPUT_PIXELS, MAX_INPUT_SIDE, MAX_OUTPUT_SIDE } from './limits.ts';

/** Ids are short and printable so they can be logged safely. */
export const idSchema = z
  .string()
  .min(1)
  .max(MAX_ID_LENGTH)
  .regex(/^[A-Za-z0-9._:-]+$/, 'ids use letters, digits and . _ : - only');

export const IMAGE_MIME_TYPES = ['image/png', 'image/jpeg'] as const;
export const imageMimeSchema = z.enum(IMAGE_MIME_TYPES);
export type ImageMime = z.infer<typeof imageMimeSchema>;

const side = (max: number) => z.number().int().min(1).max(max);

/**
 * A reference, inside a message, to an image carried in the same binary frame (see `frame.ts`).
 * The declared size is checked against the decoded image.
 */
export const imageRefSchema = z
  .object({
    id: idSchema,
    mime: imageMimeSchema,
    width: side(MAX_INPUT_SIDE),
    height: side(MAX_INPUT_SIDE),
  })
  .refine((ref) => ref.width * ref.height <= MAX_INPUT_PIXELS, {
    message: `an image may have at most ${MAX_INPUT_PIXELS} pixels`,
  });
export type ImageRef = z.infer<typeof imageRefSchema>;

/** Images the daemon sends back (results, previews) are always PNG and within the output bound. */
export const pngRefSchema = z.object({
  id: idSchema,
  mime: z.literal('image/png'),
  width: side(MAX_OUTPUT_SIDE),
  height: side(MAX_OUTPUT_SIDE),
});
export type PngRef = z.infer<typeof pngRefSchema>;
