/** Image I/O with sharp: decoding inputs for the engine and encoding its results. */
export { readImageAsync, type AlphaMode, type DecodedImage, type ReadImageOptions } from './read-image.ts';
export { readMaskAsync } from './read-mask.ts';
export { encodePngAsync, type PngPurpose } from './encode-png.ts';
export { resizeRgbAsync } from './resize-image.ts';
export { probeImageAsync, type ImageProbe } from './probe-image.ts';
export { ImageError, type ImageErrorCode } from './image-error.ts';
export { IMAGE_LIMITS } from './limits.ts';
