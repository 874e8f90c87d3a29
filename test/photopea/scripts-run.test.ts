/**
 * Every script the panel sends, run the way Photopea runs it: through the panel's own bridge
 * and steps (photopea/photopea-bridge.ts, photopea/steps.ts) against the interpreter fake
 * (fake-photopea/: pp.js's interpreter rules, outputs to every frame, app.open landing after
 * "done"). Issue 27, items 1–5.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PhotopeaError } from '../../photopea/photopea-bridge.ts';
import { readReply, summarySchema } from '../../photopea/replies.ts';
import { describeDocumentScript, type LayerRef } from '../../photopea/scripts.ts';
import { exportLayerAsync, placeResultAsync } from '../../photopea/steps.ts';
import { MAX_LISTED_LAYERS } from '../../photopea/limits.ts';
import { decodeFile, nodePhotopea, sizedDataUrl, type NodePhotopea } from './fake-photopea/node-host.ts';
import { flatLayers } from './fake-photopea/poster.ts';

const poster = (p: NodePhotopea) => p.host.model.documentsList.find((d) => d.name === 'Poster.psd')!;
const describe = async (p: NodePhotopea) => readReply(await p.bridge.run(describeDocumentScript(MAX_LISTED_LAYERS)), summarySchema);
const HERO: LayerRef = { name: 'Hero', path: [2], box: [96, 60, 256, 180] };
const noPause = () => Promise.resolve();

test('item 1, 2: the document is described with numbers for boxes and the right index paths', async () => {
  const p = nodePhotopea();
  const summary = await describe(p);
  assert.deepEqual(summary.active, { ...HERO, kind: 'ArtLayer' });
  assert.deepEqual(
    summary.layers.map((l) => [l.name, l.path.join('/'), l.box.join(',')]),
    [
      ['Caption', '0', '60,196,260,224'],
      ['Great Wave', '1/0', '250,12,306,68'],
      ['Hero', '2', '96,60,256,180'],
      ['Starry Night', '3', '12,12,76,76'],
      ['Background', '4', '0,0,320,240'],
    ],
  );
  assert.deepEqual(p.host.crashes, []);
});

test('item 3: with no document open, Photopea answers and the panel gets a sentence (no throw, no new Error)', async () => {
  const p = nodePhotopea();
  p.host.model.closeDocument(poster(p));
  await assert.rejects(describe(p), (error: unknown) => error instanceof PhotopeaError && error.code === 'no-document' && /Open an image in Photopea/.test(error.message));
  assert.deepEqual(p.host.crashes, []);
});

test('item 3: an export sends the layer\'s own pixels and its clean-up script closes the temporary document', async () => {
  const p = nodePhotopea();
  poster(p).layers[2]!.visible = false; // a hidden layer exports too
  const file = decodeFile(await exportLayerAsync(p.bridge, 'Poster.psd', HERO));
  assert.deepEqual([file.width, file.height], [160, 120]);
  assert.ok(file.data[3] === 255, 'the layer, not an empty document');
  assert.deepEqual(p.host.model.documentsList.map((d) => d.name), ['Poster.psd']);
  assert.equal(p.host.model.active?.name, 'Poster.psd');
  assert.equal(poster(p).layers[2]!.visible, false, 'the source stays hidden');
  assert.deepEqual(p.host.crashes, []);
});

test('item 3: an export that stops half-way (no "done": a time-out) is still cleaned up', async () => {
  const p = nodePhotopea({ timeoutMs: 300 });
  p.host.model.knobs.saveToOECrashes = true;
  await assert.rejects(exportLayerAsync(p.bridge, 'Poster.psd', HERO), (error: unknown) => error instanceof PhotopeaError && error.code === 'timeout');
  await p.host.idle();
  assert.deepEqual(p.host.model.documentsList.map((d) => d.name), ['Poster.psd'], 'no temporary document left behind');
  assert.equal(p.host.model.active?.name, 'Poster.psd');
});

test('item 3: an export Photopea could not write (no file) says so, and is cleaned up', async () => {
  const p = nodePhotopea();
  p.host.model.knobs.saveToOEFails = true;
  await assert.rejects(exportLayerAsync(p.bridge, 'Poster.psd', HERO), (error: unknown) => error instanceof PhotopeaError && /sent no image back/.test(error.message));
  assert.deepEqual(p.host.model.documentsList.map((d) => d.name), ['Poster.psd']);
});

test('item 4: placement waits for the image, then names it, puts it directly above the source on its box; the source is untouched', async () => {
  const p = nodePhotopea({ openDelayMs: 400 });
  const before = flatLayers(poster(p)).find((l) => l.name === 'Hero')!;
  const placed = await placeResultAsync(p.bridge, 'Poster.psd', HERO, sizedDataUrl(80, 60), 'Hero · Starry Night');
  assert.deepEqual(placed, { name: 'Hero · Starry Night', path: [2], box: HERO.box });
  const layers = flatLayers(poster(p));
  assert.deepEqual(layers.map((l) => l.name), ['Caption', 'Extras', 'Great Wave', 'Hero · Starry Night', 'Hero', 'Starry Night', 'Background']);
  const result = layers[3]!;
  assert.deepEqual([result.bounds, result.width, result.height, result.smart], [before.bounds, 160, 120, true]);
  assert.deepEqual(layers[4], before, 'the source is neither renamed, moved nor hidden');
  assert.ok(p.host.scripts.length >= 3, 'the panel asked again until the layer was there');
  assert.deepEqual(p.host.crashes, []);
});

test('item 4: a result that lands elsewhere (another layer selected meanwhile) is still moved above the source', async () => {
  const p = nodePhotopea({ openDelayMs: 100 });
  const doc = poster(p);
  const placing = placeResultAsync(p.bridge, 'Poster.psd', HERO, sizedDataUrl(160, 120), 'Hero · Wave');
  // The designer clicks "Caption" while the image loads.
  await new Promise((resolve) => setTimeout(resolve, 30));
  doc.activeLayerRef = doc.layers[0]!;
  assert.deepEqual(await placing, { name: 'Hero · Wave', path: [2], box: HERO.box });
  assert.deepEqual(flatLayers(doc).map((l) => l.name), ['Caption', 'Extras', 'Great Wave', 'Hero · Wave', 'Hero', 'Starry Night', 'Background']);
});

test('item 4: an image that never arrives: a sentence, and the document as it was', async () => {
  const p = nodePhotopea({ openDelayMs: Infinity });
  const before = flatLayers(poster(p));
  await assert.rejects(placeResultAsync(p.bridge, 'Poster.psd', HERO, sizedDataUrl(80, 60), 'Hero · Starry Night', noPause), (error: unknown) => error instanceof PhotopeaError && error.code === 'not-placed' && /did not add the result within \d+ s, so nothing was changed/.test(error.message));
  assert.deepEqual(flatLayers(poster(p)), before);
  assert.deepEqual(p.host.crashes, []);
});

test('item 5: another plugin\'s outputs, posted to this panel too, are not taken for ours', async () => {
  const p = nodePhotopea();
  // Another plugin exports a different document just before and just after our message.
  const other = 'var t = app.documents.add(7, 5, 72, "Other"); t.saveToOE("png"); app.echoToOE("{\\"width\\":7,\\"height\\":5}"); t.close(SaveOptions.DONOTSAVECHANGES);';
  p.other.post(other);
  const exported = exportLayerAsync(p.bridge, 'Poster.psd', HERO);
  p.other.post(other);
  const file = decodeFile(await exported);
  assert.deepEqual([file.width, file.height], [160, 120]);
  assert.ok(p.other.received.filter((x) => x instanceof ArrayBuffer).length >= 3, 'every plugin received every file');
  const summary = await describe(p);
  assert.equal(summary.document, 'Poster.psd');
});
