/**
 * Issue 31: a Photopea selection (or a layer's transparency) as the mask of a job, exported by
 * the panel's own step (photopea/steps.ts exportMaskAsync) through its bridge, run by the
 * interpreter fake (fake-photopea/: pp.js's selection as dom.ts models it, each rule cited
 * there). The mask comes back on the stylised layer's box, and the document is left as the
 * designer had it: the same selection, the same active layer, no layer or document added.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PhotopeaError } from '../../photopea/photopea-bridge.ts';
import type { LayerRef } from '../../photopea/scripts.ts';
import { exportMaskAsync } from '../../photopea/steps.ts';
import { FakeLayer, type FakeDocument, type Pixels } from './fake-photopea/model.ts';
import { decodeFile, nodePhotopea, type NodePhotopea } from './fake-photopea/node-host.ts';
import { flatLayers } from './fake-photopea/poster.ts';

const HERO: LayerRef = { name: 'Hero', path: [2], box: [96, 60, 256, 180] };
const WAVE: LayerRef = { name: 'Great Wave', path: [1, 0], box: [250, 12, 306, 68] };
const poster = (p: NodePhotopea) => p.host.model.documentsList.find((d) => d.name === 'Poster.psd')!;

/** What must not change: layers (names, boxes, pixels' sizes), the active layer, the selection, the open documents. */
function snapshot(p: NodePhotopea) {
  const doc = poster(p);
  return { layers: flatLayers(doc), active: doc.activeLayerRef?.name, selection: doc.selection?.slice() ?? null, documents: p.host.model.documentsList.map((d) => d.name), activeDocument: p.host.model.active?.name };
}

const alphaAt = (file: Pixels, x: number, y: number) => file.data[(y * file.width + x) * 4 + 3]!;

/** Every pixel's alpha equals `expected(x, y)` (reports the first that does not). */
function assertAlpha(file: Pixels, expected: (x: number, y: number) => number): void {
  for (let y = 0; y < file.height; y++) {
    for (let x = 0; x < file.width; x++) {
      const got = alphaAt(file, x, y);
      if (got !== expected(x, y)) assert.fail(`alpha at (${x}, ${y}) is ${got}, expected ${expected(x, y)}`);
    }
  }
}

test('the selection comes back as a mask on the layer\'s box (the part inside it opaque), and the document is as it was', async () => {
  const p = nodePhotopea();
  // A Marquee across Hero's lower right corner and beyond it (document pixels 150..300 × 100..200).
  poster(p).selectRect(150, 100, 300, 200);
  const before = snapshot(p);
  const file = decodeFile(await exportMaskAsync(p.bridge, 'Poster.psd', HERO, { kind: 'selection' }));
  assert.deepEqual([file.width, file.height], [160, 120], 'the shape of Hero\'s export');
  // Hero's box starts at (96, 60): the selection covers its pixels from (54, 40) to its edge.
  assertAlpha(file, (x, y) => (x >= 54 && y >= 40 ? 255 : 0));
  assert.deepEqual(snapshot(p), before);
  assert.deepEqual(p.host.crashes, []);
});

test('a soft selection (partly selected pixels) gives a partly opaque mask', async () => {
  const p = nodePhotopea();
  poster(p).selectRect(100, 70, 140, 90, 128);
  const file = decodeFile(await exportMaskAsync(p.bridge, 'Poster.psd', HERO, { kind: 'selection' }));
  assertAlpha(file, (x, y) => (x >= 4 && x < 44 && y >= 10 && y < 30 ? 128 : 0));
});

test('a layer inside a group: the mask is on its box, and the group is left as it was', async () => {
  const p = nodePhotopea();
  const doc = poster(p);
  doc.activeLayerRef = (doc.layers[1] as unknown as { layers: FakeLayer[] }).layers[0]!;
  doc.selectRect(240, 0, 270, 30);
  const before = snapshot(p);
  const file = decodeFile(await exportMaskAsync(p.bridge, 'Poster.psd', WAVE, { kind: 'selection' }));
  assert.deepEqual([file.width, file.height], [56, 56]);
  assertAlpha(file, (x, y) => (x < 20 && y < 18 ? 255 : 0));
  assert.deepEqual(snapshot(p), before);
});

