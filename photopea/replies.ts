import { z } from 'zod';
import { PhotopeaError, type PhotopeaErrorCode, type PhotopeaOutput } from './photopea-bridge.ts';
import type { DocumentSummary } from './scripts.ts';

const boxSchema = z.tuple([z.number(), z.number(), z.number(), z.number()]);
export const layerSchema = z.object({ name: z.string().max(1000), path: z.array(z.number().int().min(0)).max(64), box: boxSchema });
const errorSchema = z.object({ error: z.string(), code: z.string() });

export const summarySchema: z.ZodType<DocumentSummary> = z.object({
  document: z.string(),
  active: layerSchema.extend({ kind: z.string() }).nullable(),
  layers: z.array(layerSchema),
});
export const exportedSchema = z.object({ width: z.number().int().positive(), height: z.number().int().positive() });
export const placedSchema = z.object({ placed: z.literal(true), count: z.number().int().min(0) });
/** placedCheckScript: not there yet, or named and placed (where it ended up). */
export const placedCheckSchema = z.union([z.object({ state: z.literal('waiting') }), layerSchema.extend({ state: z.literal('placed') })]);
export const closedSchema = z.object({ closed: z.literal(true) });

const SENTENCES: Partial<Record<PhotopeaErrorCode, string>> = {
  'no-document': 'Open an image in Photopea first (or the document was closed while Atelier worked).',
  'layer-moved': 'The layer was moved, renamed or deleted while Atelier worked. Select it again and apply again.',
  'empty-layer': 'That layer has no pixels. Select a layer with an image on it.',
  'no-selection': 'Nothing is selected in Photopea. Select the part of the layer to stylise (Marquee, Lasso or Magic Wand), or set Mask to None.',
  'selection-misses': 'The selection does not touch the layer being stylised. Select part of that layer, or set Mask to None.',
  'mask-misses': 'The mask layer has no pixels over the layer being stylised. Choose a layer that overlaps it, or set Mask to None.',
};

/**
 * Photopea's replies are parsed, never trusted: the last JSON line a script echoed, checked
 * with `schema`; an {"error"} line becomes a PhotopeaError with a sentence for the designer.
 */
export function readReply<T>(outputs: PhotopeaOutput[], schema: z.ZodType<T>): T {
  const lines = outputs.filter((o): o is string => typeof o === 'string');
  const last = lines[lines.length - 1];
  let json: unknown;
  try {
    json = last === undefined ? undefined : JSON.parse(last);
  } catch {
    json = undefined;
  }
  const failed = errorSchema.safeParse(json);
  if (failed.success) {
    const code = Object.hasOwn(SENTENCES, failed.data.code) ? (failed.data.code as PhotopeaErrorCode) : 'script-failed';
    throw new PhotopeaError(code, SENTENCES[code] ?? `Photopea could not finish Atelier's step (${failed.data.error.slice(0, 200)}). Nothing was changed.`);
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) throw new PhotopeaError('unexpected-reply', 'Photopea answered something Atelier did not expect. Reload the Atelier panel and try again.');
  return parsed.data;
}

/** The one file a script sent (saveToOE), or an error. */
export function readFile(outputs: PhotopeaOutput[]): ArrayBuffer {
  const file = outputs.find((o): o is ArrayBuffer => o instanceof ArrayBuffer);
  if (!file) throw new PhotopeaError('unexpected-reply', 'Photopea sent no image back for the layer, so nothing was changed. Apply again; if it keeps happening, reload Photopea.');
  return file;
}
