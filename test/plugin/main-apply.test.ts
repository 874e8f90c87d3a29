import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeFigma, encodePng, paintPattern, type FakeSceneNode } from './fake-figma/index.ts';
import { DEFAULT_JOB_OPTIONS, type JobOptions } from '../../plugin/bridge/index.ts';
import { PLUGIN_DATA_KEYS, THUMBNAIL_SIDE } from '../../plugin/limits.ts';
import { readPngSize } from '../../protocol/index.ts';
import { startPluginAsync } from './drive-plugin.ts';

const options: JobOptions = { ...DEFAULT_JOB_OPTIONS, quality: 'custom', size: 128, iterations: 5 };

function png(width: number, height: number): Uint8Array {
  return encodePng(width, height, paintPattern(width, height, [10, 200, 90], 'stripes'));
}

/** A board with three layers; the middle one ("Hero") is the one stylised. */
function board(figma: FakeFigma, layoutMode: 'NONE' | 'VERTICAL' = 'NONE') {
  const parent = figma.frame({ name: 'Board', width: 800, height: 600, layoutMode });
  figma.currentPage.appendChild(parent);
  const below = figma.layer('RECTANGLE', { name: 'Below' });
  const source = figma.frame({ name: 'Hero', x: 40, y: 30, width: 300, height: 200 });
  const above = figma.layer('TEXT', { name: 'Above' });
  parent.appendChild(below);
  parent.appendChild(source);
  parent.appendChild(above);
  const style = figma.imageLayer({ name: 'Starry Night', x: 900, width: 400, height: 300 });
  figma.currentPage.appendChild(style);
  return { parent, source, style, below, above };
}

function snapshot(node: FakeSceneNode) {
  return {
    name: node.name, x: node.x, y: node.y, width: node.width, height: node.height,
    fills: JSON.stringify(node.fills), parent: node.parent?.id, index: node.parent?.childList.indexOf(node),
    pluginData: [...node.pluginData.entries()].join(';'), removed: node.removed,
  };
}

test('a result is inserted directly above its source, same parent, size and position, named after source and style', async () => {
  const figma = new FakeFigma();
  const { parent, source, style } = board(figma);
  figma.select(source);
  const ui = await startPluginAsync(figma);
  await ui.next('init');
  const before = snapshot(source);

  ui.send({ type: 'start', styleNodeId: style.id, options });
  const job = await ui.next('job');
  assert.equal(job.index, 0);
  assert.equal(job.total, 1);
  assert.equal(job.targetName, 'Hero');
  // Exported at the working size: longest side 128, aspect kept.
  assert.deepEqual(readPngSize(job.content.png), { width: 128, height: 85 });
  assert.deepEqual([job.content.width, job.content.height], [128, 85]);
  assert.equal(Math.max(job.style.width, job.style.height), 128);
  assert.equal(job.capNote, null);

  const result = png(128, 85);
  ui.send({ type: 'job-result', jobId: job.jobId, png: result });
  const inserted = await ui.next('job-inserted');
  const finished = await ui.next('batch-finished');
  assert.equal(finished.cancelled, false);
  assert.deepEqual(finished.failed, []);

  const rect = figma.node(inserted.nodeId) as FakeSceneNode;
  assert.equal(rect.type, 'RECTANGLE');
  assert.equal(rect.parent, parent);
  assert.equal(parent.childList.indexOf(rect), parent.childList.indexOf(source) + 1, 'directly above the source');
  assert.deepEqual([rect.x, rect.y, rect.width, rect.height], [40, 30, 300, 200]);
  assert.equal(rect.name, 'Hero · Starry Night');
  assert.equal(inserted.name, 'Hero · Starry Night');
  const fills = rect.fills as ReadonlyArray<{ type: string; imageHash?: string; scaleMode?: string }>;
  assert.equal(fills.length, 1);
  assert.equal(fills[0]!.type, 'IMAGE');
  assert.equal(fills[0]!.scaleMode, 'FILL');
  assert.deepEqual(figma.images.get(fills[0]!.imageHash!), result, 'the fill shows the returned pixels');
  assert.equal(rect.getPluginData(PLUGIN_DATA_KEYS.source), source.id);
  assert.equal(rect.getPluginData(PLUGIN_DATA_KEYS.style), style.id);
  assert.deepEqual(JSON.parse(rect.getPluginData(PLUGIN_DATA_KEYS.options)), options);
  assert.deepEqual(Object.keys(rect.relaunchData), ['restyle']);
  assert.deepEqual(snapshot(source), before, 'the source is untouched');

  // One undo removes the whole result and nothing else.
  figma.undo();
  assert.equal(rect.removed, true);
  assert.deepEqual(snapshot(source), before);
  assert.equal(parent.childList.length, 3);
});

