/**
 * The fake Photopea's page: it frames the real plugin page (its URL in ?plugin=), answers its
 * messages as Photopea's Live Messaging does (photopea.com/api/live), one message at a time:
 * - a string is a script: checked (script-rules.ts: ES5, documented names), run against the
 *   model, then its outputs (echoToOE strings, saveToOE files as ArrayBuffers) are posted,
 *   then "done", also for a script that printed nothing, failed or was refused;
 * - an ArrayBuffer is a file: opened as a new document, then "done";
 * - "done" is also posted once when the plugin frame has loaded (Photopea's "ready").
 * It draws the active document and its layers, as Photopea's canvas and Layers panel do.
 */
import { CONSTANTS, FakeApp, FakeLayer, FakeLayerSet, composite, solid, type FakeDocument, type Pixels } from './model.ts';
import { checkScript } from './script-rules.ts';

const app = new FakeApp();
const refusals: string[] = [];
const scriptErrors: string[] = [];
let messages = 0;
/** Messages posted while an earlier one was still unanswered: a plugin must wait for "done" (api/live: "done" names no request). */
let overlaps = 0;
let unanswered = 0;

function gradient(width: number, height: number): Pixels {
  const data = new Uint8ClampedArray(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) data.set([Math.round((255 * x) / width), Math.round((255 * y) / height), 140, 255], (y * width + x) * 4);
  }
  return { width, height, data };
}

function stripes(width: number, height: number): Pixels {
  const data = new Uint8ClampedArray(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) data.set((x + y) % 12 < 6 ? [235, 200, 40, 255] : [25, 45, 160, 255], (y * width + x) * 4);
  }
  return { width, height, data };
}

// The designer's document: a poster with a picture (the layer to stylise) and a painting.
const poster = app.addDocument('Poster.psd', 320, 240, true);
const hero = new FakeLayer('Hero', 96, 60, gradient(160, 120), poster);
const painting = new FakeLayer('Starry Night', 12, 12, stripes(64, 64), poster);
const caption = new FakeLayer('Caption', 60, 196, solid(200, 28, [30, 30, 30, 255]), poster);
const group = new FakeLayerSet('Extras', poster);
group.layers.push(new FakeLayer('Great Wave', 250, 12, stripes(56, 56), group));
group.layers[0]!.parent = group;
poster.layers.unshift(hero, painting);
poster.layers.unshift(group);
poster.layers.unshift(caption);
poster.activeLayer = hero;

async function decode(blob: Blob): Promise<Pixels> {
  const bitmap = await createImageBitmap(blob);
  const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
  const context = canvas.getContext('2d')!;
  context.drawImage(bitmap, 0, 0);
  const image = context.getImageData(0, 0, bitmap.width, bitmap.height);
  return { width: image.width, height: image.height, data: image.data };
}

async function encode(pixels: Pixels): Promise<ArrayBuffer> {
  const canvas = new OffscreenCanvas(pixels.width, pixels.height);
  canvas.getContext('2d')!.putImageData(new ImageData(new Uint8ClampedArray(pixels.data), pixels.width, pixels.height), 0, 0);
  return (await canvas.convertToBlob({ type: 'image/png' })).arrayBuffer();
}

async function runScript(source: string): Promise<void> {
  const verdict = checkScript(source);
  if (!verdict.ok) {
    refusals.push(verdict.reason);
    return;
  }
  app.outputs = [];
  app.placements = [];
  try {
    // The checked script sees only the documented globals (the rest are refused above).
    new Function('app', 'ElementPlacement', 'SaveOptions', 'AnchorPosition', source)(app, CONSTANTS.ElementPlacement, CONSTANTS.SaveOptions, CONSTANTS.AnchorPosition);
  } catch (error) {
    scriptErrors.push(String(error));
  }
  // app.open(url, null, true) finishes after the script (the image has to load).
  for (const placement of app.placements) {
    try {
      const pixels = await decode(await (await fetch(placement.url)).blob());
      app.finishPlacement(placement, pixels, 'Placed image');
    } catch (error) {
      scriptErrors.push(`open: ${String(error)}`);
    }
  }
}

const frame = document.getElementById('plugin') as HTMLIFrameElement;
const pluginUrl = new URLSearchParams(location.search).get('plugin') ?? '';
let queue: Promise<void> = Promise.resolve();

