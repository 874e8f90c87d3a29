/**
 * Issue 31 in the main code, against the fake Figma API: a shape chosen as the mask (the menu
 * command, the panel's list, "Use selection"), the content exported without a mask that sits
 * inside the frame (its visibility restored on every path), where the mask's export goes on the
 * content image, and what is refused before anything is sent.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_JOB_OPTIONS, type JobOptions } from '../../plugin/bridge/index.ts';
import { FILE_DATA_KEYS, PLUGIN_DATA_KEYS } from '../../plugin/limits.ts';
import { MENU_COMMANDS, RELAUNCH_COMMANDS } from '../../plugin/main/index.ts';
import { FakeFigma, encodePng, paintPattern, type FakeSceneNode } from './fake-figma/index.ts';
import { startPluginAsync } from './drive-plugin.ts';
import { pixelAt, pixelsOf } from './png-pixels.ts';

/** 400 px on the longest side: Hero (200×100) is exported at 2×. */
const options: JobOptions = { ...DEFAULT_JOB_OPTIONS, quality: 'custom', size: 400, iterations: 5 };
const BLOB: [number, number, number] = [10, 200, 90];

function scene() {
  const figma = new FakeFigma();
  // A background behind Hero: it overlaps Hero but is not drawn over it.
  figma.currentPage.appendChild(figma.layer('RECTANGLE', { name: 'Backdrop', x: 0, y: 0, width: 800, height: 600 }));
  const hero = figma.frame({ name: 'Hero', x: 100, y: 50, width: 200, height: 100, color: [250, 170, 80], pattern: 'plain' });
  figma.currentPage.appendChild(hero);
  // Inside Hero, at (120, 60) on the page.
  const blob = figma.layer('ELLIPSE', { name: 'Blob', x: 20, y: 10, width: 60, height: 60, color: BLOB });
  hero.appendChild(blob);
  // On the page, over Hero's lower right corner.
  const patch = figma.layer('RECTANGLE', { name: 'Patch', x: 250, y: 100, width: 100, height: 100, color: [0, 0, 255] });
  figma.currentPage.appendChild(patch);
  const far = figma.layer('RECTANGLE', { name: 'Far', x: 600, y: 400, width: 50, height: 50 });
  figma.currentPage.appendChild(far);
  const style = figma.imageLayer({ name: 'Starry Night', x: 0, y: 400, width: 100, height: 100 });
  figma.currentPage.appendChild(style);
  return { figma, hero, blob, patch, far, style };
}

test('the panel offers the shapes over the selected frame as masks: inside it or drawn over it, not behind or elsewhere, not images', async () => {
  const { figma, hero } = scene();
  figma.select(hero);
  const ui = await startPluginAsync(figma, MENU_COMMANDS.apply);
  const init = await ui.next('init');
  assert.equal(init.mask ?? null, null, 'no mask until one is chosen');
  const { layers } = await ui.next('mask-layers');
  assert.deepEqual(layers.map((l) => l.name), ['Patch', 'Blob'], 'front-most first; Far misses Hero, Backdrop is behind it, Starry Night is an image, Hero is the target');
  assert.ok(layers.every((l) => l.thumbnail !== null), 'each with its thumbnail');
});

test('"Use selection as mask" (menu) keeps the shape as this file\'s mask; the panel opens with it; two layers are refused', async () => {
  const { figma, hero, blob } = scene();
  figma.select(blob);
  await startPluginAsync(figma, MENU_COMMANDS.useSelectionAsMask);
  assert.match(figma.closedWith ?? '', /Atelier will stylise only what is under “Blob”/);
  assert.equal(figma.shownHtml, null, 'no window for the menu command');
  assert.equal(JSON.parse(figma.root.getPluginData(FILE_DATA_KEYS.mask)).nodeId, blob.id);

  figma.select(hero);
  const ui = await startPluginAsync(figma, MENU_COMMANDS.apply);
  const init = await ui.next('init');
  assert.equal(init.mask?.name, 'Blob');

  const other = scene();
  other.figma.select(other.blob, other.patch);
  await startPluginAsync(other.figma, MENU_COMMANDS.useSelectionAsMask);
  assert.match(other.figma.closedWith ?? '', /Select one shape to use as the mask \(more than one layer is selected\)/);
  assert.equal(other.figma.root.getPluginData(FILE_DATA_KEYS.mask), '');
});

