import type { Duplex } from 'node:stream';

/** An upgrade request held before it gets a connection: answered later, or refused. */
export interface WaitingUpgrade {
  readonly socket: Duplex;
  /** Tries to give it a connection now; true when it got one (it is then the caller's). */
  tryAdmit(): boolean;
  /** Refuses it (503): the queue is full, its wait is over, or the daemon is closing. */
  refuse(reason: 'too-many-unpaired' | 'shutting-down'): void;
}

export interface UpgradeQueueOptions {
  maxWaiting: number;
  waitMs: number;
  retryMs: number;
}

/**
 * Upgrades waiting for an unpaired slot, first come first served (see UPGRADE_WAIT_MS in
 * limits.ts for why they wait rather than being refused). Only the head is ever admitted, so a
 * client that reconnects in a loop cannot overtake one that came earlier; the head is tried
 * whenever the caller says a slot may have freed (`drain`) and every `retryMs` while any wait,
 * since slots also free when a connection's turn runs out on the clock.
 */
export class UpgradeQueue {
  private readonly waiting: Array<{ upgrade: WaitingUpgrade; deadline: NodeJS.Timeout; onClose: () => void }> = [];
  private retry: NodeJS.Timeout | undefined;

  constructor(private readonly options: UpgradeQueueOptions) {}

  get length(): number {
    return this.waiting.length;
  }

  /** Queues an upgrade behind the others; refused at once when MAX_WAITING_UPGRADES already wait. */
  add(upgrade: WaitingUpgrade): void {
    if (this.waiting.length >= this.options.maxWaiting) return upgrade.refuse('too-many-unpaired');
    const entry = {
      upgrade,
      deadline: setTimeout(() => {
        this.remove(entry);
        upgrade.refuse('too-many-unpaired');
        // Whoever waited behind it is now first: try it at once.
        this.drain();
      }, this.options.waitMs),
      // A client that gives up (closes its socket) leaves the line.
      onClose: () => {
        this.remove(entry);
        this.drain();
      },
    };
    upgrade.socket.once('close', entry.onClose);
    this.waiting.push(entry);
    this.armRetry();
  }

  /** Admits from the head for as long as each gets a connection. */
  drain(): void {
    while (this.waiting.length > 0 && this.waiting[0]!.upgrade.tryAdmit()) this.remove(this.waiting[0]!);
    this.armRetry();
  }

  /** The daemon is closing: every waiting upgrade is refused. */
  refuseAll(): void {
    for (const entry of [...this.waiting]) {
      this.remove(entry);
      entry.upgrade.refuse('shutting-down');
    }
  }

  private remove(entry: (typeof this.waiting)[number]): void {
    const at = this.waiting.indexOf(entry);
    if (at < 0) return;
    this.waiting.splice(at, 1);
    clearTimeout(entry.deadline);
    entry.upgrade.socket.off('close', entry.onClose);
    if (this.waiting.length === 0) {
      clearTimeout(this.retry);
      this.retry = undefined;
    }
  }

  private armRetry(): void {
    if (this.waiting.length === 0 || this.retry !== undefined) return;
    this.retry = setTimeout(() => {
      this.retry = undefined;
      this.drain();
    }, this.options.retryMs);
  }
}