window.addEventListener('message', (event) => {
  if (event.source !== frame.contentWindow) return;
  const data: unknown = event.data;
  const target = event.source as Window;
  if (unanswered > 0) overlaps++;
  unanswered++;
  queue = queue.then(async () => {
    messages++;
    if (typeof data === 'string') {
      await runScript(data);
      for (const output of app.outputs) {
        if (output.kind === 'text') target.postMessage(output.text, '*');
        else {
          const buffer = await encode(output.pixels);
          target.postMessage(buffer, '*', [buffer]);
        }
      }
    } else if (data instanceof ArrayBuffer) {
      const pixels = await decode(new Blob([data]));
      const doc = app.addDocument('Untitled', pixels.width, pixels.height, false);
      const layer = new FakeLayer('Layer 1', 0, 0, pixels, doc);
      doc.layers.push(layer);
      doc.activeLayer = layer;
    } else {
      refusals.push(`a message of type ${typeof data} (Photopea takes strings and ArrayBuffers)`);
    }
    unanswered--;
    target.postMessage('done', '*');
    render();
  });
});
frame.addEventListener('load', () => frame.contentWindow?.postMessage('done', '*'));
frame.src = pluginUrl;

// ---- drawing ----

function render(): void {
  const doc = app.documentsList.includes(poster) ? app.activeDocument : null;
  const canvas = document.getElementById('canvas') as HTMLCanvasElement;
  const context = canvas.getContext('2d')!;
  context.clearRect(0, 0, canvas.width, canvas.height);
  if (doc) {
    canvas.width = doc.width;
    canvas.height = doc.height;
    const pixels = composite(doc);
    context.putImageData(new ImageData(new Uint8ClampedArray(pixels.data), pixels.width, pixels.height), 0, 0);
  }
  const list = document.getElementById('layers')!;
  list.replaceChildren();
  const add = (layers: (FakeLayer | FakeLayerSet)[], depth: number, active: FakeLayer | FakeLayerSet | null): void => {
    for (const layer of layers) {
      const li = document.createElement('li');
      li.textContent = `${'  '.repeat(depth)}${layer instanceof FakeLayerSet ? '▾ ' : ''}${layer.name}${layer instanceof FakeLayer && layer.smartObject ? ' (smart object)' : ''}  ${layer.bounds.join(',')}`;
      if (layer === active) li.className = 'active';
      list.append(li);
      if (layer instanceof FakeLayerSet) add(layer.layers, depth + 1, active);
    }
  };
  if (doc) add(doc.layers, 0, doc.activeLayer);
  document.getElementById('documents')!.textContent = app.documentsList.map((d) => d.name).join(' | ');
}
render();

function flatLayers(doc: FakeDocument): { name: string; bounds: number[]; width: number; height: number; smart: boolean; depth: number }[] {
  const out: { name: string; bounds: number[]; width: number; height: number; smart: boolean; depth: number }[] = [];
  const walk = (layers: (FakeLayer | FakeLayerSet)[], depth: number): void => {
    for (const l of layers) {
      if (l instanceof FakeLayerSet) {
        out.push({ name: l.name, bounds: l.bounds, width: 0, height: 0, smart: false, depth });
        walk(l.layers, depth + 1);
      } else out.push({ name: l.name, bounds: l.bounds, width: l.pixels.width, height: l.pixels.height, smart: l.smartObject, depth });
    }
  };
  walk(doc.layers, 0);
  return out;
}

/** What the browser test reads (and the one knob it turns). */
(window as unknown as Record<string, unknown>).fakePhotopea = {
  layers: () => flatLayers(poster),
  documents: () => app.documentsList.map((d) => d.name),
  refusals: () => [...refusals],
  scriptErrors: () => [...scriptErrors],
  messages: () => messages,
  overlaps: () => overlaps,
  failNextExport: () => {
    app.failNextSaveToOE = true;
  },
  selectLayer: (name: string) => {
    const layer = poster.layers.find((l) => l.name === name);
    if (layer instanceof FakeLayer) poster.activeLayer = layer;
    render();
  },
  reloadPlugin: () => {
    frame.src = pluginUrl;
  },
};
