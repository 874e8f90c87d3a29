/**
 * The built main bundle (what `npm run build` writes to plugin/dist/code.js) run with only
 * Figma's sandbox globals (figma/sandbox.ts) against the fake Figma API.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildPluginAsync } from '../../plugin/index.ts';
import { DEFAULT_JOB_OPTIONS, type JobOptions } from '../../plugin/bridge/index.ts';
import { FakeFigma, encodePng, paintPattern, type FakeSceneNode } from './fake-figma/index.ts';
import { readPngSize } from '../../protocol/index.ts';
import { PluginDriver } from './drive-plugin.ts';
import { runInFigmaSandbox } from './fake-figma/sandbox.ts';

const options: JobOptions = { ...DEFAULT_JOB_OPTIONS, quality: 'custom', size: 128, iterations: 5 };

async function buildMainAsync(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'atelier-sandbox-'));
  try {
    const out = await buildPluginAsync({ outDir: dir });
    return await readFile(out.code, 'utf8');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const codePromise = buildMainAsync();

test('the built main bundle loads with only Figma\'s sandbox globals and reaches figma.showUI', async () => {
  const figma = new FakeFigma();
  figma.command = 'apply';
  const run = runInFigmaSandbox(await codePromise, figma, '<html>ui</html>');
  assert.equal(run.loadError, null, `the bundle threw while loading: ${String(run.loadError)}`);
  // showUI is called synchronously at start for "apply", before any await.
  assert.equal(figma.shownHtml, '<html>ui</html>');
  assert.equal(figma.closedWith, undefined, 'the plugin did not close itself with an error');
});

test('the sandbox refuses, as Figma\'s does, a bundle whose text holds "import(" or an HTML comment marker, even in a string', () => {
  const refused = ['const note = "the Figma import (2026)";', 'const a = 1 <!-- 2;', 'const b = "-->";', 'x.import("y")', 'const c = import /* later */ ("y");'];
  for (const code of refused) {
    const run = runInFigmaSandbox(code, new FakeFigma(), '');
    assert.ok(run.loadError instanceof SyntaxError, `${code}: ${String(run.loadError)}`);
  }
  assert.equal(runInFigmaSandbox('const important = "imports (plural) are fine";', new FakeFigma(), '').loadError, null);
});

test('in the sandbox the built bundle completes an apply: UI messages in, result rectangle placed above the source', async () => {
  const figma = new FakeFigma();
  figma.command = 'apply';
  const board = figma.frame({ name: 'Board', width: 800, height: 600 });
  figma.currentPage.appendChild(board);
  const hero = figma.frame({ name: 'Hero', x: 40, y: 30, width: 300, height: 200 });
  board.appendChild(hero);
  const style = figma.imageLayer({ name: 'Starry Night', x: 900, width: 400, height: 300 });
  figma.currentPage.appendChild(style);
  figma.select(hero);
  const ui = new PluginDriver(figma);
  const run = runInFigmaSandbox(await codePromise, figma, '<html>ui</html>');
  assert.equal(run.loadError, null, String(run.loadError));

  ui.send({ type: 'ui-ready' });
  const init = await ui.next('init');
  assert.equal(init.command, 'apply');
  const { selection } = await ui.next('selection');
  assert.deepEqual(selection.targets.map((t) => t.name), ['Hero']);
  const { layers } = await ui.next('style-layers');
  assert.deepEqual(layers.map((l) => l.name), ['Starry Night']);

  ui.send({ type: 'start', styleNodeId: style.id, options });
  const job = await ui.next('job');
  assert.equal(job.targetName, 'Hero');
  assert.deepEqual(readPngSize(job.content.png), { width: job.content.width, height: job.content.height });
  const result = encodePng(job.content.width, job.content.height, paintPattern(job.content.width, job.content.height, [10, 200, 90], 'stripes'));
  ui.send({ type: 'job-result', jobId: job.jobId, png: result });
  const inserted = await ui.next('job-inserted');
  const finished = await ui.next('batch-finished');
  assert.deepEqual(finished.failed, []);
  const rect = figma.node(inserted.nodeId) as FakeSceneNode;
  assert.equal(rect.type, 'RECTANGLE');
  assert.equal(rect.parent, board);
  assert.equal(board.childList.indexOf(rect), board.childList.indexOf(hero) + 1);
  assert.deepEqual([rect.x, rect.y, rect.width, rect.height], [40, 30, 300, 200]);
  const fills = rect.fills as ReadonlyArray<{ type: string; imageHash?: string }>;
  assert.deepEqual(figma.images.get(fills[0]!.imageHash!), result);
  assert.deepEqual(figma.notifications, ['Added “Hero · Starry Night”']);
});

test('in the sandbox the built bundle runs a masked apply (issue 31): "Use selection as mask", the job carries the mask, the mask is shown again', async () => {
  const figma = new FakeFigma();
  figma.command = 'apply';
  const hero = figma.frame({ name: 'Hero', x: 0, y: 0, width: 200, height: 100 });
  figma.currentPage.appendChild(hero);
  const spot = figma.layer('ELLIPSE', { name: 'Spot', x: 20, y: 10, width: 60, height: 60 });
  hero.appendChild(spot);
  const style = figma.imageLayer({ name: 'Starry Night', x: 900, width: 400, height: 300 });
  figma.currentPage.appendChild(style);
  figma.select(spot);
  const ui = new PluginDriver(figma);
  const run = runInFigmaSandbox(await codePromise, figma, '<html>ui</html>');
  assert.equal(run.loadError, null, String(run.loadError));
  ui.send({ type: 'ui-ready' });
  await ui.next('init');
  ui.send({ type: 'use-selection-as-mask' });
  const chosen = await ui.next('mask-chosen');
  assert.equal(chosen.mask?.name, 'Spot');
  figma.select(hero);
  ui.send({ type: 'start', styleNodeId: style.id, options: { ...options, size: 400 }, maskNodeId: spot.id });
  const job = await ui.next('job');
  assert.deepEqual(job.maskPlacement?.box, { x: 40, y: 20, width: 120, height: 120 });
  assert.deepEqual(readPngSize(job.maskPlacement!.png), { width: 120, height: 120 });
  assert.equal(spot.visible, true);
});
