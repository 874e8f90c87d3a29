/**
 * The harness page plays Figma for the browser test: it builds a small document in the fake
 * API, runs the real bundled main code (plugin/dist/code.js) against it, shows the real UI
 * (ui.html) in a sandboxed iframe (origin "null", as in Figma) and relays messages the way
 * Figma does. A mini layers panel and canvas show what the designer would see in the file.
 */
import { FakeFigma, encodePng, paintPattern, type FakeSceneNode } from '../fake-figma/index.ts';
import { FILE_DATA_KEYS, PLUGIN_DATA_KEYS, SETTINGS_KEY } from '../../../plugin/limits.ts';
import { DEFAULT_DAEMON_PORT, readPngSize } from '../../../protocol/index.ts';
import { withThemeColors, type FigmaTheme } from './figma-theme.ts';

interface HarnessGlobals {
  figma: FakeFigma;
  __html__: string;
  harness: unknown;
}
const g = globalThis as unknown as HarnessGlobals;

const params = new URLSearchParams(location.search);
const daemonPort = Number(params.get('port'));
const iterations = Number(params.get('iterations') ?? '30');
const theme: FigmaTheme = params.get('theme') === 'dark' ? 'dark' : 'light';
/** A stored pairing key (JSON of client/key-store.ts's StoredKey), as a paired plugin starts with. */
const storedKey: unknown = params.get('key') ? JSON.parse(params.get('key')!) : null;
const size = Number(params.get('size') ?? '64');
document.body.classList.toggle('dark', theme === 'dark');

const figma = new FakeFigma();
figma.command = 'apply';
const board = figma.frame({ name: 'Board', x: 0, y: 0, width: 520, height: 400, color: [235, 235, 240] });
figma.currentPage.appendChild(board);
const sky = figma.layer('RECTANGLE', { name: 'Sky', x: 0, y: 0, width: 520, height: 400, color: [214, 228, 245], pattern: 'plain' });
const hero = figma.frame({ name: 'Hero', x: 40, y: 40, width: 320, height: 200, color: [250, 170, 80], pattern: 'disc' });
const caption = figma.layer('TEXT', { name: 'Caption', x: 40, y: 260, width: 320, height: 40, color: [90, 90, 100], pattern: 'plain' });
board.appendChild(sky);
board.appendChild(hero);
board.appendChild(caption);
const starry = figma.imageLayer({ name: params.get('style1Name') ?? 'Starry Night', x: 0, y: 424, width: 160, height: 160, color: [60, 90, 200], pattern: 'stripes' });
const wave = figma.imageLayer({ name: params.get('style2Name') ?? 'Great Wave', x: 184, y: 424, width: 213, height: 160, color: [30, 140, 160], pattern: 'stripes' });
figma.currentPage.appendChild(starry);
figma.currentPage.appendChild(wave);
// `?mask=spot` (issue 31): an ellipse inside Hero, over its left part, to use as the mask.
const spot = params.get('mask') === 'spot' ? figma.layer('ELLIPSE', { name: 'Spot', x: 30, y: 30, width: 150, height: 140, color: [240, 60, 120], pattern: 'plain' }) : null;
if (spot) hero.appendChild(spot);
figma.select(hero);
// The same file opened again (issue 32): its id in the daemon's job list, as the plugin left it.
if (params.get('document')) figma.root.setPluginData(FILE_DATA_KEYS.document, params.get('document')!);
figma.storage.set(SETTINGS_KEY, {
  options: { quality: 'custom', size, iterations, styleStrength: 50, preset: 'classic' },
  styleNodeId: null,
  key: storedKey,
});

// ---- Figma's part: the UI iframe and the message relay ----
const iframe = document.createElement('iframe');
iframe.id = 'plugin';
iframe.setAttribute('sandbox', 'allow-scripts');
figma.showUI = (html, options) => {
  figma.shownHtml = html;
  iframe.style.width = `${options?.width ?? 300}px`;
  iframe.style.height = `${options?.height ?? 200}px`;
  iframe.srcdoc = options?.themeColors ? withThemeColors(html, theme) : html;
  document.getElementById('window')!.append(iframe);
};
/**
 * The main code hands the UI ws://localhost:7878, the one address the manifest allows; the
 * test's daemon listens on a free port. The relay points the UI there instead, as if the
 * manifest named that port. (Forwarding the socket instead would fail pairing by design: the
 * Host the UI dialed is bound into the proof, protocol/spake2.ts.)
 */
