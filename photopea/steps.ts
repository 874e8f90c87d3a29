/**
 * The panel's multi-script steps with Photopea, apart from the page so tests run them against
 * the interpreter fake: exporting a layer (its clean-up always follows) and placing a result
 * (asking until the image has arrived).
 */
import { PLACE_POLL_ATTEMPTS, PLACE_POLL_INTERVAL_MS } from './limits.ts';
import { PhotopeaError, type PhotopeaBridge } from './photopea-bridge.ts';
import { closedSchema, exportedSchema, placedCheckSchema, placedSchema, readFile, readReply } from './replies.ts';
import { closeTemporaryScript, exportLayerScript, placeResultScript, placedCheckScript, type LayerRef } from './scripts.ts';

/**
 * One layer's pixels as a PNG. The temporary document is closed by its own script after the
 * export whatever happened (reply, error or time-out): Photopea's interpreter never runs a
 * `finally`, and a script that stopped half-way leaves the document open.
 */
export async function exportLayerAsync(photopea: PhotopeaBridge, document: string, layer: LayerRef): Promise<ArrayBuffer> {
  try {
    const outputs = await photopea.run(exportLayerScript(document, layer));
    readReply(outputs, exportedSchema);
    return readFile(outputs);
  } finally {
    await photopea
      .run(closeTemporaryScript(document))
      .then((o) => readReply(o, closedSchema))
      .catch(() => undefined);
  }
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
