/**
 * The fake Photopea's page: it frames the real plugin page (its URL in ?plugin=) and answers
 * its messages as pp.js does (host.ts: the interpreter fake, outputs and "done" to every frame,
 * app.open landing after "done"). "done" is also posted once when the plugin frame has loaded
 * (Photopea's "ready"). It draws the active document and its layers, as Photopea's canvas and
 * Layers panel do.
 */
import { FakePhotopeaHost } from './host.ts';
import { FakeLayer, FakeLayerSet, composite, type AnyLayer, type Pixels } from './model.ts';
import { addPoster, flatLayers } from './poster.ts';

async function decode(source: string | ArrayBuffer): Promise<Pixels> {
  const blob = typeof source === 'string' ? await (await fetch(source)).blob() : new Blob([source]);
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

const frame = document.getElementById('plugin') as HTMLIFrameElement;
const pluginUrl = new URLSearchParams(location.search).get('plugin') ?? '';
const host = new FakePhotopeaHost({ encode, decode, openDelayMs: Number(new URLSearchParams(location.search).get('openDelayMs') ?? '300'), onChange: () => render() });
const poster = addPoster(host.model);
host.frames.push({ postMessage: (data) => frame.contentWindow?.postMessage(data, '*') });

window.addEventListener('message', (event) => {
  if (event.source !== frame.contentWindow) return;
  host.receive(event.data);
});
frame.addEventListener('load', () => frame.contentWindow?.postMessage('done', '*'));
frame.src = pluginUrl;

// ---- drawing ----

function render(): void {
  const doc = host.model.active;
  const canvas = document.getElementById('canvas') as HTMLCanvasElement;
  const context = canvas.getContext('2d')!;
  context.clearRect(0, 0, canvas.width, canvas.height);
  if (doc) {
    canvas.width = doc.width;
    canvas.height = doc.height;
    const pixels = composite(doc);
    context.putImageData(new ImageData(new Uint8ClampedArray(pixels.data), pixels.width, pixels.height), 0, 0);
    // The selection's box as marching ants (the fake draws only its outline).
    const selected = doc.selectionBounds();
    if (selected) {
      context.setLineDash([4, 3]);
      context.strokeStyle = '#fff';
      context.strokeRect(selected[0] + 0.5, selected[1] + 0.5, selected[2] - selected[0] - 1, selected[3] - selected[1] - 1);
      context.setLineDash([]);
    }
  }
  const list = document.getElementById('layers')!;
  list.replaceChildren();
  const add = (layers: AnyLayer[], depth: number, active: AnyLayer | null): void => {
    for (const layer of layers) {
      const li = document.createElement('li');
      li.textContent = `${'  '.repeat(depth)}${layer instanceof FakeLayerSet ? '▾ ' : ''}${layer.name}${layer instanceof FakeLayer && layer.smartObject ? ' (smart object)' : ''}  ${layer.bounds.join(',')}`;
      if (layer === active) li.className = 'active';
      list.append(li);
      if (layer instanceof FakeLayerSet) add(layer.layers, depth + 1, active);
    }
  };
  if (doc) add(doc.layers, 0, doc.activeLayerRef);
  document.getElementById('documents')!.textContent = host.model.documentsList.map((d) => d.name).join(' | ');
}
render();

/** What the browser test reads (and the knobs it turns). */
(window as unknown as Record<string, unknown>).fakePhotopea = {
  layers: () => flatLayers(poster),
  documents: () => host.model.documentsList.map((d) => d.name),
  /** Scripts that stopped half-way (no "done"): Photopea would have left the panel waiting. */
  crashes: () => [...host.crashes],
  messages: () => host.messages,
  failNextExport: () => {
    host.model.knobs.saveToOEFails = true;
  },
  crashNextExport: () => {
    host.model.knobs.saveToOECrashes = true;
  },
  setOpenDelay: (ms: number) => {
    host.options.openDelayMs = ms;
  },
  selectLayer: (name: string) => {
    const layer = poster.layers.find((l) => l.name === name);
    if (layer) poster.activeLayerRef = layer;
    render();
  },
  reloadPlugin: () => {
    frame.src = pluginUrl;
  },
  /** The designer's Marquee over [left, right) × [top, bottom) of the poster (issue 31). */
  select: (left: number, top: number, right: number, bottom: number) => {
    poster.selectRect(left, top, right, bottom);
    render();
  },
  selection: () => poster.selectionBounds(),
  /** The eye in the Layers panel (for a screenshot of a layer under another). */
  setVisible: (name: string, visible: boolean) => {
    const layer = poster.flat().find((l) => l.name === name);
    if (layer) layer.visible = visible;
    render();
  },
  /** A layer's pixels by name (top-level or in a group), for comparing a result with its source. */
  pixels: (name: string) => {
    const layer = poster.flat().find((l): l is FakeLayer => l instanceof FakeLayer && l.name === name);
    return layer ? { x: layer.x, y: layer.y, width: layer.pixels.width, height: layer.pixels.height, data: Array.from(layer.pixels.data) } : null;
  },
};
