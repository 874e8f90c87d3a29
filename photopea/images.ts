/** Browser-side image work: decode, scale, encode PNG (the panel has the pixels, Photopea only files). */
import type { Rgba } from '../client/mask-pixels.ts';
import { canvas2d, canvasPngAsync, rgbaPngAsync as rgbaPngBytesAsync } from '../client/rgba-canvas.ts';

export { rgbaAtSizeAsync } from '../client/rgba-canvas.ts';

export interface Png {
  width: number;
  height: number;
  png: Uint8Array;
}

/** Decodes any image the browser reads (PNG, JPEG, WebP) and re-encodes it as a PNG of `width`×`height`. */
export async function resizeToPngAsync(bytes: Blob, size: (width: number, height: number) => { width: number; height: number }): Promise<Png> {
  const bitmap = await createImageBitmap(bytes);
  try {
    const { width, height } = size(bitmap.width, bitmap.height);
    const context = canvas2d(width, height);
    context.imageSmoothingQuality = 'high';
    context.drawImage(bitmap, 0, 0, width, height);
    return { width, height, png: await canvasPngAsync(context.canvas) };
  } finally {
    bitmap.close();
  }
}

/** RGBA pixels as a PNG with its size. */
export async function rgbaPngAsync(image: Rgba): Promise<Png> {
  return { width: image.width, height: image.height, png: await rgbaPngBytesAsync(image) };
}

/** Longest side at most `max`, never enlarged, at least 1 px. */
export function fitWithin(max: number): (width: number, height: number) => { width: number; height: number } {
  return (width, height) => {
    const scale = Math.min(1, max / Math.max(width, height));
    return { width: Math.max(1, Math.round(width * scale)), height: Math.max(1, Math.round(height * scale)) };
  };
}

export function pngBlob(bytes: Uint8Array | ArrayBuffer): Blob {
  return new Blob([bytes as Uint8Array<ArrayBuffer>], { type: 'image/png' });
}

export async function dataUrlAsync(png: Uint8Array): Promise<string> {
  const reader = new FileReader();
  return new Promise((resolve, reject) => {
    reader.onload = () => resolve(String(reader.result));
    reader.onerror = () => reject(reader.error ?? new Error('could not read the image'));
    reader.readAsDataURL(pngBlob(png));
  });
}
