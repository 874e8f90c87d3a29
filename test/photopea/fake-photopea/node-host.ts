/**
 * The interpreter fake wired for Node tests: a FakePhotopeaHost with the poster document, the
 * panel's bridge as one plugin frame, and other frames (another plugin, the parent page) that
 * receive every output too. Files are not PNG-encoded here: a saveToOE output is a small
 * ArrayBuffer (width, height, RGBA) that `decodeFile` reads back.
 */
import { PhotopeaBridge } from '../../../photopea/photopea-bridge.ts';
import { FakePhotopeaHost, type HostOptions } from './host.ts';
import type { Pixels } from './model.ts';
import { addPoster } from './poster.ts';

export function encodeFile(pixels: Pixels): ArrayBuffer {
  const out = new Uint8Array(8 + pixels.data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, pixels.width);
  view.setUint32(4, pixels.height);
  out.set(pixels.data, 8);
  return out.buffer;
}

export function decodeFile(buffer: ArrayBuffer): Pixels {
  const view = new DataView(buffer);
  return { width: view.getUint32(0), height: view.getUint32(4), data: new Uint8ClampedArray(buffer.slice(8)) };
}

/** A data: URL the host's decoder reads: the PNG header's size, filled grey (the pixels do not matter to placement). */
export function sizedDataUrl(width: number, height: number): string {
  const header = new Uint8Array(24);
  header.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52]);
  new DataView(header.buffer).setUint32(16, width);
  new DataView(header.buffer).setUint32(20, height);
  return `data:image/png;base64,${Buffer.from(header).toString('base64')}`;
}

async function decode(source: string | ArrayBuffer): Promise<Pixels> {
  if (typeof source !== 'string') return decodeFile(source);
  const bytes = Buffer.from(source.slice(source.indexOf(',') + 1), 'base64');
  const width = bytes.readUInt32BE(16);
  const height = bytes.readUInt32BE(20);
  return { width, height, data: new Uint8ClampedArray(width * height * 4).fill(128) };
}

/** A window that receives what Photopea posts to it, as `{data, source}` message events. */
class FakeWindow {
  readonly received: unknown[] = [];
  private listeners: ((event: MessageEvent) => void)[] = [];
  constructor(private readonly photopea: unknown) {}
  addEventListener(_type: 'message', listener: (event: MessageEvent) => void): void {
    this.listeners.push(listener);
  }
  postMessage(data: unknown): void {
    this.received.push(data);
    // Asynchronous, as postMessage is.
    setImmediate(() => this.listeners.forEach((l) => l({ data, source: this.photopea } as MessageEvent)));
  }
}

export interface NodePhotopea {
  host: FakePhotopeaHost;
  bridge: PhotopeaBridge;
  /** Another plugin open in the same Photopea: its messages go in, every output comes to it too. */
  other: { post(script: string): void; received: unknown[] };
  /** The page that embeds Photopea (photopea.com itself has none; an integration would). */
  parentPage: { received: unknown[] };
}

export function nodePhotopea(options: Partial<HostOptions> & { timeoutMs?: number } = {}): NodePhotopea {
  const host = new FakePhotopeaHost({ encode: async (p) => encodeFile(p), decode, openDelayMs: 0, ...options });
  addPoster(host.model);
  // What the plugin's `window.parent` is: Photopea, which receives the plugin's messages.
  const photopea = { postMessage: (data: unknown) => host.receive(data) };
  const panel = new FakeWindow(photopea);
  const otherPlugin = new FakeWindow(photopea);
  const parentPage = new FakeWindow(null);
  host.frames.push(parentPage, otherPlugin, panel);
  const bridge = new PhotopeaBridge(photopea as unknown as Window, panel as unknown as Window, options.timeoutMs ?? 2000);
  return { host, bridge, other: { post: (script) => host.receive(script), received: otherPlugin.received }, parentPage };
}
