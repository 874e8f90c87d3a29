/**
 * What the Figma plugin's style list costs on a big file, in the fake Figma (issue 28, item 5):
 * from the UI's "ui-ready" to the first style list, and (when the plugin offers it) the
 * designer's "show images from other pages".
 *
 *   node --import tsx scripts/bench-style-list.ts [--pages 30] [--screens 100]
 *
 * The file: `pages` pages, each with one image layer and `screens` screens of 50 layers (text,
 * rectangles, a group of vectors, two component instances each holding two hidden state
 * frames). Figures: the nodes the searches walked and handed to plugin code (the fake's
 * FakeTraversalCount: findAll hands over every node it reaches, findAllWithCriteria only its
 * matches), the pages loaded, and wall time in this process (the fake's search is cheap next
 * to Figma's, so the node counts are the figures to compare; time only shows the direction).
 * Runs against whatever plugin/main is checked out, so the same script measures before and after.
 */
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import { runPluginAsync } from '../plugin/main/index.ts';
import { FakeFigma, type FakePage, type FakeSceneNode } from '../test/plugin/fake-figma/index.ts';

const { values } = parseArgs({ options: { pages: { type: 'string', default: '30' }, screens: { type: 'string', default: '100' } } });
const PAGES = Number(values.pages);
const SCREENS = Number(values.screens);

/** 50 layers: 1 frame, 5 texts, 6 rectangles, a group of 3 vectors, 2 instances of 17 layers. */
function screen(figma: FakeFigma, index: number): FakeSceneNode {
  const frame = figma.frame({ name: `Screen ${index}`, x: index * 400, width: 375, height: 812 });
  for (let i = 0; i < 5; i++) frame.appendChild(figma.layer('TEXT', { name: `Text ${i}`, y: i * 20 }));
  for (let i = 0; i < 6; i++) frame.appendChild(figma.layer('RECTANGLE', { name: `Box ${i}`, fills: [{ type: 'SOLID', color: { r: 0.9, g: 0.9, b: 0.9 } }] }));
  const icon = figma.frame({ name: 'Icon', type: 'GROUP' });
  frame.appendChild(icon);
  for (let i = 0; i < 3; i++) icon.appendChild(figma.layer('VECTOR', { name: `Path ${i}`, width: 10, height: 10 }));
  for (let k = 0; k < 2; k++) {
    const card = figma.frame({ name: `Card ${k}`, type: 'INSTANCE', y: 200 + k * 200, width: 343, height: 180 });
    frame.appendChild(card);
    for (let i = 0; i < 3; i++) card.appendChild(figma.layer('TEXT', { name: `Label ${i}` }));
    for (let i = 0; i < 3; i++) card.appendChild(figma.layer('RECTANGLE', { name: `Fill ${i}` }));
    for (const state of ['Hover', 'Pressed']) {
      const hidden = figma.frame({ name: state, visible: false });
      card.appendChild(hidden);
      for (let i = 0; i < 2; i++) hidden.appendChild(figma.layer('TEXT', { name: `${state} label ${i}` }));
      for (let i = 0; i < 2; i++) hidden.appendChild(figma.layer('RECTANGLE', { name: `${state} fill ${i}` }));
    }
  }
  return frame;
}

function buildFile(): FakeFigma {
  const figma = new FakeFigma();
  for (let p = 0; p < PAGES; p++) {
    const page: FakePage = p === 0 ? figma.currentPage : figma.addPage(`Page ${p + 1}`);
    page.appendChild(figma.imageLayer({ name: `Moodboard ${p + 1}`, x: -500, width: 400, height: 300 }));
    for (let s = 0; s < SCREENS; s++) page.appendChild(screen(figma, s));
  }
  return figma;
}

interface Listing {
  type: 'style-layers';
  layers: unknown[];
  allPages?: boolean;
}

function nextListing(figma: FakeFigma): Promise<Listing> {
  return new Promise((resolve) => {
    let done = false;
    figma.ui.subscribe((message) => {
      if (!done && (message as { type?: string }).type === 'style-layers') {
        done = true;
        resolve(message as Listing);
      }
    });
  });
}

async function measureAsync(figma: FakeFigma, label: string, act: () => void): Promise<Listing> {
  const before = { ...figma.traversal };
  const loadsBefore = figma.root.children.reduce((n, p) => n + p.loadCount, 0);
  const listing = nextListing(figma);
  const start = performance.now();
  act();
  const result = await listing;
  const ms = performance.now() - start;
  const loads = figma.root.children.reduce((n, p) => n + p.loadCount, 0) - loadsBefore;
  console.log(
    `${label.padEnd(34)} ${String(figma.traversal.walked - before.walked).padStart(8)} ${String(figma.traversal.toPlugin - before.toPlugin).padStart(9)} ${String(loads).padStart(6)} ${String(result.layers.length).padStart(7)} ${ms.toFixed(0).padStart(8)}`,
  );
  return result;
}

const figma = buildFile();
const perPage = figma.currentPage.findAll().length;
figma.traversal.walked = 0;
figma.traversal.toPlugin = 0;
console.log(`file: ${PAGES} pages × ${perPage} layers = ${PAGES * perPage} layers (${PAGES * SCREENS * 2 * 10} of them hidden inside instances)`);
console.log(`${'step'.padEnd(34)} ${'walked'.padStart(8)} ${'to plugin'.padStart(9)} ${'loads'.padStart(6)} ${'listed'.padStart(7)} ${'ms'.padStart(8)}`);
figma.command = 'apply';
await runPluginAsync(figma, '<html>ui</html>');
const first = await measureAsync(figma, 'open the plugin (ui-ready → list)', () => figma.ui.sendFromUi({ type: 'ui-ready' }));
if (first.allPages === false) {
  await measureAsync(figma, 'show images from other pages', () => figma.ui.sendFromUi({ type: 'refresh-styles', allPages: true }));
}
