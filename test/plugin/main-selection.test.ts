import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeFigma, encodePng, paintPattern, type FakeSceneNode } from './fake-figma/index.ts';
import { DEFAULT_JOB_OPTIONS, type JobOptions } from '../../plugin/bridge/index.ts';
import { MENU_COMMANDS, RELAUNCH_COMMANDS } from '../../plugin/main/index.ts';
import { MAX_STYLE_LAYERS, SETTINGS_KEY } from '../../plugin/limits.ts';
import { DEFAULT_DAEMON_PORT } from '../../protocol/index.ts';
import { readPngSize } from '../../protocol/index.ts';
import { startPluginAsync } from './drive-plugin.ts';

test('the selection gives exportable layers; the rest are listed with a reason', async () => {
  const figma = new FakeFigma();
  const frame = figma.frame({ name: 'Card', width: 200, height: 100 });
  const hidden = figma.frame({ name: 'Hidden', visible: false });
  const widget = figma.layer('WIDGET', { name: 'Poll', exportable: false });
  const instance = figma.frame({ name: 'Button', type: 'INSTANCE' });
  const inner = figma.layer('TEXT', { name: 'Label' });
  for (const n of [frame, hidden, widget, instance]) figma.currentPage.appendChild(n);
  instance.appendChild(inner);
  figma.select(frame, hidden, widget, inner);
  const ui = await startPluginAsync(figma);
  const { selection } = await ui.next('selection');
  assert.deepEqual(selection.targets.map((t) => t.name), ['Card']);
  assert.deepEqual(selection.targets[0], { id: frame.id, name: 'Card', type: 'FRAME', width: 200, height: 100 });
  assert.deepEqual(selection.skipped.map((s) => s.name), ['Hidden', 'Poll', 'Label']);
  assert.match(selection.skipped[0]!.reason, /hidden/);
  assert.match(selection.skipped[1]!.reason, /cannot export/);
  assert.match(selection.skipped[2]!.reason, /instance/);
  assert.ok(selection.thumbnail, 'a thumbnail of the first target');
  const thumb = readPngSize(selection.thumbnail)!;
  assert.equal(Math.max(thumb.width, thumb.height), 96);

  figma.select();
  const empty = await ui.next('selection');
  assert.deepEqual(empty.selection.targets, []);
  assert.equal(empty.selection.thumbnail, null);
});

test('style candidates: the current page\'s image layers at once, other pages only when the designer asks', async () => {
  const figma = new FakeFigma();
  const photo = figma.imageLayer({ name: 'Photo' });
  const plain = figma.layer('RECTANGLE', { name: 'Plain', fills: [{ type: 'SOLID', color: { r: 1, g: 0, b: 0 } }] });
  const group = figma.frame({ name: 'Group', type: 'GROUP' });
  const nested = figma.imageLayer({ name: 'Nested painting', width: 50, height: 200 });
  const hiddenFill = figma.layer('RECTANGLE', { name: 'Invisible image', fills: [{ type: 'IMAGE', imageHash: 'h', scaleMode: 'FILL', visible: false }] });
  figma.currentPage.appendChild(photo);
  figma.currentPage.appendChild(plain);
  figma.currentPage.appendChild(group);
  figma.currentPage.appendChild(hiddenFill);
  group.appendChild(nested);
  const other = figma.addPage('Moodboard');
  const texture = figma.imageLayer({ name: 'Texture' });
  other.appendChild(texture);
  const ui = await startPluginAsync(figma);
  const first = await ui.next('style-layers');
  assert.deepEqual(first.layers.map((l) => [l.name, l.pageName]), [['Photo', 'Page 1'], ['Nested painting', 'Page 1']]);
  assert.deepEqual([first.allPages, first.otherPages], [false, 1]);
  assert.equal(other.loadCount, 0, 'other pages are not loaded until asked for');
  const thumb = readPngSize(first.layers[1]!.thumbnail!)!;
  assert.deepEqual(thumb, { width: 24, height: 96 });

  ui.send({ type: 'refresh-styles', allPages: true });
  const all = await ui.next('style-layers');
  assert.deepEqual(all.layers.map((l) => [l.name, l.pageName]), [['Photo', 'Page 1'], ['Nested painting', 'Page 1'], ['Texture', 'Moodboard']]);
  assert.equal(all.allPages, true);
  assert.equal(other.loadCount, 1, 'other pages are loaded before being searched (dynamic-page)');
});

