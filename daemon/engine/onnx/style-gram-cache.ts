/** Blend-ready style Grams by (image key, size, layers, weights), least recently used dropped first. */
export class StyleGramCache {
  private readonly entries = new Map<string, Float32Array[]>();

  constructor(private readonly capacity: number) {}

  get(key: string): Float32Array[] | undefined {
    const hit = this.entries.get(key);
    if (hit) {
      this.entries.delete(key);
      this.entries.set(key, hit);
    }
    return hit;
  }

  set(key: string, grams: Float32Array[]): void {
    this.entries.set(key, grams);
    for (const oldest of this.entries.keys()) {
      if (this.entries.size <= this.capacity) break;
      this.entries.delete(oldest);
    }
  }

  get size(): number {
    return this.entries.size;
  }

  clear(): void {
    this.entries.clear();
  }
}
