/**
 * The chosen style belongs to its file (issue 28, item 2) and may live inside an instance
 * (item 4): exporting an instance's layer is allowed, only inserting into one is not.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_JOB_OPTIONS, type JobOptions } from '../../plugin/bridge/index.ts';
import { MENU_COMMANDS } from '../../plugin/main/index.ts';
import { SETTINGS_KEY } from '../../plugin/limits.ts';
import { startPluginAsync } from './drive-plugin.ts';
import { FakeFigma, encodePng, paintPattern, type FakeSceneNode } from './fake-figma/index.ts';

const options: JobOptions = { ...DEFAULT_JOB_OPTIONS, quality: 'custom', size: 128, iterations: 5 };

/** A file whose second layer is `second` (its id is the same in every file built this way). */
function fileWith(second: (figma: FakeFigma) => FakeSceneNode) {
  const figma = new FakeFigma();
  const hero = figma.frame({ name: 'Hero', width: 300, height: 200 });
  figma.currentPage.appendChild(hero);
  const layer = second(figma);
  figma.currentPage.appendChild(layer);
  figma.select(hero);
  return { figma, hero, layer };
}

/** The same designer on the same machine opens another file: clientStorage comes along. */
function sameUserOpens(from: FakeFigma, to: FakeFigma): void {
  for (const [key, value] of from.storage) to.storage.set(key, structuredClone(value));
}

test('the chosen style stays with its file: another file\'s layer with the same id is not shown or used', async () => {
  const a = fileWith((f) => f.imageLayer({ name: 'Starry Night' }));
  const ui = await startPluginAsync(a.figma);
  ui.send({ type: 'choose-style', styleNodeId: a.layer.id });
  assert.equal((await ui.next('style-chosen')).style.name, 'Starry Night');

  const b = fileWith((f) => f.frame({ name: 'Logo' }));
  assert.equal(b.layer.id, a.layer.id, 'node ids repeat across files');
  sameUserOpens(a.figma, b.figma);
  const inB = await startPluginAsync(b.figma);
  assert.equal((await inB.next('init')).style, null, 'file B has no style chosen yet');

  // Back in file A, the choice is still there.
  assert.equal((await (await startPluginAsync(a.figma)).next('init')).style?.name, 'Starry Night');
});

test('a remembered style that no longer shows an image, is hidden or is gone is not offered again', async () => {
  const { figma, layer } = fileWith((f) => f.imageLayer({ name: 'Photo' }));
  const ui = await startPluginAsync(figma);
  ui.send({ type: 'choose-style', styleNodeId: layer.id });
  await ui.next('style-chosen');
  layer.fills = [{ type: 'SOLID', color: { r: 0, g: 0, b: 1 } }];
  assert.equal((await (await startPluginAsync(figma)).next('init')).style, null, 'its image fill was replaced by a flat colour');
  layer.fills = [{ type: 'IMAGE', imageHash: 'h2', scaleMode: 'FILL' }];
  layer.visible = false;
  assert.equal((await (await startPluginAsync(figma)).next('init')).style, null, 'hidden');
  layer.visible = true;
  assert.equal((await (await startPluginAsync(figma)).next('init')).style?.name, 'Photo');
  layer.remove();
  assert.equal((await (await startPluginAsync(figma)).next('init')).style, null, 'deleted');
});

test('a frame chosen with "Use selection" stays the style although it shows no image', async () => {
  const { figma, layer } = fileWith((f) => f.frame({ name: 'Illustration' }));
  figma.select(layer);
  await startPluginAsync(figma, MENU_COMMANDS.useSelectionAsStyle);
  assert.equal((await (await startPluginAsync(figma)).next('init')).style?.name, 'Illustration');
});

test('a style id saved in clientStorage by an older version is not carried into any file', async () => {
  const { figma, layer } = fileWith((f) => f.imageLayer({ name: 'Unrelated' }));
  figma.storage.set(SETTINGS_KEY, { options: DEFAULT_JOB_OPTIONS, key: null, styleNodeId: layer.id });
  const ui = await startPluginAsync(figma);
  assert.equal((await ui.next('init')).style, null);
  ui.send({ type: 'save-options', options: DEFAULT_JOB_OPTIONS });
  await ui.settle();
  assert.equal('styleNodeId' in (figma.storage.get(SETTINGS_KEY) as object), false, 'the next save drops it');
});

test('a layer inside a component instance can be the style: listed, chosen and exported; only stylising inside it is refused', async () => {
  const figma = new FakeFigma();
  const card = figma.frame({ name: 'Card', type: 'INSTANCE', width: 300, height: 300 });
  figma.currentPage.appendChild(card);
  const cover = figma.imageLayer({ name: 'Cover art', width: 200, height: 150 });
  card.appendChild(cover);
  const hero = figma.frame({ name: 'Hero', x: 400, width: 300, height: 200 });
  figma.currentPage.appendChild(hero);
  figma.select(cover);
  const ui = await startPluginAsync(figma);
  assert.deepEqual((await ui.next('selection')).selection.skipped.map((s) => s.name), ['Cover art'], 'no result can be inserted inside the instance');
  assert.deepEqual((await ui.next('style-layers')).layers.map((l) => l.name), ['Cover art']);
  ui.send({ type: 'use-selection-as-style' });
  assert.equal((await ui.next('style-chosen')).style.name, 'Cover art');

  figma.select(hero);
  await ui.next('selection');
  ui.send({ type: 'start', styleNodeId: cover.id, options });
  const job = await ui.next('job');
  assert.ok(figma.exports.some((e) => e.nodeId === cover.id), 'the style was exported from inside the instance');
  ui.send({ type: 'job-result', jobId: job.jobId, png: encodePng(job.content.width, job.content.height, paintPattern(job.content.width, job.content.height, [1, 2, 3], 'disc')) });
  const finished = await ui.next('batch-finished');
  assert.deepEqual(finished.failed, []);
  assert.equal(finished.inserted.length, 1);
  assert.equal(card.childList.length, 1, 'nothing was added to the instance');
});