test('a child mask is left out of its frame\'s export and shown again; the job says where the mask goes on the content', async () => {
  const { figma, hero, blob, style } = scene();
  figma.select(blob);
  const ui = await startPluginAsync(figma, MENU_COMMANDS.apply);
  await ui.next('init');
  ui.send({ type: 'use-selection-as-mask' });
  const chosen = await ui.next('mask-chosen');
  assert.equal(chosen.mask?.name, 'Blob');

  figma.select(hero);
  ui.mark();
  ui.send({ type: 'start', styleNodeId: style.id, options, maskNodeId: blob.id });
  const job = await ui.next('job');
  assert.equal(blob.visible, true, 'the mask is visible again');
  assert.deepEqual([job.content.width, job.content.height], [400, 200]);
  const content = await pixelsOf(job.content.png);
  // The blob's centre (150, 90) on the page is (100, 80) on the content at 2×: the frame shows there, not the blob.
  assert.notDeepEqual(pixelAt(content, 100, 80).slice(0, 3), BLOB, 'the mask is not painted into the content');

  const placement = job.maskPlacement;
  assert.ok(placement, 'the job carries its mask');
  assert.deepEqual(placement.box, { x: 40, y: 20, width: 120, height: 120 }, 'the blob\'s render box on the content at the content\'s scale');
  assert.deepEqual(placement.clips, [[[0, 0], [400, 0], [400, 200], [0, 200]]], 'Hero clips its children: its outline cuts the mask');
  const mask = await pixelsOf(placement.png);
  assert.deepEqual([mask.width, mask.height], [120, 120], 'exported at the content\'s scale');
  assert.equal(pixelAt(mask, 60, 60)[3], 255, 'opaque inside the ellipse');
  assert.equal(pixelAt(mask, 2, 2)[3], 0, 'transparent in its corners');
});

test('the mask comes back when the frame\'s export fails, and with a mask over the frame nothing is hidden', async () => {
  const { figma, hero, blob, patch, style } = scene();
  figma.select(hero);
  const ui = await startPluginAsync(figma, MENU_COMMANDS.apply);
  await ui.next('init');
  figma.failExports.add(hero.id);
  ui.send({ type: 'start', styleNodeId: style.id, options, maskNodeId: blob.id });
  const failed = await ui.next('batch-finished');
  assert.match(failed.failed[0]?.message ?? '', /Figma could not export “Hero”/);
  assert.equal(blob.visible, true, 'visible again after the failed export');

  figma.failExports.clear();
  ui.send({ type: 'start', styleNodeId: style.id, options, maskNodeId: patch.id });
  const job = await ui.next('job');
  assert.equal(patch.visible, true);
  assert.deepEqual(job.maskPlacement?.box, { x: 300, y: 100, width: 200, height: 200 }, 'a shape on the page, placed by its render box');
  assert.deepEqual(job.maskPlacement?.clips, [], 'nothing between it and the page clips it');
  const content = await pixelsOf(job.content.png);
  assert.deepEqual(pixelAt(content, 100, 80).slice(0, 3), BLOB, 'a mask outside the frame leaves the frame\'s children alone');
});

