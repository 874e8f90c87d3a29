/**
 * Relaunch and batches against the strict fake (undo steps per result: main-apply.test.ts): early UI messages, debounced
 * selection thumbnails, page changes, "Show" on another page.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_JOB_OPTIONS, type JobOptions } from '../../plugin/bridge/index.ts';
import { RELAUNCH_COMMANDS } from '../../plugin/main/index.ts';
import { PLUGIN_DATA_KEYS } from '../../plugin/limits.ts';
import { PluginDriver, startPluginAsync } from './drive-plugin.ts';
import { FakeFigma, encodePng, paintPattern, type FakeSceneNode } from './fake-figma/index.ts';

const options: JobOptions = { ...DEFAULT_JOB_OPTIONS, quality: 'custom', size: 128, iterations: 5 };

function result(width: number, height: number): Uint8Array {
  return encodePng(width, height, paintPattern(width, height, [10, 200, 90], 'stripes'));
}

async function applyAllAsync(ui: PluginDriver, count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const job = await ui.next('job');
    ui.send({ type: 'job-result', jobId: job.jobId, png: result(job.content.width, job.content.height) });
    ids.push((await ui.next('job-inserted')).nodeId);
  }
  return ids;
}

test('relaunch: a "ui-ready" sent as the UI loads, while the plan is still being made, is not lost', async () => {
  const figma = new FakeFigma();
  const source = figma.frame({ name: 'Hero', width: 300, height: 200 });
  const style = figma.imageLayer({ name: 'Waves' });
  figma.currentPage.appendChild(source);
  figma.currentPage.appendChild(style);
  figma.select(source);
  const first = await startPluginAsync(figma);
  first.send({ type: 'start', styleNodeId: style.id, options });
  const [resultId] = await applyAllAsync(first, 1);
  figma.select(figma.node(resultId!) as FakeSceneNode);

  figma.command = RELAUNCH_COMMANDS.restyle;
  figma.uiSendsOnLoad = [{ type: 'ui-ready' }];
  const ui = new PluginDriver(figma);
  await (await import('../../plugin/main/index.ts')).runPluginAsync(figma, '<html>ui</html>');
  const init = await ui.next('init');
  assert.equal(init.autoStart, true);
  assert.equal(init.style?.id, style.id);
  assert.deepEqual(figma.ui.dropped, [], 'the main code was listening from showUI on');
  const { selection } = await ui.next('selection');
  assert.deepEqual(selection.targets.map((t) => t.id), [source.id]);
});

test('selection changes in a burst are described once, with one thumbnail export, for the selection that stays', async () => {
  const figma = new FakeFigma();
  const layers = [0, 1, 2, 3, 4].map((i) => {
    const f = figma.frame({ name: `Tile ${i}`, x: i * 120 });
    figma.currentPage.appendChild(f);
    return f;
  });
  const ui = await startPluginAsync(figma);
  await ui.next('selection');
  await ui.next('style-layers');
  const exportsBefore = figma.exports.length;
  for (let i = 1; i <= layers.length; i++) figma.select(...layers.slice(0, i)); // a marquee drag
  const { selection } = await ui.next('selection');
  assert.deepEqual(selection.targets.map((t) => t.name), ['Tile 0', 'Tile 1', 'Tile 2', 'Tile 3', 'Tile 4']);
  await ui.settle();
  assert.equal(figma.exports.length - exportsBefore, 1, 'one thumbnail, not one per event');
  assert.equal(ui.messages.filter((m) => m.type === 'selection').length, 2, 'the initial one and the burst');
});

test('another page: its selection and its style layers (that page only) reach the UI', async () => {
  const figma = new FakeFigma();
  figma.currentPage.appendChild(figma.imageLayer({ name: 'Here' }));
  const other = figma.addPage('Moodboard');
  const card = figma.frame({ name: 'Card' });
  other.appendChild(card);
  other.appendChild(figma.imageLayer({ name: 'There' }));
  other.setSelection([card]);
  const ui = await startPluginAsync(figma);
  assert.deepEqual((await ui.next('style-layers')).layers.map((l) => l.name), ['Here']);
  ui.mark();
  await figma.switchPageAsync(other);
  // Both arrive; which first is not part of the promise.
  const [{ selection }, { layers }] = [await ui.next('selection'), await ui.nextAfterMark('style-layers')];
  assert.deepEqual(selection.targets.map((t) => t.name), ['Card']);
  assert.deepEqual(layers.map((l) => l.name), ['There']);
});

test('"Show" on a result on another page switches page with setCurrentPageAsync, then selects and zooms', async () => {
  const figma = new FakeFigma();
  const other = figma.addPage('Archive');
  const old = figma.frame({ name: 'Hero · Waves' });
  old.setPluginData(PLUGIN_DATA_KEYS.source, '9:9');
  other.appendChild(old);
  const ui = await startPluginAsync(figma);
  await ui.next('init');
  ui.send({ type: 'focus-node', nodeId: old.id });
  for (let i = 0; i < 200 && figma.currentPage !== other; i++) await new Promise((r) => setTimeout(r, 5));
  assert.equal(figma.currentPage, other);
  await ui.settle();
  assert.deepEqual(other.selection, [old]);
  assert.deepEqual(figma.zoomedTo, [old.id]);
  assert.equal(ui.messages.some((m) => m.type === 'problem'), false);
});
