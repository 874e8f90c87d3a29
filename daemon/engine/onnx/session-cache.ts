import * as ort from 'onnxruntime-node';

interface Entry {
  session: Promise<ort.InferenceSession>;
  users: number;
  evicted: boolean;
}

/**
 * Sessions by graph key (kind, stage size, layers), least recently used dropped first. A
 * session still held by a stage is released only when that stage lets go of it.
 */
export class SessionCache {
  private readonly entries = new Map<string, Entry>();
  private readonly bySession = new WeakMap<ort.InferenceSession, Entry>();

  constructor(
    private readonly capacity: number,
    private readonly options: ort.InferenceSession.SessionOptions,
  ) {}

  /**
   * The session for `key`, built from `model()` on a miss (with `overrides` on the cache's
   * options; a key always names one graph built one way); hand it back with `release`.
   */
  async acquireAsync(
    key: string,
    model: () => Uint8Array,
    overrides: Partial<ort.InferenceSession.SessionOptions> = {},
  ): Promise<ort.InferenceSession> {
    let entry = this.entries.get(key);
    if (entry) {
      this.entries.delete(key);
    } else {
      const created: Entry = { session: ort.InferenceSession.create(model(), { ...this.options, ...overrides }), users: 0, evicted: false };
      created.session.then(
        (s) => this.bySession.set(s, created),
        // A failed build is not cached: the next stage tries again.
        () => this.entries.get(key) === created && this.entries.delete(key),
      );
      entry = created;
    }
    this.entries.set(key, entry);
    entry.users += 1;
    this.evict();
    try {
      return await entry.session;
    } catch (error) {
      entry.users -= 1;
      throw error;
    }
  }

  release(session: ort.InferenceSession): void {
    const entry = this.bySession.get(session);
    if (!entry) return;
    entry.users -= 1;
    if (entry.evicted && entry.users === 0) void session.release();
  }

  private evict(): void {
    for (const [key, entry] of this.entries) {
      if (this.entries.size <= this.capacity) break;
      this.entries.delete(key);
      this.retire(entry);
    }
  }

  private retire(entry: Entry): void {
    entry.evicted = true;
    entry.session.then(
      (s) => {
        if (entry.users === 0) void s.release();
      },
      () => undefined,
    );
  }

  clear(): void {
    for (const entry of this.entries.values()) this.retire(entry);
    this.entries.clear();
  }
}