test('nothing selected: the designer is told to select part of the layer, and nothing changed', async () => {
  const p = nodePhotopea();
  const before = snapshot(p);
  await assert.rejects(exportMaskAsync(p.bridge, 'Poster.psd', HERO, { kind: 'selection' }), (error: unknown) => error instanceof PhotopeaError && error.code === 'no-selection' && /Nothing is selected in Photopea\. Select the part of the layer to stylise/.test(error.message));
  assert.deepEqual(snapshot(p), before);
  assert.deepEqual(p.host.crashes, []);
});

test('a selection that misses the layer: a sentence, and nothing changed', async () => {
  const p = nodePhotopea();
  poster(p).selectRect(0, 0, 90, 50);
  const before = snapshot(p);
  await assert.rejects(exportMaskAsync(p.bridge, 'Poster.psd', HERO, { kind: 'selection' }), (error: unknown) => error instanceof PhotopeaError && error.code === 'selection-misses' && /does not touch the layer being stylised/.test(error.message));
  assert.deepEqual(snapshot(p), before);
});

test('a script that stops half-way (no "done") leaves no mask layer: the clean-up removes it and selects the source again', async () => {
  const p = nodePhotopea({ timeoutMs: 300 });
  poster(p).selectRect(150, 100, 300, 200);
  const before = snapshot(p);
  p.host.model.knobs.saveToOECrashes = true;
  await assert.rejects(exportMaskAsync(p.bridge, 'Poster.psd', HERO, { kind: 'selection' }), (error: unknown) => error instanceof PhotopeaError && error.code === 'timeout');
  await p.host.idle();
  assert.equal(p.host.crashes.length, 1, 'the export script did stop half-way');
  assert.deepEqual(snapshot(p), before);
});

/** A layer "Shape" with a disc of opaque pixels (radius 15) in a 40×40 box at (120, 80), over Hero. */
function addShape(doc: FakeDocument, visible = true): FakeLayer {
  const data = new Uint8ClampedArray(40 * 40 * 4);
  for (let y = 0; y < 40; y++) for (let x = 0; x < 40; x++) if ((x - 20) ** 2 + (y - 20) ** 2 <= 225) data.set([0, 0, 0, 255], (y * 40 + x) * 4);
  const shape = new FakeLayer('Shape', 120, 80, { width: 40, height: 40, data }, doc);
  shape.visible = visible;
  doc.layers.unshift(shape);
  return shape;
}

test('a layer\'s transparency as the mask: its pixels on the stylised layer\'s box, hidden or not, the document as it was', async () => {
  const p = nodePhotopea();
  addShape(poster(p), false);
  const before = snapshot(p);
  const shape: LayerRef = { name: 'Shape', path: [0], box: [120, 80, 160, 120] };
  const hero: LayerRef = { ...HERO, path: [3] };
  const file = decodeFile(await exportMaskAsync(p.bridge, 'Poster.psd', hero, { kind: 'layer', layer: shape }));
  assert.deepEqual([file.width, file.height], [160, 120]);
  // Shape's (x, y) is Hero's (x + 24, y + 20).
  assertAlpha(file, (x, y) => ((x - 24 - 20) ** 2 + (y - 20 - 20) ** 2 <= 225 && x >= 24 && x < 64 && y >= 20 && y < 60 ? 255 : 0));
  assert.deepEqual(snapshot(p), before);
});

test('a mask layer that misses the stylised layer, or one moved meanwhile: a sentence each', async () => {
  const p = nodePhotopea();
  const painting: LayerRef = { name: 'Starry Night', path: [3], box: [12, 12, 76, 76] };
  await assert.rejects(exportMaskAsync(p.bridge, 'Poster.psd', HERO, { kind: 'layer', layer: painting }), (error: unknown) => error instanceof PhotopeaError && error.code === 'mask-misses' && /no pixels over the layer being stylised/.test(error.message));
  await assert.rejects(exportMaskAsync(p.bridge, 'Poster.psd', HERO, { kind: 'layer', layer: { ...painting, path: [0] } }), (error: unknown) => error instanceof PhotopeaError && error.code === 'layer-moved');
  assert.deepEqual(p.host.model.documentsList.map((d) => d.name), ['Poster.psd']);
  assert.deepEqual(p.host.crashes, []);
});
