import type * as tf from './tf.ts';

/** Gram targets of style images by (image key, size, layers), least recently used dropped first. */
export class StyleTargetCache {
  private readonly entries = new Map<string, tf.Tensor2D[]>();

  constructor(private readonly capacity = 16) {}

  get(key: string): tf.Tensor2D[] | undefined {
    const hit = this.entries.get(key);
    if (hit) {
      this.entries.delete(key);
      this.entries.set(key, hit);
    }
    return hit;
  }

  set(key: string, grams: tf.Tensor2D[]): void {
    this.entries.set(key, grams);
    while (this.entries.size > this.capacity) {
      const [oldest, value] = this.entries.entries().next().value as [string, tf.Tensor2D[]];
      for (const g of value) g.dispose();
      this.entries.delete(oldest);
    }
  }

  get size(): number {
    return this.entries.size;
  }

  clear(): void {
    for (const grams of this.entries.values()) for (const g of grams) g.dispose();
    this.entries.clear();
  }
}
