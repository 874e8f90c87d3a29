/**
 * The panel's multi-script steps with Photopea, apart from the page so tests run them against
 * the interpreter fake: exporting a layer or a mask (its clean-up always follows) and placing a result
 * (asking until the image has arrived).
 */
import { PLACE_POLL_ATTEMPTS, PLACE_POLL_INTERVAL_MS } from './limits.ts';
import { PhotopeaError, type PhotopeaBridge } from './photopea-bridge.ts';
import { closedSchema, exportedSchema, placedCheckSchema, placedSchema, readFile, readReply } from './replies.ts';
import { closeTemporaryScript, exportLayerScript, exportMaskScript, placeResultScript, placedCheckScript, type LayerRef, type MaskSource, type Script } from './scripts.ts';

/**
 * Runs an export script and returns its one file. The clean-up script runs after it whatever
 * happened (reply, error or time-out): Photopea's interpreter never runs a `finally`, and a
 * script that stopped half-way leaves its temporary document (and mask layer) behind.
 */
async function exportWithCleanUpAsync(photopea: PhotopeaBridge, script: Script, cleanUp: Script): Promise<ArrayBuffer> {
  try {
    const outputs = await photopea.run(script);
    readReply(outputs, exportedSchema);
    return readFile(outputs);
  } finally {
    await photopea
      .run(cleanUp)
      .then((o) => readReply(o, closedSchema))
      .catch(() => undefined);
  }
}

/** One layer's pixels as a PNG the size of the layer. */
export function exportLayerAsync(photopea: PhotopeaBridge, document: string, layer: LayerRef): Promise<ArrayBuffer> {
  return exportWithCleanUpAsync(photopea, exportLayerScript(document, layer), closeTemporaryScript(document));
}

/**
 * The mask of `source` (the selection, or a layer's transparency) as a PNG of the source's box,
 * its alpha the region. Its clean-up also removes a mask layer left in the document and makes
 * the source active again.
 */
export function exportMaskAsync(photopea: PhotopeaBridge, document: string, source: LayerRef, mask: MaskSource): Promise<ArrayBuffer> {
  return exportWithCleanUpAsync(photopea, exportMaskScript(document, source, mask), closeTemporaryScript(document, source));
}

export interface PlacedLayer {
  name: string;
  path: number[];
  box: [number, number, number, number];
}

const wait = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Places `dataUrl` as a new layer named `name`, directly above `source` and on its box. The
 * image arrives only after Photopea's "done" (app.open loads it), so the panel asks until the
 * layer exists, at most PLACE_POLL_ATTEMPTS times; until then nothing in the document is touched.
 */
export async function placeResultAsync(photopea: PhotopeaBridge, document: string, source: LayerRef, dataUrl: string, name: string, pause: (ms: number) => Promise<void> = wait): Promise<PlacedLayer> {
  const { count } = readReply(await photopea.run(placeResultScript(document, source, dataUrl)), placedSchema);
  for (let attempt = 0; attempt < PLACE_POLL_ATTEMPTS; attempt++) {
    await pause(PLACE_POLL_INTERVAL_MS);
    const reply = readReply(await photopea.run(placedCheckScript(document, source, count, name)), placedCheckSchema);
    if (reply.state === 'placed') return { name: reply.name, path: reply.path, box: reply.box };
  }
  const seconds = Math.round((PLACE_POLL_ATTEMPTS * PLACE_POLL_INTERVAL_MS) / 1000);
  throw new PhotopeaError('not-placed', `Photopea did not add the result within ${seconds} s, so nothing was changed. Apply again; if it keeps happening, reload Photopea.`);
}
