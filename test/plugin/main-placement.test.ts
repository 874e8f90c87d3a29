/**
 * Results are planned from what Figma really exports (the render bounds) and cover exactly
 * that on the page, mapped into the parent's space. One test per case the strict fake models.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_JOB_OPTIONS, type JobOptions } from '../../plugin/bridge/index.ts';
import { readPngSize } from '../../protocol/index.ts';
import { startPluginAsync } from './drive-plugin.ts';
import { FakeFigma, encodePng, paintPattern, type FakeSceneNode } from './fake-figma/index.ts';
import type { Box } from './fake-figma/geometry.ts';

const options: JobOptions = { ...DEFAULT_JOB_OPTIONS, quality: 'custom', size: 128, iterations: 5 };

function near(actual: Box | null, expected: Box | null, what: string): void {
  assert.ok(actual && expected, `${what}: both boxes exist`);
  for (const k of ['x', 'y', 'width', 'height'] as const) {
    assert.ok(Math.abs(actual[k] - expected[k]) < 1e-6, `${what}: ${k} ${actual[k]} ≠ ${expected[k]} (${JSON.stringify(actual)} vs ${JSON.stringify(expected)})`);
  }
}

/** A page with a board at (100, 50) and a style layer; `build` adds the source to the board. */
function fileWith(build: (figma: FakeFigma, board: FakeSceneNode) => FakeSceneNode, boardInit: { rotation?: number } = {}) {
  const figma = new FakeFigma();
  const board = figma.frame({ name: 'Board', x: 100, y: 50, width: 900, height: 700, ...boardInit });
  figma.currentPage.appendChild(board);
  const source = build(figma, board);
  const style = figma.imageLayer({ name: 'Ink', x: 1200, width: 300, height: 300 });
  figma.currentPage.appendChild(style);
  figma.select(source);
  return { figma, board, source, style };
}

async function applyAsync(figma: FakeFigma, source: FakeSceneNode, style: FakeSceneNode, runOptions: JobOptions = options) {
  const ui = await startPluginAsync(figma);
  ui.send({ type: 'start', styleNodeId: style.id, options: runOptions });
  const job = await ui.next('job');
  const settings = figma.exports.filter((e) => e.nodeId === source.id).at(-1)!.settings;
  const png = encodePng(job.content.width, job.content.height, paintPattern(job.content.width, job.content.height, [10, 200, 90], 'stripes'));
  ui.send({ type: 'job-result', jobId: job.jobId, png });
  const finished = await ui.next('batch-finished');
  assert.deepEqual(finished.failed, []);
  const rect = figma.node(finished.inserted[0]!.nodeId) as FakeSceneNode;
  return { job, settings, rect };
}

function aspect(b: { width: number; height: number }): number {
  return b.width / b.height;
}

test('rotated layer: the export is planned on its rotated bounds and the result covers exactly them', async () => {
  const { figma, board, source, style } = fileWith((figma, board) => {
    const f = figma.frame({ name: 'Tilted', x: 200, y: 200, width: 300, height: 100, rotation: 30 });
    board.appendChild(f);
    return f;
  });
  const shown = source.absoluteRenderBounds!;
  const { job, rect } = await applyAsync(figma, source, style);
  assert.equal(Math.max(job.content.width, job.content.height), 128);
  assert.ok(Math.abs(aspect(job.content) - aspect(shown)) < 0.02, 'the image has the shape of what is drawn');
  assert.equal(rect.parent, board);
  assert.equal(board.childList.indexOf(rect), board.childList.indexOf(source) + 1);
  near(rect.absoluteBoundingBox, shown, 'result on the page');
  assert.ok(Math.abs(rect.rotation) < 1e-9, 'the result is upright, like the pixels it holds');
});

test('layer in a rotated frame: the result is mapped into the frame\'s space and lands where the pixels were', async () => {
  const { figma, board, source, style } = fileWith((figma, board) => {
    const f = figma.frame({ name: 'Card', x: 100, y: 80, width: 200, height: 120 });
    board.appendChild(f);
    return f;
  }, { rotation: -15 });
  const shown = source.absoluteRenderBounds!;
  const { rect } = await applyAsync(figma, source, style);
  assert.equal(rect.parent, board);
  near(rect.absoluteBoundingBox, shown, 'result on the page');
  assert.ok(Math.abs(rect.rotation - 15) < 1e-6, 'counter-rotated inside the frame, so upright on the page');
});

test('drop shadow: the result covers the shadow too', async () => {
  const { figma, source, style } = fileWith((figma, board) => {
    const f = figma.frame({ name: 'Card', x: 40, y: 30, width: 300, height: 200, effects: [{ offset: { x: 0, y: 12 }, radius: 24 }] });
    board.appendChild(f);
    return f;
  });
  const shown = source.absoluteRenderBounds!;
  assert.ok(shown.width > source.width);
  const { job, rect } = await applyAsync(figma, source, style);
  assert.ok(Math.abs(aspect(job.content) - aspect(shown)) < 0.02);
  near(rect.absoluteBoundingBox, shown, 'result on the page');
});

