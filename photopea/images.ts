/** Browser-side image work: decode, scale, encode PNG (the panel has the pixels, Photopea only files). */
import type { Rgba } from '../client/mask-pixels.ts';

export interface Png {
  width: number;
  height: number;
  png: Uint8Array;
}

async function canvasPngAsync(canvas: HTMLCanvasElement): Promise<Uint8Array> {
  const blob = await new Promise<Blob | null>((resolve) => canvas.toBlob(resolve, 'image/png'));
  if (!blob) throw new Error('the browser could not encode a PNG');
  return new Uint8Array(await blob.arrayBuffer());
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

/** Decodes an image and draws it at `width`×`height`: its RGBA pixels (straight alpha, as ImageData). */
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

/** RGBA pixels as a PNG. */
export async function rgbaPngAsync(image: Rgba): Promise<Png> {
  const context = canvas2d(image.width, image.height);
  context.putImageData(new ImageData(new Uint8ClampedArray(image.data), image.width, image.height), 0, 0);
  return { width: image.width, height: image.height, png: await canvasPngAsync(context.canvas) };
}

function canvas2d(width: number, height: number): CanvasRenderingContext2D {
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  const context = canvas.getContext('2d');
  if (!context) throw new Error('no 2D canvas');
  return context;
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
