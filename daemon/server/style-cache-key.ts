import { createHash } from 'node:crypto';

/**
 * Bumped whenever daemon/image's `readImageAsync` changes how bytes become pixels, so Gram targets cached
 * from an older decoding are not reused.
 */
const DECODING_VERSION = 'decode-v1';

/**
 * The engine's style-target cache key for one style image: a hash of its encoded bytes and
 * of how they are decoded. The engine adds the stage size, the style layers and the weights
 * (see `StyleInput.cacheKey`), so one style applied to many frames is analysed once per size.
 */
export function styleCacheKey(encoded: Uint8Array): string {
  const hash = createHash('sha256').update(encoded).digest('hex');
  return `${DECODING_VERSION}:${hash}`;
}
