import sharp from 'sharp';

/**
 * A header-only look at an image, so a request can be refused before it is queued; decoding
 * itself is `readImageAsync` when the job runs. The size is after EXIF orientation.
 */
export type ImageProbe =
  | { ok: true; format: 'png' | 'jpeg' | 'webp'; width: number; height: number }
  | { ok: false; message: string };

const FORMATS = new Set(['png', 'jpeg', 'webp']);

export async function probeImageAsync(bytes: Uint8Array, options: { maxPixels: number }): Promise<ImageProbe> {
  try {
    const meta = await sharp(bytes, { limitInputPixels: options.maxPixels, failOn: 'error', autoOrient: true }).metadata();
    if (!FORMATS.has(meta.format)) return { ok: false, message: `it is ${meta.format}, not PNG, JPEG or WebP` };
    const { width, height } = meta.autoOrient;
    return { ok: true, format: meta.format as 'png' | 'jpeg' | 'webp', width, height };
  } catch (error) {
    return { ok: false, message: (error as Error).message };
  }
}
