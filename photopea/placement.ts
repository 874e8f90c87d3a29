import { z } from 'zod';
import { LIMITS, clipText, type Placement } from '../protocol/index.ts';
import { RESULT_NAME_SEPARATOR } from './limits.ts';
import { layerSchema } from './replies.ts';
import type { LayerRef } from './scripts.ts';

/**
 * What the daemon keeps beside a Photopea job so that a later panel can place its result
 * (issue 32). Photopea documents have no stable id (scripts see only `app.documents` and each
 * document's `name`), so a job names its document by its name: a result waits for the
 * document of that name, and the panel places it when that document is the active one.
 * Comes back through the daemon, so it is checked with zod.
 */
const photopeaPlacementSchema = z.object({
  v: z.literal(1),
  document: z.string().max(LIMITS.MAX_PLACEMENT_DOCUMENT_CHARS),
  source: layerSchema,
  styleName: z.string().max(1000),
});
export type PhotopeaPlacement = z.infer<typeof photopeaPlacementSchema>;

/** The daemon's document key for a Photopea document ("photopea:" and its name, clipped). */
export function documentKey(name: string): string {
  return clipText(`photopea:${name}`, LIMITS.MAX_PLACEMENT_DOCUMENT_CHARS, '');
}

export function resultLayerName(source: LayerRef, styleName: string): string {
  return `${source.name}${RESULT_NAME_SEPARATOR}${styleName}`;
}

export function placementOf(document: string, source: LayerRef, styleName: string): Placement {
  const record: PhotopeaPlacement = { v: 1, document: clipText(document, LIMITS.MAX_PLACEMENT_DOCUMENT_CHARS, ''), source, styleName: styleName.slice(0, 1000) };
  const label = clipText(resultLayerName(source, styleName), LIMITS.MAX_PLACEMENT_LABEL_CHARS);
  return { document: documentKey(document), label, data: JSON.stringify(record) };
}

export function readPhotopeaPlacement(data: string): PhotopeaPlacement | null {
  try {
    const parsed = photopeaPlacementSchema.safeParse(JSON.parse(data));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}
