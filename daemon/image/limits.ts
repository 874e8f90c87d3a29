/** Bounds on images the daemon and CLI accept; one home for each, documented here. */
export const IMAGE_LIMITS = {
  /** Longest side accepted on input (Figma's own export limit is 4096; phone photos reach ~8000). */
  maxInputSide: 16384,
  /** Decoded pixels accepted (width × height), to bound memory before any resize. */
  maxInputPixels: 100_000_000,
} as const;
