/** How many style images' targets an engine keeps (a designer's session uses a handful of styles). */
export const STYLE_CACHE_CAPACITY = 16;

/**
 * The cache key of one style image's Gram targets: the caller's key for its pixels (e.g. their
 * hash), the stage size, the style layers, and the weights they were computed with.
 */
export function styleTargetKey(imageKey: string, width: number, height: number, styleLayers: readonly string[], weightsSource: string): string {
  return `${imageKey}|${width}x${height}|${styleLayers.join(',')}|${weightsSource}`;
}

/**
 * Style Gram targets by key, least recently used dropped first. Both engines use it: tfjs keeps
 * tensors (disposed on eviction through `onEvict`), ONNX Runtime plain Float32Arrays.
 */
export class StyleTargetCache<T> {
  private readonly entries = new Map<string, T>();

  constructor(
    private readonly onEvict: (value: T) => void = () => undefined,
    private readonly capacity = STYLE_CACHE_CAPACITY,
  ) {}

  get(key: string): T | undefined {
    const hit = this.entries.get(key);
    if (hit !== undefined) {
      this.entries.delete(key);
      this.entries.set(key, hit);
    }
    return hit;
  }

  set(key: string, value: T): void {
    this.entries.set(key, value);
    for (const [oldest, evicted] of this.entries) {
      if (this.entries.size <= this.capacity) break;
      this.entries.delete(oldest);
      this.onEvict(evicted);
    }
  }

  get size(): number {
    return this.entries.size;
  }

  clear(): void {
    for (const value of this.entries.values()) this.onEvict(value);
    this.entries.clear();
  }
}