const manifestDaemonUrl = `ws://localhost:${DEFAULT_DAEMON_PORT}`;
/** The last job the main code handed the window (issue 31: the content sent, and where its mask went). */
let lastJob: { content: string; width: number; height: number; box: unknown } | null = null;
const base64 = (bytes: Uint8Array): string => {
  let text = '';
  for (const b of bytes) text += String.fromCharCode(b);
  return btoa(text);
};
figma.ui.subscribe((message) => {
  const job = message as { type?: unknown; content?: { png: Uint8Array; width: number; height: number }; maskPlacement?: { box: unknown } };
  if (job.type === 'job' && job.content) lastJob = { content: base64(job.content.png), width: job.content.width, height: job.content.height, box: job.maskPlacement?.box ?? null };
  const toUi = typeof message === 'object' && message !== null && (message as { daemonUrl?: unknown }).daemonUrl === manifestDaemonUrl
    ? { ...message, daemonUrl: `ws://localhost:${daemonPort}` }
    : message;
  iframe.contentWindow?.postMessage({ pluginMessage: toUi }, '*');
});
window.addEventListener('message', (event) => {
  if (event.source !== iframe.contentWindow) return;
  const data: unknown = event.data;
  if (typeof data === 'object' && data !== null && 'pluginMessage' in data) {
    const message = (data as { pluginMessage: unknown }).pluginMessage;
    const png = (message as { type?: unknown; png?: unknown }).type === 'job-result' ? (message as { png: Uint8Array }).png : null;
    // What crossed postMessage: a view into a bigger buffer would have dragged that buffer along.
    if (png) resultBuffers.push({ byteOffset: png.byteOffset, byteLength: png.byteLength, bufferLength: png.buffer.byteLength });
    figma.ui.sendFromUi(message);
  }
});

// ---- what the test reads ----
const resultBuffers: { byteOffset: number; byteLength: number; bufferLength: number }[] = [];
function resultLayer(): FakeSceneNode | undefined {
  return board.childList.find((n) => n.type === 'RECTANGLE' && n.getPluginData(PLUGIN_DATA_KEYS.source) === hero.id);
}

g.harness = {
  result() {
    const rect = resultLayer();
    if (!rect) return null;
    const fills = Array.isArray(rect.fills) ? (rect.fills as { type: string; imageHash?: string; scaleMode?: string }[]) : [];
    const bytes = fills[0]?.imageHash ? figma.images.get(fills[0].imageHash) : undefined;
    return {
      name: rect.name,
      parentId: rect.parent?.id ?? null,
      index: board.childList.indexOf(rect),
      sourceIndex: board.childList.indexOf(hero),
      box: [rect.x, rect.y, rect.width, rect.height],
      sourceBox: [hero.x, hero.y, hero.width, hero.height],
      fills: fills.map((f) => ({ type: f.type, scaleMode: f.scaleMode })),
      png: bytes ? readPngSize(bytes) : null,
      relaunch: Object.keys(rect.relaunchData),
    };
  },
  undo() {
    figma.undo();
  },
  resultBuffers: () => resultBuffers,
  /** The result layer's image, base64, or null. */
  resultPng: () => {
    const fills = resultLayer()?.fills;
    const hash = Array.isArray(fills) ? (fills as { imageHash?: string }[])[0]?.imageHash : undefined;
    const bytes = hash ? figma.images.get(hash) : undefined;
    return bytes ? base64(bytes) : null;
  },
  lastJob: () => lastJob,
  /** The options the plugin remembered in clientStorage, as JSON. */
  savedOptions: () => JSON.stringify((figma.storage.get(SETTINGS_KEY) as { options?: unknown } | undefined)?.options ?? null),
  /** Shows or hides the result layer (the eye in Figma's layers panel) and redraws the canvas at once. */
  showResult(visible: boolean): boolean {
    const rect = resultLayer();
    if (!rect) return false;
    rect.visible = visible;
    renderFile();
    return true;
  },
  /** Whether the mask layer is shown (it is hidden only while Hero is exported). */
  spotVisible: () => spot?.visible ?? null,
  ids: { board: board.id, hero: hero.id, starry: starry.id, spot: spot?.id ?? null },
  /** The pairing key the plugin stored in clientStorage, as JSON, or null. */
  key: () => {
    const key = (figma.storage.get(SETTINGS_KEY) as { key?: unknown } | undefined)?.key;
    return key ? JSON.stringify(key) : null;
  },
  /** The team servers' keys the plugin stored (by address), as JSON. */
  teamKeys: () => JSON.stringify((figma.storage.get(SETTINGS_KEY) as { teamKeys?: unknown } | undefined)?.teamKeys ?? null),
  /** This file's id in the daemon's job list ('' before its first job). */
  documentId: () => figma.root.getPluginData(FILE_DATA_KEYS.document),
  /** Result layers above Hero (a result is inserted once). */
  resultCount: () => board.childList.filter((n) => n.getPluginData(PLUGIN_DATA_KEYS.source) === hero.id).length,
  layerNames(): string[] {
    return board.childList.map((n) => n.name);
  },
};

