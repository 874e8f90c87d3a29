/** A browser panel's decoding and encoding of PNGs as RGBA arrays (the editors hand over files, not pixels). */
import type { Rgba } from './mask-pixels.ts';

/**
 * Decodes an image and draws it at `width`×`height`: its RGBA pixels (straight alpha, as
 * ImageData). Without colour conversion, so an opaque pixel's bytes come back as they are.
 */
export async function rgbaAtSizeAsync(bytes: Blob, width: number, height: number): Promise<Rgba> {
  const bitmap = await createImageBitmap(bytes, { premultiplyAlpha: 'none', colorSpaceConversion: 'none' });
  try {
    const context = canvas2d(width, height);
    context.imageSmoothingQuality = 'high';
    context.drawImage(bitmap, 0, 0, width, height);
    const image = context.getImageData(0, 0, width, height);
    return { width, height, data: image.data };
  } finally {
    bitmap.close();
  }
}

/** RGBA pixels as PNG bytes. */
export async function rgbaPngAsync(image: Rgba): Promise<Uint8Array> {
  const context = canvas2d(image.width, image.height);
  context.putImageData(new ImageData(new Uint8ClampedArray(image.data), image.width, image.height), 0, 0);
  return canvasPngAsync(context.canvas);
}

/** A canvas's pixels as PNG bytes. */
export async function canvasPngAsync(canvas: HTMLCanvasElement): Promise<Uint8Array> {
  const blob = await new Promise<Blob | null>((resolve) => canvas.toBlob(resolve, 'image/png'));
  if (!blob) throw new Error('the browser could not encode a PNG');
  return new Uint8Array(await blob.arrayBuffer());
}

/** A fresh 2D canvas of `width`×`height`. */
export function canvas2d(width: number, height: number): CanvasRenderingContext2D {
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  const context = canvas.getContext('2d');
  if (!context) throw new Error('no 2D canvas');
  return context;
}
