import { SCRIPT_TIMEOUT_MS } from './limits.ts';
import type { Markers, Script } from './scripts.ts';

/** What Photopea sends back while it processes one message: strings (echoToOE) and files (saveToOE). */
export type PhotopeaOutput = string | ArrayBuffer;

/** Why talking to Photopea failed, with a sentence for the designer. */
export type PhotopeaErrorCode = 'timeout' | 'script-failed' | 'no-document' | 'layer-moved' | 'empty-layer' | 'unexpected-reply' | 'not-placed' | 'no-selection' | 'selection-misses' | 'mask-misses' | 'empty-mask';

export class PhotopeaError extends Error {
  constructor(
    readonly code: PhotopeaErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'PhotopeaError';
  }
}

interface Pending {
  markers: Markers;
  /** before our start marker; inside (our outputs); after our end marker (waiting for "done"). */
  phase: 'before' | 'inside' | 'after';
  outputs: PhotopeaOutput[];
  resolve(outputs: PhotopeaOutput[]): void;
  reject(error: Error): void;
  timer: ReturnType<typeof setTimeout>;
}

/**
 * Photopea's Live Messaging, one message at a time: a string posted to the parent is a script,
 * and Photopea answers every message with "done" after its outputs (photopea.com/api/live).
 * Photopea posts every output and every "done" to its parent page AND to every open plugin
 * (pp.js: message w.p.Ko goes to `window.parent` and to each plugin frame), so nothing it sends
 * says whose it is. Each script therefore echoes a start and an end marker made for its request
 * (scripts.ts); only what comes between the two is taken, and only the "done" after our end
 * marker ends the request. A script that stopped half-way sends no end marker and no "done":
 * the request times out.
 */
export class PhotopeaBridge {
  private pending: Pending | null = null;
  private tail: Promise<unknown> = Promise.resolve();
  private counter = 0;
  private readonly session = Math.random().toString(36).slice(2, 10);

  constructor(
    private readonly parent: Pick<Window, 'postMessage'>,
    host: Pick<Window, 'addEventListener'>,
    private readonly timeoutMs = SCRIPT_TIMEOUT_MS,
  ) {
    host.addEventListener('message', (event) => this.onMessage(event));
  }

  /** Runs a script (see scripts.ts) and resolves with what it sent between its markers. Queued behind any script still running. */
  run(script: Script): Promise<PhotopeaOutput[]> {
    const id = `atelier-${this.session}-${Date.now().toString(36)}-${++this.counter}`;
    const markers = { start: `${id}-start`, end: `${id}-end` };
    const next = this.tail.then(
      () => this.post(script(markers), markers),
      () => this.post(script(markers), markers),
    );
    this.tail = next.catch(() => undefined);
    return next;
  }

  private post(script: string, markers: Markers): Promise<PhotopeaOutput[]> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending = null;
        reject(new PhotopeaError('timeout', 'Photopea did not answer. Is this panel open inside Photopea (www.photopea.com)? Close any open dialog there and try again.'));
      }, this.timeoutMs);
      this.pending = { markers, phase: 'before', outputs: [], resolve, reject, timer };
      this.parent.postMessage(script, '*');
    });
  }

  private onMessage(event: MessageEvent): void {
    if (event.source !== (this.parent as unknown)) return;
    const pending = this.pending;
    if (!pending) return;
    const data: unknown = event.data;
    if (pending.phase === 'before') {
      if (data === pending.markers.start) pending.phase = 'inside';
      return; // another plugin's outputs, or a late "done"
    }
    if (pending.phase === 'inside') {
      if (data === pending.markers.end) pending.phase = 'after';
      else if (typeof data === 'string' || data instanceof ArrayBuffer) pending.outputs.push(data);
      return;
    }
    if (data === 'done') {
      clearTimeout(pending.timer);
      this.pending = null;
      pending.resolve(pending.outputs);
    }
  }
}