test('the style search hands the plugin only layers that can hold an image, and skips hidden layers inside instances', async () => {
  const figma = new FakeFigma();
  const board = figma.frame({ name: 'Board', width: 1000, height: 1000 });
  figma.currentPage.appendChild(board);
  for (let i = 0; i < 200; i++) board.appendChild(figma.layer('TEXT', { name: `Label ${i}` }));
  const card = figma.frame({ name: 'Card', type: 'INSTANCE' });
  board.appendChild(card);
  const hiddenState = figma.frame({ name: 'Hover state', visible: false });
  card.appendChild(hiddenState);
  for (let i = 0; i < 50; i++) hiddenState.appendChild(figma.imageLayer({ name: `Hidden ${i}` }));
  board.appendChild(figma.imageLayer({ name: 'Photo' }));
  const ui = await startPluginAsync(figma);
  const { layers } = await ui.next('style-layers');
  assert.deepEqual(layers.map((l) => l.name), ['Photo']);
  assert.equal(figma.skipInvisibleInstanceChildren, false, 'on for the search only: the selection may hold a hidden layer in an instance');
  // Board, Card and Photo are the only layers of a type that can show an image and can be reached.
  assert.equal(figma.traversal.toPlugin, 3, 'text layers and hidden instance layers never become plugin objects');
  assert.equal(figma.traversal.walked, 203, 'the hidden state inside the instance is not even walked');
});

test('"Use selection as style" from the UI picks the selected layer and remembers it', async () => {
  const figma = new FakeFigma();
  const a = figma.frame({ name: 'Illustration' });
  const b = figma.frame({ name: 'Other' });
  figma.currentPage.appendChild(a);
  figma.currentPage.appendChild(b);
  figma.select(a, b);
  const ui = await startPluginAsync(figma);
  ui.send({ type: 'use-selection-as-style' });
  assert.equal((await ui.next('problem')).code, 'no-style');
  figma.select(a);
  ui.send({ type: 'use-selection-as-style' });
  const chosen = await ui.next('style-chosen');
  assert.equal(chosen.style.id, a.id);
  assert.equal(chosen.style.name, 'Illustration');

  // A later run starts with that style.
  const again = await startPluginAsync(figma);
  const init = await again.next('init');
  assert.equal(init.style?.id, a.id);
});

test('the menu command "Use selection as style" works without opening the UI', async () => {
  const figma = new FakeFigma();
  const art = figma.imageLayer({ name: 'Art' });
  figma.currentPage.appendChild(art);
  figma.select(art);
  await startPluginAsync(figma, MENU_COMMANDS.useSelectionAsStyle);
  assert.equal(figma.shownHtml, null);
  assert.match(figma.closedWith ?? '', /“Art”/);
  const ui = await startPluginAsync(figma, MENU_COMMANDS.apply);
  assert.equal((await ui.next('init')).style?.name, 'Art');

  const empty = new FakeFigma();
  await startPluginAsync(empty, MENU_COMMANDS.useSelectionAsStyle);
  assert.match(empty.closedWith ?? '', /Select one layer/);
});

