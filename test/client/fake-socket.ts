/**
 * A scripted WebSocket for the daemon client's tests: the test opens, feeds frames, closes.
 */
import type { SocketLike } from '../../client/index.ts';

export class FakeSocket implements SocketLike {
  binaryType = 'blob';
  readyState = 0;
  readonly sent: (string | Uint8Array)[] = [];
  closedWith: { code?: number; reason?: string } | null = null;
  onopen: ((event: unknown) => void) | null = null;
  onmessage: ((event: { data: unknown }) => void) | null = null;
  onclose: ((event: { code: number; reason: string }) => void) | null = null;
  onerror: ((event: unknown) => void) | null = null;

  constructor(readonly url: string) {}

  send(data: string | Uint8Array): void {
    if (this.readyState !== 1) throw new Error('send on a socket that is not open');
    this.sent.push(data);
  }

  close(code?: number, reason?: string): void {
    this.closedWith = { code, reason };
    this.readyState = 3;
  }

  open(): void {
    this.readyState = 1;
    this.onopen?.({});
  }

  /** A frame from the daemon, as the browser delivers it (binary as ArrayBuffer). */
  receive(frame: string | Uint8Array): void {
    const data = typeof frame === 'string' ? frame : frame.slice().buffer;
    this.onmessage?.({ data });
  }

  drop(code = 1006): void {
    this.readyState = 3;
    this.onclose?.({ code, reason: '' });
  }
}

/** Collects sockets the client creates and timers it schedules, to be fired by hand. */
export class SocketFactory {
  readonly sockets: FakeSocket[] = [];
  readonly timers: { ms: number; fire: () => void; cancelled: boolean }[] = [];

  create = (url: string): FakeSocket => {
    const socket = new FakeSocket(url);
    this.sockets.push(socket);
    return socket;
  };

  schedule = (callback: () => void, ms: number): (() => void) => {
    const timer = { ms, fire: callback, cancelled: false };
    this.timers.push(timer);
    return () => {
      timer.cancelled = true;
    };
  };

  get last(): FakeSocket {
    const socket = this.sockets.at(-1);
    if (!socket) throw new Error('no socket created');
    return socket;
  }

  /** Fires the most recent pending timer. */
  fireTimer(): number {
    const timer = [...this.timers].reverse().find((t) => !t.cancelled);
    if (!timer) throw new Error('no pending timer');
    timer.cancelled = true;
    timer.fire();
    return timer.ms;
  }

  get pendingTimers(): number {
    return this.timers.filter((t) => !t.cancelled).length;
  }
}