test('a mask that covers none of the selected frames: a sentence, nothing exported, nothing sent', async () => {
  const { figma, hero, far, style } = scene();
  figma.select(hero);
  const ui = await startPluginAsync(figma, MENU_COMMANDS.apply);
  await ui.next('init');
  ui.send({ type: 'choose-mask', maskNodeId: far.id });
  await ui.next('mask-chosen');
  const { selection } = await ui.next('selection');
  assert.deepEqual(selection.maskMisses, ['Hero'], 'the panel can say so before Apply');
  ui.mark();
  ui.send({ type: 'start', styleNodeId: style.id, options, maskNodeId: far.id });
  const problem = await ui.nextAfterMark('problem');
  assert.equal(problem.code, 'mask-misses');
  assert.equal(problem.message, 'The mask “Far” does not cover “Hero”, so nothing was sent. Move the shape over the part to stylise, or set Mask to None.');
  await ui.settle();
  assert.equal(ui.messages.some((m) => m.type === 'job'), false);
  assert.deepEqual(figma.exports.filter((e) => e.settings.constraint?.value === options.size), [], 'nothing exported at the working size, not even the style');
});

test('several frames, one mask: each gets the part over its own box; a frame the mask misses is not sent, with a note', async () => {
  const { figma, hero, patch, style } = scene();
  const card = figma.frame({ name: 'Card', x: 100, y: 300, width: 100, height: 100 });
  figma.currentPage.appendChild(card);
  const wide = figma.frame({ name: 'Wide', x: 300, y: 100, width: 200, height: 50 });
  figma.currentPage.appendChild(wide);
  figma.select(hero, card, wide, patch);
  const ui = await startPluginAsync(figma, MENU_COMMANDS.apply);
  await ui.next('init');
  ui.send({ type: 'choose-mask', maskNodeId: patch.id });
  await ui.next('mask-chosen');
  const { selection } = await ui.next('selection');
  assert.deepEqual(selection.targets.map((t) => t.name), ['Hero', 'Card', 'Wide'], 'the mask selected with its frames is not stylised itself');
  assert.deepEqual(selection.skipped, [{ name: 'Patch', reason: 'it is the mask' }]);
  assert.deepEqual(selection.maskMisses, ['Card']);

  ui.send({ type: 'start', styleNodeId: style.id, options, maskNodeId: patch.id });
  const first = await ui.next('job');
  assert.equal(first.targetName, 'Hero');
  assert.deepEqual(first.maskPlacement?.box, { x: 300, y: 100, width: 200, height: 200 });
  ui.send({ type: 'job-result', jobId: first.jobId, png: encodePng(400, 200, paintPattern(400, 200, [1, 2, 3], 'plain')) });
  const second = await ui.next('job');
  assert.equal(second.targetName, 'Wide', 'Card is skipped');
  // Wide (200×50 at (300, 100)) at 400 px is 2×; Patch starts 50 px left of it and covers its first 50 px.
  assert.deepEqual(second.maskPlacement?.box, { x: -100, y: 0, width: 200, height: 200 });
  ui.send({ type: 'job-result', jobId: second.jobId, png: encodePng(400, 100, paintPattern(400, 100, [1, 2, 3], 'plain')) });
  const finished = await ui.next('batch-finished');
  assert.deepEqual(finished.inserted.length, 2);
  assert.deepEqual(finished.failed, [{ name: 'Card', message: 'the mask “Patch” does not cover it, so it was not sent' }]);
  assert.equal(figma.exports.some((e) => e.nodeId === card.id && e.settings.constraint?.value === 400), false, 'Card was not exported for a job');
});

test('a rotated mask in a clipping frame: placed by its rotated render box, cut by that frame and by the source', async () => {
  const { figma, hero, style } = scene();
  const window = figma.frame({ name: 'Window', x: 90, y: 0, width: 100, height: 60, clipsContent: true });
  hero.appendChild(window);
  // 40×20 turned 90° counter-clockwise about its top-left corner at (10, 40) in Window: on the page x 200…220, y 50…90.
  const tilt = figma.layer('RECTANGLE', { name: 'Tilt', x: 10, y: 40, width: 40, height: 20, rotation: 90 });
  window.appendChild(tilt);
  figma.select(hero);
  const ui = await startPluginAsync(figma, MENU_COMMANDS.apply);
  await ui.next('init');
  ui.send({ type: 'start', styleNodeId: style.id, options, maskNodeId: tilt.id });
  const job = await ui.next('job');
  assert.deepEqual(job.maskPlacement?.box, { x: 200, y: 0, width: 40, height: 80 });
  assert.deepEqual(job.maskPlacement?.clips, [
    [[180, 0], [380, 0], [380, 120], [180, 120]],
    [[0, 0], [400, 0], [400, 200], [0, 200]],
  ], 'Window\'s outline, then Hero\'s, on the content');
  assert.equal(tilt.visible, true);
});