test('options and the pairing key are remembered in clientStorage; unreadable storage falls back to defaults', async () => {
  const figma = new FakeFigma();
  const frame = figma.frame({ name: 'F' });
  const style = figma.imageLayer({ name: 'S' });
  figma.currentPage.appendChild(frame);
  figma.currentPage.appendChild(style);
  figma.select(frame);
  const chosen: JobOptions = { quality: 'best', size: 1024, iterations: 500, styleStrength: 80, preset: 'reference', presetChosen: true, keepColors: true, fullSizeScale: 1, edgeSoftness: 4 };
  const ui = await startPluginAsync(figma);
  const first = await ui.next('init');
  assert.deepEqual(first.options, DEFAULT_JOB_OPTIONS);
  assert.equal(first.daemonUrl, `ws://localhost:${DEFAULT_DAEMON_PORT}`);
  ui.send({ type: 'save-options', options: chosen });
  const key = { keyId: '0123456789abcdef', key: 'ab'.repeat(32) };
  ui.send({ type: 'store-key', server: null, key });
  await ui.settle();
  const second = await (await startPluginAsync(figma)).next('init');
  assert.deepEqual(second.options, chosen);
  assert.deepEqual(second.key, key);

  figma.storage.set(SETTINGS_KEY, { options: { quality: 'ultra' }, key: { keyId: 12 } });
  const third = await (await startPluginAsync(figma)).next('init');
  assert.deepEqual(third.options, DEFAULT_JOB_OPTIONS);
  assert.equal(third.key, null);
  figma.storage.set(SETTINGS_KEY, { options: { quality: 'ultra' }, key });
  assert.deepEqual((await (await startPluginAsync(figma)).next('init')).key, key, 'valid fields survive next to broken ones');
});

test('a stored daemon port the manifest does not allow is dropped: the plugin dials the one address Figma lets it reach', async () => {
  const figma = new FakeFigma();
  figma.storage.set(SETTINGS_KEY, { options: DEFAULT_JOB_OPTIONS, key: null, daemonPort: 9000 });
  const ui = await startPluginAsync(figma);
  const init = await ui.next('init');
  assert.equal(init.daemonUrl, `ws://localhost:${DEFAULT_DAEMON_PORT}`, 'Figma\'s content security policy would silently block ws://localhost:9000');
  ui.send({ type: 'save-options', options: DEFAULT_JOB_OPTIONS });
  await ui.settle();
  assert.equal('daemonPort' in (figma.storage.get(SETTINGS_KEY) as object), false, 'the next save forgets it');
});

test('the relaunch button re-runs the original source with the stored style and options', async () => {
  const figma = new FakeFigma();
  const source = figma.frame({ name: 'Hero', width: 300, height: 200 });
  const style = figma.imageLayer({ name: 'Waves' });
  figma.currentPage.appendChild(source);
  figma.currentPage.appendChild(style);
  figma.select(source);
  const stored: JobOptions = { quality: 'draft', size: 256, iterations: 60, styleStrength: 30, preset: 'reference', presetChosen: true, keepColors: false, fullSizeScale: 1, edgeSoftness: 4 };
  const ui = await startPluginAsync(figma);
  ui.send({ type: 'start', styleNodeId: style.id, options: stored });
  const job = await ui.next('job');
  ui.send({ type: 'job-result', jobId: job.jobId, png: encodePng(256, 171, paintPattern(256, 171, [1, 2, 3], 'disc')) });
  const inserted = await ui.next('job-inserted');
  const result = figma.node(inserted.nodeId) as FakeSceneNode;
  // The designer changes the remembered options, then clicks the relaunch button on the result.
  ui.send({ type: 'save-options', options: DEFAULT_JOB_OPTIONS });
  await ui.settle();
  figma.select(result);
  const relaunched = await startPluginAsync(figma, RELAUNCH_COMMANDS.restyle);
  const init = await relaunched.next('init');
  assert.equal(init.autoStart, true);
  assert.deepEqual(init.options, stored);
  assert.equal(init.style?.id, style.id);
  const { selection } = await relaunched.next('selection');
  assert.deepEqual(selection.targets.map((t) => t.id), [source.id], 'the source, not the result, is stylised again');
});