test('long source and style names still give a result: the relaunch description stays within Figma\'s 1,000 characters', async () => {
  const figma = new FakeFigma();
  const { parent, source, style } = board(figma);
  source.name = `Hero ${'with a very long layer name '.repeat(40)}`;
  style.name = `Starry Night ${'(Van Gogh, 1889, oil on canvas) '.repeat(40)}`;
  figma.select(source);
  const ui = await startPluginAsync(figma);
  ui.send({ type: 'start', styleNodeId: style.id, options });
  const job = await ui.next('job');
  ui.send({ type: 'job-result', jobId: job.jobId, png: png(job.content.width, job.content.height) });
  const finished = await ui.next('batch-finished');
  assert.deepEqual(finished.failed, []);
  const rect = figma.node(finished.inserted[0]!.nodeId) as FakeSceneNode;
  assert.equal(rect.parent, parent);
  assert.equal(rect.name, `${source.name} · ${style.name}`, 'the layer keeps the full names');
  const description = rect.relaunchData.restyle!;
  assert.ok(description.length <= 1000, `${description.length} characters`);
  assert.match(description, /^Stylised “Hero with a very long layer name .*…” with “Starry Night \(Van Gogh.*…”\. Run again/);
});

test('in an auto-layout parent the result is absolutely positioned so siblings do not move', async () => {
  const figma = new FakeFigma();
  const { source, style } = board(figma, 'VERTICAL');
  figma.select(source);
  const ui = await startPluginAsync(figma);
  ui.send({ type: 'start', styleNodeId: style.id, options });
  const job = await ui.next('job');
  ui.send({ type: 'job-result', jobId: job.jobId, png: png(128, 85) });
  const inserted = await ui.next('job-inserted');
  const rect = figma.node(inserted.nodeId) as FakeSceneNode;
  assert.equal(rect.layoutPositioning, 'ABSOLUTE');
  assert.deepEqual([rect.x, rect.y], [source.x, source.y]);
});

test('nothing is inserted when the job fails', async () => {
  const figma = new FakeFigma();
  const { parent, source, style } = board(figma);
  figma.select(source);
  const ui = await startPluginAsync(figma);
  ui.send({ type: 'start', styleNodeId: style.id, options });
  const job = await ui.next('job');
  ui.send({ type: 'job-failed', jobId: job.jobId, code: 'engine-failed', message: 'The engine ran out of memory.' });
  const finished = await ui.next('batch-finished');
  assert.deepEqual(finished.inserted, []);
  assert.deepEqual(finished.failed, [{ name: 'Hero', message: 'The engine ran out of memory.' }]);
  assert.equal(parent.childList.length, 3);
  assert.equal(figma.currentPage.childList.length, 2);
  assert.equal(figma.images.size, 0);
});

test('nothing is inserted when the job is cancelled, even if a result arrives afterwards', async () => {
  const figma = new FakeFigma();
  const { parent, source, style } = board(figma);
  figma.select(source);
  const ui = await startPluginAsync(figma);
  ui.send({ type: 'start', styleNodeId: style.id, options });
  const job = await ui.next('job');
  ui.send({ type: 'cancel' });
  const finished = await ui.next('batch-finished');
  assert.equal(finished.cancelled, true);
  ui.send({ type: 'job-result', jobId: job.jobId, png: png(128, 85) });
  await ui.settle();
  assert.equal(ui.messages.filter((m) => m.type === 'job-inserted').length, 0);
  assert.equal(parent.childList.length, 3);
  assert.equal(figma.currentPage.childList.length, 2);
});

test('a result that Figma cannot take (over 4096 px, or not an image) is refused without a trace', async () => {
  const figma = new FakeFigma();
  const { parent, source, style } = board(figma);
  const other = figma.frame({ name: 'Second', y: 300, width: 100, height: 100 });
  parent.appendChild(other);
  figma.select(source, other);
  const ui = await startPluginAsync(figma);
  ui.send({ type: 'start', styleNodeId: style.id, options });
  const first = await ui.next('job');
  ui.send({ type: 'job-result', jobId: first.jobId, png: png(4097, 2) });
  const second = await ui.next('job');
  ui.send({ type: 'job-result', jobId: second.jobId, png: new Uint8Array([1, 2, 3]) });
  const finished = await ui.next('batch-finished');
  assert.deepEqual(finished.inserted, []);
  assert.equal(finished.failed.length, 2);
  assert.match(finished.failed[0]!.message, /4096/);
  assert.equal(parent.childList.length, 4);
  assert.equal(figma.currentPage.childList.length, 2, 'no stray rectangle left on the page');
});

test('working sizes above 4096 px are capped, and the designer is told', async () => {
  const figma = new FakeFigma();
  const wide = figma.frame({ name: 'Banner', width: 5000, height: 100 });
  figma.currentPage.appendChild(wide);
  const style = figma.imageLayer({ name: 'Ink', width: 50, height: 50 });
  figma.currentPage.appendChild(style);
  figma.select(wide);
  const ui = await startPluginAsync(figma);
  ui.send({ type: 'start', styleNodeId: style.id, options: { ...options, size: 6000 } });
  const job = await ui.next('job');
  const contentExport = figma.exports.filter((e) => e.nodeId === wide.id).at(-1)!;
  assert.deepEqual(contentExport.settings.constraint, { type: 'WIDTH', value: 4096 });
  assert.equal(job.content.width, 4096);
  assert.match(job.capNote ?? '', /4096 px/);
  ui.send({ type: 'job-result', jobId: job.jobId, png: png(job.content.width, job.content.height) });
  const inserted = await ui.next('job-inserted');
  const rect = figma.node(inserted.nodeId) as FakeSceneNode;
  assert.deepEqual([rect.width, rect.height], [5000, 100], 'the layer keeps the source size; only the image is capped');
});

test('"Full size" exports the layer at its own size, 1× or 2×, capped at 4096 px with a note', async () => {
  const figma = new FakeFigma();
  const hero = figma.frame({ name: 'Hero', width: 1200, height: 800 });
  const poster = figma.frame({ name: 'Poster', width: 1500, height: 3000 });
  figma.currentPage.appendChild(hero);
  figma.currentPage.appendChild(poster);
  const style = figma.imageLayer({ name: 'Ink', width: 50, height: 50 });
  figma.currentPage.appendChild(style);
  const cases = [
    { node: hero, scale: 1, constraint: { type: 'WIDTH', value: 1200 }, capped: false },
    { node: hero, scale: 2, constraint: { type: 'WIDTH', value: 2400 }, capped: false },
    { node: poster, scale: 2, constraint: { type: 'HEIGHT', value: 4096 }, capped: true },
  ] as const;
  for (const c of cases) {
    figma.select(c.node);
    const ui = await startPluginAsync(figma);
    ui.send({ type: 'start', styleNodeId: style.id, options: { ...options, quality: 'full', fullSizeScale: c.scale } });
    const job = await ui.next('job');
    // The selection's thumbnail (THUMBNAIL_SIDE) may be exported after the job's image.
    const contentExport = figma.exports.filter((e) => e.nodeId === c.node.id && e.settings.constraint?.value !== THUMBNAIL_SIDE).at(-1)!;
    assert.deepEqual(contentExport.settings.constraint, c.constraint);
    assert.equal(job.capNote !== null, c.capped, job.capNote ?? 'no note');
    ui.send({ type: 'cancel' });
    await ui.settle();
  }
});

test('several frames run as one batch, one job each, each result above its own source', async () => {
  const figma = new FakeFigma();
  const frames = [0, 1, 2].map((i) => {
    const f = figma.frame({ name: `Screen ${i + 1}`, x: i * 400, width: 360, height: 640 });
    figma.currentPage.appendChild(f);
    return f;
  });
  const style = figma.imageLayer({ name: 'Mosaic' });
  figma.currentPage.appendChild(style);
  figma.select(...frames);
  const ui = await startPluginAsync(figma);
  ui.send({ type: 'start', styleNodeId: style.id, options });
  for (let i = 0; i < 3; i++) {
    const job = await ui.next('job');
    assert.equal(job.index, i);
    assert.equal(job.total, 3);
    assert.equal(job.targetName, `Screen ${i + 1}`);
    ui.send({ type: 'job-result', jobId: job.jobId, png: png(job.content.width, job.content.height) });
    await ui.next('job-inserted');
  }
  const finished = await ui.next('batch-finished');
  assert.equal(finished.inserted.length, 3);
  for (const [i, frame] of frames.entries()) {
    const rect = figma.node(finished.inserted[i]!.nodeId) as FakeSceneNode;
    const siblings = figma.currentPage.childList;
    assert.equal(siblings.indexOf(rect), siblings.indexOf(frame) + 1);
    assert.equal(rect.x, frame.x);
  }
  // One undo step per result (what the UI promises): each undo removes the latest result only.
  const ids = finished.inserted.map((r) => r.nodeId);
  const alive = () => ids.filter((id) => !(figma.node(id) as FakeSceneNode).removed).length;
  figma.undo();
  assert.equal(figma.currentPage.childList.length, 6);
  assert.equal((figma.node(ids[2]!) as FakeSceneNode).removed, true);
  figma.undo();
  figma.undo();
  assert.equal(alive(), 0);
  assert.ok(frames.every((f) => !f.removed), 'undo never reaches the sources');
});

test('a frame that fails to export is reported and the batch goes on', async () => {
  const figma = new FakeFigma();
  const a = figma.frame({ name: 'A' });
  const b = figma.frame({ name: 'B' });
  figma.currentPage.appendChild(a);
  figma.currentPage.appendChild(b);
  const style = figma.imageLayer({ name: 'S' });
  figma.currentPage.appendChild(style);
  figma.failExports.add(a.id);
  figma.select(a, b);
  const ui = await startPluginAsync(figma);
  ui.send({ type: 'start', styleNodeId: style.id, options });
  const job = await ui.next('job');
  assert.equal(job.targetName, 'B');
  assert.equal(job.index, 1);
  ui.send({ type: 'job-result', jobId: job.jobId, png: png(128, 128) });
  const finished = await ui.next('batch-finished');
  assert.equal(finished.inserted.length, 1);
  assert.equal(finished.failed[0]!.name, 'A');
  assert.match(finished.failed[0]!.message, /could not export/);
});

test('a source deleted while its job runs gets no result', async () => {
  const figma = new FakeFigma();
  const { source, style } = board(figma);
  figma.select(source);
  const ui = await startPluginAsync(figma);
  ui.send({ type: 'start', styleNodeId: style.id, options });
  const job = await ui.next('job');
  source.remove();
  ui.send({ type: 'job-result', jobId: job.jobId, png: png(128, 85) });
  const finished = await ui.next('batch-finished');
  assert.deepEqual(finished.inserted, []);
  assert.match(finished.failed[0]!.message, /deleted/);
});

test('start without a selection or with a deleted style layer explains what to do', async () => {
  const figma = new FakeFigma();
  const { source, style } = board(figma);
  const ui = await startPluginAsync(figma);
  ui.send({ type: 'start', styleNodeId: style.id, options });
  const noSelection = await ui.next('problem');
  assert.equal(noSelection.code, 'no-selection');
  figma.select(source);
  style.remove();
  ui.send({ type: 'start', styleNodeId: style.id, options });
  const missing = await ui.next('problem');
  assert.equal(missing.code, 'style-missing');
  assert.equal(ui.messages.some((m) => m.type === 'job'), false);
});

test('a second start while a batch runs is refused', async () => {
  const figma = new FakeFigma();
  const { source, style } = board(figma);
  figma.select(source);
  const ui = await startPluginAsync(figma);
  ui.send({ type: 'start', styleNodeId: style.id, options });
  await ui.next('job');
  ui.send({ type: 'start', styleNodeId: style.id, options });
  const busy = await ui.next('problem');
  assert.equal(busy.code, 'busy');
});

test('malformed UI messages are ignored', async () => {
  const figma = new FakeFigma();
  const { source } = board(figma);
  figma.select(source);
  const ui = await startPluginAsync(figma);
  await ui.next('init');
  const count = figma.ui.posted.length;
  ui.send({ type: 'start', styleNodeId: 42 });
  ui.send({ type: 'job-result', jobId: 'x', png: 'not bytes' });
  ui.send('hello');
  await ui.settle();
  assert.equal(figma.ui.posted.filter((m) => (m as { type: string }).type === 'job').length, 0);
  assert.ok(figma.ui.posted.length >= count);
});
