/**
 * Photopea's Live Messaging as pp.js implements it (`window.onmessage` in the e5 constructor),
 * usable from Node tests and from the browser page (page.ts):
 * - a string starting with "{" is ignored (no "done"); any other string is a script, run by the
 *   interpreter (interpreter.ts) against the model (dom.ts), then "done" (`this.$m()`);
 * - a script that crashes stops where it crashed: what it echoed until then is posted, "done"
 *   is NOT (the exception leaves onmessage before `$m`);
 * - an ArrayBuffer is a file: opened as a new document, then "done";
 * - every output (echoToOE strings, saveToOE files) and every "done" goes to the parent page AND
 *   to every plugin frame (message w.p.Ko: `window.parent.postMessage(…)` then `this.oQ.b3(…)`,
 *   which posts to each plugin's contentWindow): a plugin sees other plugins' answers too;
 * - app.open(url, null, true) loads after "done": the image lands `openDelayMs` later.
 */
import { runPhotopeaScript } from './interpreter.ts';
import { FakeDom } from './dom.ts';
import { FakeApp, FakeLayer, type Pixels } from './model.ts';

export interface Frame {
  postMessage(data: unknown): void;
}

export interface HostOptions {
  encode(pixels: Pixels): Promise<ArrayBuffer>;
  decode(source: string | ArrayBuffer): Promise<Pixels>;
  /** How long after "done" an app.open image lands; Infinity: it never does. */
  openDelayMs: number;
  /** The name Photopea gives the placed image (not the panel's choice). */
  placedName?: string;
  /** Called after anything changed the documents (the page redraws). */
  onChange?(): void;
}

export class FakePhotopeaHost {
  readonly model = new FakeApp();
  private readonly dom = new FakeDom(this.model);
  /** The parent page and every plugin frame: all receive every output. */
  readonly frames: Frame[] = [];
  readonly crashes: string[] = [];
  readonly scripts: string[] = [];
  messages = 0;
  private queue: Promise<void> = Promise.resolve();

  constructor(readonly options: HostOptions) {}

  /** A message from a plugin frame (or the parent page). */
  receive(data: unknown): void {
    this.queue = this.queue.then(() => this.handleAsync(data)).catch((error: unknown) => {
      this.crashes.push(`host: ${String(error)}`);
    });
  }

  /** Resolves once every message received so far was handled. */
  idle(): Promise<void> {
    return this.queue;
  }

  private async broadcastAsync(data: string | Pixels): Promise<void> {
    for (const frame of this.frames) {
      // Each frame gets its own copy of a file (postMessage clones).
      frame.postMessage(typeof data === 'string' ? data : await this.options.encode(data));
    }
  }

  private async handleAsync(data: unknown): Promise<void> {
    this.messages++;
    if (data instanceof ArrayBuffer) {
      const pixels = await this.options.decode(data);
      const doc = this.model.addDocument('Untitled', pixels.width, pixels.height, 'transparent');
      (doc.layers[0] as FakeLayer).pixels = pixels;
      await this.broadcastAsync('done');
      this.options.onChange?.();
      return;
    }
    if (typeof data !== 'string' || data.startsWith('{')) return;
    this.scripts.push(data);
    this.model.outputs = [];
    this.model.opens = [];
    const result = runPhotopeaScript(data, this.dom);
    for (const output of this.model.outputs) await this.broadcastAsync(output.kind === 'text' ? output.text : output.pixels);
    for (const open of this.model.opens) this.scheduleOpen(open);
    if (result.ok) await this.broadcastAsync('done');
    else this.crashes.push(result.crash ?? 'crashed');
    this.options.onChange?.();
  }

  private scheduleOpen(open: FakeApp['opens'][number]): void {
    if (!Number.isFinite(this.options.openDelayMs)) return;
    setTimeout(() => {
      this.queue = this.queue.then(async () => {
        const pixels = await this.options.decode(open.url);
        this.model.finishOpen(open, pixels, this.options.placedName ?? 'Layer 2');
        this.options.onChange?.();
      });
    }, this.options.openDelayMs);
  }
}