test('text: exported whole with useAbsoluteBounds, the result on its box', async () => {
  const { figma, source, style } = fileWith((figma, board) => {
    const t = figma.layer('TEXT', { name: 'Headline', x: 40, y: 300, width: 400, height: 80, ink: { x: 3, y: 14, width: 250, height: 60 } });
    board.appendChild(t);
    return t;
  });
  const { job, settings, rect } = await applyAsync(figma, source, style);
  assert.equal(settings.useAbsoluteBounds, true);
  assert.deepEqual([job.content.width, job.content.height], [128, 26]);
  near(rect.absoluteBoundingBox, source.absoluteBoundingBox, 'result on the text box');
});

test('unclipped frame: children drawn outside it are in the image and under the result', async () => {
  const { figma, source, style } = fileWith((figma, board) => {
    const f = figma.frame({ name: 'Sticker sheet', x: 40, y: 30, width: 200, height: 200, clipsContent: false });
    board.appendChild(f);
    f.appendChild(figma.layer('ELLIPSE', { name: 'Badge', x: 150, y: -40, width: 120, height: 120 }));
    return f;
  });
  const shown = source.absoluteRenderBounds!;
  near(shown, { x: 140, y: 40, width: 270, height: 240 }, 'fake render bounds');
  const { job, rect } = await applyAsync(figma, source, style);
  assert.deepEqual([job.content.width, job.content.height], [128, 114]);
  near(rect.absoluteBoundingBox, shown, 'result on the page');
});

test('source inside a boolean operation: the result goes above the operation, whose shape stays as it was', async () => {
  let union!: FakeSceneNode;
  const { figma, board, source, style } = fileWith((figma, board) => {
    union = figma.frame({ name: 'Cloud', type: 'BOOLEAN_OPERATION' });
    board.appendChild(union);
    const a = figma.layer('ELLIPSE', { name: 'Left', x: 100, y: 100, width: 200, height: 120 });
    union.appendChild(a);
    union.appendChild(figma.layer('ELLIPSE', { name: 'Right', x: 220, y: 80, width: 200, height: 160 }));
    return a;
  });
  const before = { box: union.absoluteBoundingBox, children: union.childList.map((c) => c.id) };
  const shown = source.absoluteRenderBounds!;
  const { rect } = await applyAsync(figma, source, style);
  assert.equal(rect.parent, board);
  assert.equal(board.childList.indexOf(rect), board.childList.indexOf(union) + 1, 'directly above the boolean operation');
  assert.deepEqual(union.childList.map((c) => c.id), before.children);
  near(union.absoluteBoundingBox, before.box, 'the operation\'s shape');
  near(rect.absoluteBoundingBox, shown, 'result over the source');
});

test('source inside a component set: the result goes above the set, which takes only components', async () => {
  let set!: FakeSceneNode;
  const { figma, board, source, style } = fileWith((figma, board) => {
    set = figma.frame({ name: 'Button', type: 'COMPONENT_SET', x: 20, y: 20, width: 400, height: 200 });
    board.appendChild(set);
    const variant = figma.frame({ name: 'State=Default', type: 'COMPONENT', x: 20, y: 20, width: 160, height: 48 });
    set.appendChild(variant);
    return variant;
  });
  const shown = source.absoluteRenderBounds!;
  const { rect } = await applyAsync(figma, source, style);
  assert.equal(rect.parent, board);
  assert.equal(board.childList.indexOf(rect), board.childList.indexOf(set) + 1);
  assert.ok(set.childList.every((c) => c.type === 'COMPONENT'));
  near(rect.absoluteBoundingBox, shown, 'result over the variant');
});

test('source inside a main component: the result goes above the component, not into every instance of it', async () => {
  let component!: FakeSceneNode;
  let badge!: FakeSceneNode;
  const { figma, board, source, style } = fileWith((figma, board) => {
    component = figma.frame({ name: 'Card', type: 'COMPONENT', x: 40, y: 40, width: 320, height: 240 });
    board.appendChild(component);
    const art = figma.frame({ name: 'Artwork', x: 10, y: 10, width: 300, height: 160 });
    badge = figma.layer('TEXT', { name: 'Badge', x: 10, y: 180, width: 80, height: 20 });
    component.appendChild(art);
    component.appendChild(badge);
    return art;
  });
  const shown = source.absoluteRenderBounds!;
  const { rect } = await applyAsync(figma, source, style);
  assert.equal(rect.parent, board, 'a layer added inside the component would appear in all its instances');
  assert.equal(board.childList.indexOf(rect), board.childList.indexOf(component) + 1, 'directly above the component');
  assert.deepEqual(component.childList, [source, badge], 'the component is unchanged');
  near(rect.absoluteBoundingBox, shown, 'result over the source');
});

test('over 4096 px only after rotation: capped on the real export, before the daemon sees it', async () => {
  const { figma, source, style } = fileWith((figma, board) => {
    const f = figma.frame({ name: 'Tall banner', x: 10, y: 10, width: 4000, height: 1000, rotation: 90 });
    board.appendChild(f);
    return f;
  });
  const ui = await startPluginAsync(figma);
  ui.send({ type: 'start', styleNodeId: style.id, options: { ...options, size: 4096 } });
  const job = await ui.next('job');
  assert.deepEqual([job.content.width, job.content.height], [1024, 4096]);
  assert.deepEqual(readPngSize(job.content.png), { width: 1024, height: 4096 });
  const settings = figma.exports.filter((e) => e.nodeId === source.id).at(-1)!.settings;
  assert.deepEqual(settings.constraint, { type: 'HEIGHT', value: 4096 });
});