test('a mask on another page covers nothing here, whatever its coordinates', async () => {
  const { figma, hero, style } = scene();
  const other = figma.addPage('Other');
  const twin = figma.layer('RECTANGLE', { name: 'Twin', x: 100, y: 50, width: 200, height: 100 });
  other.appendChild(twin);
  figma.select(hero);
  const ui = await startPluginAsync(figma, MENU_COMMANDS.apply);
  await ui.next('init');
  ui.mark();
  ui.send({ type: 'start', styleNodeId: style.id, options, maskNodeId: twin.id });
  const problem = await ui.nextAfterMark('problem');
  assert.equal(problem.code, 'mask-misses');
});

test('a mask chosen in the panel that was deleted since: a sentence, nothing sent', async () => {
  const { figma, hero, blob, style } = scene();
  figma.select(hero);
  const ui = await startPluginAsync(figma, MENU_COMMANDS.apply);
  await ui.next('init');
  blob.remove();
  ui.mark();
  ui.send({ type: 'start', styleNodeId: style.id, options, maskNodeId: blob.id });
  const problem = await ui.nextAfterMark('problem');
  assert.equal(problem.code, 'mask-missing');
  assert.match(problem.message, /no longer exists/);
  await ui.settle();
  assert.equal(ui.messages.some((m) => m.type === 'job'), false);
});

test('"Re-apply style" uses the mask its result was made with; a result made without one stays whole; a deleted mask stops it', async () => {
  const { figma, hero, blob, patch, style } = scene();
  figma.select(hero);
  const ui = await startPluginAsync(figma, MENU_COMMANDS.apply);
  await ui.next('init');
  const png = encodePng(400, 200, paintPattern(400, 200, [1, 2, 3], 'plain'));
  ui.send({ type: 'start', styleNodeId: style.id, options, maskNodeId: blob.id });
  const masked = await ui.next('job');
  assert.equal(JSON.parse(masked.placement.data).maskNodeId, blob.id, 'a result that waits in Atelier keeps its mask too');
  ui.send({ type: 'job-result', jobId: masked.jobId, png });
  const withMask = figma.node((await ui.next('job-inserted')).nodeId) as FakeSceneNode;
  assert.equal(withMask.getPluginData(PLUGIN_DATA_KEYS.mask), blob.id);
  await ui.next('batch-finished');
  ui.send({ type: 'start', styleNodeId: style.id, options, maskNodeId: null });
  const whole = await ui.next('job');
  ui.send({ type: 'job-result', jobId: whole.jobId, png });
  const withoutMask = (await ui.next('job-inserted')).nodeId;
  await ui.next('batch-finished');

  // The file's mask is now Patch; each result brings back its own.
  ui.send({ type: 'choose-mask', maskNodeId: patch.id });
  await ui.next('mask-chosen');
  figma.select(withMask);
  const again = await startPluginAsync(figma, RELAUNCH_COMMANDS.restyle);
  const init = await again.next('init');
  assert.equal(init.mask?.name, 'Blob');
  assert.equal(init.autoStart, true);
  figma.select(figma.node(withoutMask) as FakeSceneNode);
  const plain = await startPluginAsync(figma, RELAUNCH_COMMANDS.restyle);
  assert.equal((await plain.next('init')).mask ?? null, null, 'made without a mask: the whole frame again');

  blob.remove();
  figma.select(withMask);
  const gone = await startPluginAsync(figma, RELAUNCH_COMMANDS.restyle);
  const goneInit = await gone.next('init');
  assert.equal(goneInit.autoStart, false, 'not restyled whole on its own');
  const problem = await gone.next('problem');
  assert.equal(problem.code, 'mask-missing');
});
