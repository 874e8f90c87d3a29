/**
 * The fake Figma refuses what Figma refuses (rule one: a stand-in is at least as strict as
 * what it stands for). Each case names the rule; fake-figma/README.md lists their sources.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readPngSize } from '../../protocol/index.ts';
import { FakeFigma, encodePng, paintPattern } from './fake-figma/index.ts';
import { pixelAt, pixelsOf } from './png-pixels.ts';

async function exportSize(node: { exportAsync?: (s: { format: 'PNG'; constraint?: { type: 'SCALE' | 'WIDTH' | 'HEIGHT'; value: number }; useAbsoluteBounds?: boolean }) => Promise<Uint8Array> }, useAbsoluteBounds = false) {
  return readPngSize(await node.exportAsync!({ format: 'PNG', constraint: { type: 'SCALE', value: 1 }, useAbsoluteBounds }));
}

test('dynamic-page: the synchronous APIs throw; async ones and loaded pages work', async () => {
  const figma = new FakeFigma();
  const frame = figma.frame({ name: 'A' });
  figma.currentPage.appendChild(frame);
  const other = figma.addPage('Other');
  other.appendChild(figma.frame({ name: 'B' }));
  assert.throws(() => figma.getNodeById(frame.id), /getNodeByIdAsync/);
  assert.throws(() => { (figma as { currentPage: unknown }).currentPage = other; }, /setCurrentPageAsync/);
  assert.throws(() => other.findAll(), /loadAsync/);
  assert.throws(() => other.children, /loadAsync/);
  assert.throws(() => other.insertChild(0, figma.frame()), /loadAsync/);
  assert.throws(() => figma.on('documentchange', () => undefined), /loadAllPagesAsync/);
  assert.equal(await figma.getNodeByIdAsync(frame.id), frame);
  await other.loadAsync();
  assert.equal(other.findAll().length, 1);
  const events: string[] = [];
  figma.on('currentpagechange', () => events.push('page'));
  figma.on('selectionchange', () => events.push('selection'));
  await figma.setCurrentPageAsync(other);
  assert.equal(figma.currentPage, other);
  assert.deepEqual(events, ['page', 'selection'], 'a page change always also fires selectionchange');
});

test('createImage refuses images over 4096 px and bytes that are not an image', () => {
  const figma = new FakeFigma();
  assert.ok(figma.createImage(encodePng(4096, 1, paintPattern(4096, 1, [1, 2, 3], 'plain'))).hash);
  assert.throws(() => figma.createImage(encodePng(4097, 1, paintPattern(4097, 1, [1, 2, 3], 'plain'))), /too large/);
  assert.throws(() => figma.createImage(new Uint8Array([1, 2, 3])), /unsupported/);
});

test('exportAsync renders the render bounds: rotation, drop shadows, outside strokes, unclipped children', async () => {
  const figma = new FakeFigma();
  const rotated = figma.frame({ width: 200, height: 100, rotation: 90 });
  assert.deepEqual(await exportSize(rotated), { width: 100, height: 200 });
  const diagonal = figma.frame({ width: 100, height: 100, rotation: 45 });
  assert.deepEqual(await exportSize(diagonal), { width: 141, height: 141 });
  const shadowed = figma.frame({ width: 100, height: 100, effects: [{ offset: { x: 0, y: 8 }, radius: 16 }] });
  assert.deepEqual(shadowed.absoluteRenderBounds, { x: -16, y: -8, width: 132, height: 132 });
  assert.deepEqual(await exportSize(shadowed), { width: 132, height: 132 });
  const stroked = figma.frame({ width: 100, height: 100, strokeWeight: 10, strokeAlign: 'OUTSIDE' });
  assert.deepEqual(await exportSize(stroked), { width: 120, height: 120 });
  const unclipped = figma.frame({ width: 100, height: 100, clipsContent: false });
  unclipped.appendChild(figma.layer('RECTANGLE', { x: 50, y: 50, width: 100, height: 20 }));
  assert.deepEqual(await exportSize(unclipped), { width: 150, height: 100 });
  const clipped = figma.frame({ width: 100, height: 100 });
  clipped.appendChild(figma.layer('RECTANGLE', { x: 50, y: 50, width: 100, height: 20 }));
  assert.deepEqual(await exportSize(clipped), { width: 100, height: 100 });
  // The constraint scales the rendered region, not width × height.
  const png = await rotated.exportAsync!({ format: 'PNG', constraint: { type: 'WIDTH', value: 50 } });
  assert.deepEqual(readPngSize(png), { width: 50, height: 100 });
});

test('text is cropped to its glyphs unless useAbsoluteBounds', async () => {
  const figma = new FakeFigma();
  const text = figma.layer('TEXT', { width: 200, height: 40, ink: { x: 2, y: 6, width: 150, height: 40 } });
  assert.deepEqual(await exportSize(text), { width: 150, height: 40 });
  assert.deepEqual(await exportSize(text, true), { width: 200, height: 40 });
  const hidden = figma.frame({ visible: false });
  assert.equal(hidden.absoluteRenderBounds, null);
  await assert.rejects(exportSize(hidden), /nothing to render/);
});

test('children of groups and boolean operations are placed in their container\'s space; inserting changes a boolean operation\'s shape', () => {
  const figma = new FakeFigma();
  const frame = figma.frame({ x: 100, y: 100, width: 400, height: 400 });
  figma.currentPage.appendChild(frame);
  const union = figma.frame({ type: 'BOOLEAN_OPERATION' });
  frame.appendChild(union);
  union.appendChild(figma.layer('ELLIPSE', { x: 10, y: 10, width: 50, height: 50 }));
  union.appendChild(figma.layer('ELLIPSE', { x: 40, y: 10, width: 50, height: 50 }));
  assert.deepEqual([union.x, union.y, union.width, union.height], [10, 10, 80, 50]);
  assert.deepEqual(union.absoluteBoundingBox, { x: 110, y: 110, width: 80, height: 50 });
  union.insertChild(2, figma.layer('RECTANGLE', { x: 10, y: 10, width: 200, height: 200 }));
  assert.deepEqual([union.width, union.height], [200, 200], 'the new layer became an operand');
  assert.throws(() => union.resize(10, 10), /sized by its children/);
});

test('a component set takes only components; instances take no new layers; insertChild checks its index', () => {
  const figma = new FakeFigma();
  const set = figma.frame({ type: 'COMPONENT_SET' });
  figma.currentPage.appendChild(set);
  set.insertChild(0, figma.frame({ type: 'COMPONENT' }));
  assert.throws(() => set.insertChild(1, figma.createRectangle()), /only contain components/);
  const instance = figma.frame({ type: 'INSTANCE' });
  figma.currentPage.appendChild(instance);
  assert.throws(() => instance.insertChild(0, figma.createRectangle()), /instance/);
  const frame = figma.frame();
  figma.currentPage.appendChild(frame);
  assert.throws(() => frame.insertChild(1, figma.createRectangle()), /out of range/);
});

test('UI messages cross by structured clone and are dropped while the main code has no onmessage', () => {
  const figma = new FakeFigma();
  figma.ui.sendFromUi({ type: 'ui-ready' });
  assert.deepEqual(figma.ui.dropped, [{ type: 'ui-ready' }]);
  const got: unknown[] = [];
  figma.ui.onmessage = (m) => got.push(m);
  const frame = new Uint8Array(100);
  const view = frame.subarray(40, 60);
  figma.ui.sendFromUi({ png: view });
  const received = (got[0] as { png: Uint8Array }).png;
  assert.notEqual(received, view);
  assert.equal(received.byteOffset, 40, 'a view keeps its offset into the whole copied buffer');
  assert.equal(received.buffer.byteLength, 100);
});

test('a layer inside an instance exports; nothing can be inserted into the instance or any layer inside it', async () => {
  const figma = new FakeFigma();
  const instance = figma.frame({ type: 'INSTANCE', width: 200, height: 200 });
  figma.currentPage.appendChild(instance);
  const inner = figma.frame({ name: 'Inner', width: 100, height: 80 });
  instance.appendChild(inner);
  assert.deepEqual(await exportSize(inner), { width: 100, height: 80 });
  assert.throws(() => inner.insertChild(0, figma.createRectangle()), /inside of an instance/);
  assert.throws(() => instance.insertChild(0, figma.createRectangle()), /is an instance/);
});

test('plugin data, relaunch data and clientStorage belong to the plugin id; "" removes plugin data', async () => {
  const figma = new FakeFigma();
  const frame = figma.frame();
  figma.currentPage.appendChild(frame);
  frame.setPluginData('k', 'v');
  frame.setRelaunchData({ restyle: 'again' });
  figma.root.setPluginData('file', 'choice');
  await figma.clientStorage.setAsync('settings', { a: 1 });
  figma.pluginId = 'published-id';
  assert.equal(frame.getPluginData('k'), '');
  assert.deepEqual(frame.relaunchData, {});
  assert.equal(figma.root.getPluginData('file'), '');
  assert.equal(await figma.clientStorage.getAsync('settings'), undefined);
  figma.pluginId = 'atelier-style-transfer';
  assert.equal(frame.getPluginData('k'), 'v');
  assert.equal(figma.root.getPluginData('file'), 'choice');
  frame.setPluginData('k', '');
  assert.deepEqual([...frame.pluginData.keys()], []);
  assert.throws(() => frame.setRelaunchData({ restyle: 'x'.repeat(1001) }), /1000 characters/);
});

test('skipInvisibleInstanceChildren hides invisible layers inside instances from children, searches and getNodeByIdAsync', async () => {
  const figma = new FakeFigma();
  const instance = figma.frame({ type: 'INSTANCE' });
  figma.currentPage.appendChild(instance);
  const hidden = figma.frame({ name: 'Hidden', visible: false });
  const shown = figma.frame({ name: 'Shown' });
  instance.appendChild(hidden);
  instance.appendChild(shown);
  const deep = figma.layer('TEXT', { name: 'Deep' });
  hidden.appendChild(deep);
  const hiddenOutside = figma.frame({ name: 'Hidden outside', visible: false });
  figma.currentPage.appendChild(hiddenOutside);
  assert.equal(figma.currentPage.findAll().length, 5);
  figma.skipInvisibleInstanceChildren = true;
  assert.deepEqual(figma.currentPage.findAll().map((n) => n.name), ['instance', 'Shown', 'Hidden outside']);
  assert.deepEqual(instance.children.map((n) => n.name), ['Shown']);
  assert.deepEqual(figma.currentPage.findAllWithCriteria({ types: ['TEXT'] }), []);
  assert.equal(await figma.getNodeByIdAsync(deep.id), null);
});

test('findAllWithCriteria matches types in the editor: only matches reach the plugin; a page needs loadAsync first', async () => {
  const figma = new FakeFigma();
  figma.currentPage.appendChild(figma.frame({ name: 'F' }));
  figma.currentPage.appendChild(figma.layer('TEXT', { name: 'T' }));
  const before = { ...figma.traversal };
  assert.deepEqual(figma.currentPage.findAllWithCriteria({ types: ['TEXT'] }).map((n) => n.name), ['T']);
  assert.deepEqual({ walked: figma.traversal.walked - before.walked, toPlugin: figma.traversal.toPlugin - before.toPlugin }, { walked: 2, toPlugin: 1 });
  figma.currentPage.findAll(() => false);
  assert.equal(figma.traversal.toPlugin - before.toPlugin, 3, 'findAll hands every node to its callback');
  const other = figma.addPage('Other');
  assert.throws(() => other.findAllWithCriteria({ types: ['FRAME'] }), /loadAsync/);
});

test('a PNG export is transparent where the layer draws nothing: an ellipse\'s corners, a rotated layer\'s box corners (render.ts)', async () => {
  const figma = new FakeFigma();
  const disc = figma.layer('ELLIPSE', { name: 'Disc', x: 0, y: 0, width: 40, height: 40, color: [10, 200, 90] });
  figma.currentPage.appendChild(disc);
  const png = await pixelsOf(await disc.exportAsync!({ format: 'PNG' }));
  assert.deepEqual([png.width, png.height], [40, 40]);
  assert.equal(pixelAt(png, 20, 20)[3], 255, 'opaque inside');
  assert.equal(pixelAt(png, 1, 1)[3], 0, 'transparent outside the ellipse');
  // JPG has no alpha channel (ExportSettingsImage.format): nothing transparent there.
  const jpg = await pixelsOf(await disc.exportAsync!({ format: 'JPG' }));
  assert.equal(pixelAt(jpg, 1, 1)[3], 255);
  const tilted = figma.layer('RECTANGLE', { name: 'Tilted', x: 100, y: 100, width: 40, height: 40, rotation: 45 });
  figma.currentPage.appendChild(tilted);
  const box = await pixelsOf(await tilted.exportAsync!({ format: 'PNG' }));
  assert.equal(pixelAt(box, 1, 1)[3], 0, 'the render box\'s corner is outside the turned square');
  assert.equal(pixelAt(box, box.width / 2, box.height / 2)[3], 255);
});

test('a frame\'s export draws its visible children only, cut at its box when it clips; a hidden layer exports nothing and has no render bounds', async () => {
  const figma = new FakeFigma();
  const frame = figma.frame({ name: 'F', x: 0, y: 0, width: 100, height: 50, color: [250, 250, 250], pattern: 'plain' });
  figma.currentPage.appendChild(frame);
  const child = figma.layer('RECTANGLE', { name: 'C', x: 80, y: 10, width: 40, height: 20, color: [0, 0, 255] });
  frame.appendChild(child);
  const shown = await pixelsOf(await frame.exportAsync!({ format: 'PNG' }));
  assert.deepEqual([shown.width, shown.height], [100, 50], 'clipped: the child past the edge is cut');
  assert.deepEqual(pixelAt(shown, 90, 20), [0, 0, 255, 255]);
  child.visible = false;
  assert.equal(child.absoluteRenderBounds, null, 'LayoutMixin.absoluteRenderBounds: "null if the node is invisible"');
  await assert.rejects(child.exportAsync!({ format: 'PNG' }), /nothing to render/);
  const hidden = await pixelsOf(await frame.exportAsync!({ format: 'PNG' }));
  assert.notDeepEqual(pixelAt(hidden, 90, 20), [0, 0, 255, 255], 'a hidden child is not drawn');
  child.visible = true;
  frame.clipsContent = false;
  const unclipped = await pixelsOf(await frame.exportAsync!({ format: 'PNG' }));
  assert.deepEqual([unclipped.width, unclipped.height], [120, 50], 'unclipped: the render bounds reach the child');
  assert.deepEqual(pixelAt(unclipped, 110, 20), [0, 0, 255, 255]);
  assert.equal(pixelAt(unclipped, 110, 45)[3], 0, 'outside the frame and the child: transparent');
});
