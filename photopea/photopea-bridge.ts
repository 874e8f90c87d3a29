import { SCRIPT_TIMEOUT_MS } from './limits.ts';

/** What Photopea sends back while it processes one message: strings (echoToOE) and files (saveToOE). */
export type PhotopeaOutput = string | ArrayBuffer;

/** Why talking to Photopea failed, with a sentence for the designer. */
export class PhotopeaError extends Error {
  constructor(
    readonly code: 'timeout' | 'script-failed' | 'no-document' | 'layer-moved' | 'empty-layer' | 'unexpected-reply',
    message: string,
  ) {
    super(message);
    this.name = 'PhotopeaError';
  }
}

interface Pending {
  marker: string;
  sawMarker: boolean;
  outputs: PhotopeaOutput[];
  resolve(outputs: PhotopeaOutput[]): void;
  reject(error: Error): void;
  timer: ReturnType<typeof setTimeout>;
}

/**
 * Photopea's Live Messaging, one message at a time: a string posted to the parent is a script,
 * and Photopea answers every message with "done" after its outputs (photopea.com/api/live).
 * "done" names no request, so a second message is never posted before the first is answered;
 * each script ends by echoing a marker of its own, so a stray "done" (Photopea's "ready", or
 * one meant for another plugin's message) cannot end the wrong script.
 */
export class PhotopeaBridge {
  private pending: Pending | null = null;
  private tail: Promise<unknown> = Promise.resolve();
  private counter = 0;

  constructor(
    private readonly parent: Pick<Window, 'postMessage'>,
    host: Pick<Window, 'addEventListener'>,
    private readonly timeoutMs = SCRIPT_TIMEOUT_MS,
  ) {
    host.addEventListener('message', (event) => this.onMessage(event));
  }

  /**
   * Runs an ES5 script body (see scripts.ts) and resolves with what it sent back, the marker
   * excluded. Queued behind any script still running.
   */
  run(script: (marker: string) => string): Promise<PhotopeaOutput[]> {
    const marker = `atelier-end-${Date.now().toString(36)}-${++this.counter}`;
    const next = this.tail.then(
      () => this.post(script(marker), marker),
      () => this.post(script(marker), marker),
    );
    this.tail = next.catch(() => undefined);
    return next;
  }

  private post(script: string, marker: string): Promise<PhotopeaOutput[]> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending = null;
        reject(new PhotopeaError('timeout', 'Photopea did not answer. Is this panel open inside Photopea (www.photopea.com)? Close any open dialog there and try again.'));
      }, this.timeoutMs);
      this.pending = { marker, sawMarker: false, outputs: [], resolve, reject, timer };
      this.parent.postMessage(script, '*');
    });
  }

  private onMessage(event: MessageEvent): void {
    if (event.source !== (this.parent as unknown)) return;
    const pending = this.pending;
    if (!pending) return;
    const data: unknown = event.data;
    if (data === 'done') {
      if (!pending.sawMarker) return; // not ours: Photopea's "ready", or a late answer
      clearTimeout(pending.timer);
      this.pending = null;
      pending.resolve(pending.outputs);
      return;
    }
    if (data === pending.marker) pending.sawMarker = true;
    else if (typeof data === 'string' || data instanceof ArrayBuffer) pending.outputs.push(data);
  }
}
