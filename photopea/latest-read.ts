/**
 * At most one read of the document in flight; asks made meanwhile are answered by ONE more read
 * after it (the latest state wins). Mouse-enter and focus ask often, and each read is a
 * Photopea script that may wait up to its time-out: queued one per ask, they held Apply back
 * for minutes.
 */
export class LatestRead {
  private running: Promise<void> | null = null;
  private again: Promise<void> | null = null;

  constructor(private readonly read: () => Promise<void>) {}

  /** Resolves once a read that started after this call has finished. */
  request(): Promise<void> {
    if (!this.running) return this.start();
    // One read is running: every ask until it ends shares the single read after it.
    this.again ??= this.running.catch(() => undefined).then(() => {
      this.again = null;
      return this.start();
    });
    return this.again;
  }

  private start(): Promise<void> {
    const running = this.read().finally(() => {
      if (this.running === running) this.running = null;
    });
    this.running = running;
    return running;
  }
}