// ---- a glimpse of the file: layers panel and canvas ----
const patternUrls = new Map<string, string>();
/** Layers that show a real picture (docs screenshots), by id → object URL. */
const pictureUrls = new Map<string, string>();
function nodeImage(node: FakeSceneNode): string {
  const fills = Array.isArray(node.fills) ? (node.fills as { type: string; imageHash?: string }[]) : [];
  const hash = fills.find((f) => f.type === 'IMAGE')?.imageHash;
  const key = hash && figma.images.has(hash) ? hash : `${node.id}`;
  if (key === node.id && pictureUrls.has(node.id)) return pictureUrls.get(node.id)!;
  let url = patternUrls.get(key);
  if (!url) {
    const bytes = hash && figma.images.has(hash)
      ? figma.images.get(hash)!
      : encodePng(Math.round(node.width / 4), Math.round(node.height / 4), paintPattern(Math.round(node.width / 4), Math.round(node.height / 4), node.color, node.pattern));
    url = URL.createObjectURL(new Blob([bytes as Uint8Array<ArrayBuffer>], { type: 'image/png' }));
    patternUrls.set(key, url);
  }
  return url;
}

function renderFile(): void {
  const layers = document.getElementById('layers')!;
  const rows: string[] = ['<div class="title">Layers</div>'];
  const walk = (nodes: ReadonlyArray<FakeSceneNode>, depth: number) => {
    for (const node of [...nodes].reverse()) {
      const selected = figma.currentPage.selection.includes(node);
      const icon = node.type === 'FRAME' ? '#' : node.type === 'TEXT' ? 'T' : '▢';
      rows.push(`<div class="row${selected ? ' selected' : ''}" style="padding-left:${12 + depth * 14}px"><span class="icon">${icon}</span>${node.name.replace(/</g, '&lt;')}</div>`);
      walk(node.childList, depth + 1);
    }
  };
  walk(figma.currentPage.childList, 0);
  layers.innerHTML = rows.join('');
  const canvas = document.getElementById('canvas')!;
  const boxes: string[] = [];
  const draw = (nodes: ReadonlyArray<FakeSceneNode>, ox: number, oy: number) => {
    for (const node of nodes) {
      if (node.removed || !node.visible) continue;
      const selected = figma.currentPage.selection.includes(node);
      const round = node.type === 'ELLIPSE' ? 'border-radius:50%;' : '';
      boxes.push(`<div class="node${selected ? ' selected' : ''}" style="${round}left:${ox + node.x}px;top:${oy + node.y}px;width:${node.width}px;height:${node.height}px;background-image:url(${nodeImage(node)})"></div>`);
      draw(node.childList, ox + node.x, oy + node.y);
    }
  };
  draw(figma.currentPage.childList, 0, 0);
  canvas.innerHTML = boxes.join('');
}
setInterval(renderFile, 150);
renderFile();

// ---- real pictures (the docs screenshots): exports show them, at the size the fake decides ----
async function showPictureAsync(node: FakeSceneNode, url: string | null): Promise<void> {
  if (!url) return;
  const bitmap = await createImageBitmap(await (await fetch(url)).blob());
  // The layer's own paint becomes the picture, cropped to cover as an image fill does; the fake
  // still decides the export's size and draws the layers inside it over the picture (render.ts).
  node.picture = (width, height) => {
    const canvas = new OffscreenCanvas(width, height);
    const context = canvas.getContext('2d')!;
    const cover = Math.max(width / bitmap.width, height / bitmap.height);
    const w = bitmap.width * cover;
    const h = bitmap.height * cover;
    context.drawImage(bitmap, (width - w) / 2, (height - h) / 2, w, h);
    const rgba = context.getImageData(0, 0, width, height).data;
    const rgb = new Uint8Array(width * height * 3);
    for (let i = 0, j = 0; i < rgba.length; i += 4, j += 3) rgb.set(rgba.subarray(i, i + 3), j);
    return rgb;
  };
  const preview = await node.exportAsync!({ format: 'PNG', constraint: { type: 'SCALE', value: 1 } });
  pictureUrls.set(node.id, URL.createObjectURL(new Blob([preview as Uint8Array<ArrayBuffer>], { type: 'image/png' })));
}

// ---- start the real plugin bundle ----
async function bootAsync(): Promise<void> {
  await showPictureAsync(hero, params.get('heroImage'));
  await showPictureAsync(starry, params.get('style1Image'));
  await showPictureAsync(wave, params.get('style2Image'));
  g.figma = figma;
  g.__html__ = await (await fetch('/ui.html')).text();
  const script = document.createElement('script');
  script.src = '/code.js';
  document.body.append(script);
}
void bootAsync();
