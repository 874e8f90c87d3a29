import sharp from 'sharp';
import { LIMITS, type ImageMime } from '../../protocol/index.ts';

/**
 * A header-only look at an incoming image, so a request is refused before it is queued;
 * decoding itself is daemon/image's readImageAsync when the job runs.
 */

export type ImageProbe =
  | { ok: true; mime: ImageMime; width: number; height: number }
  | { ok: false; message: string };

const FORMAT_TO_MIME: Record<string, ImageMime> = { png: 'image/png', jpeg: 'image/jpeg' };

function open(bytes: Uint8Array): sharp.Sharp {
  return sharp(bytes, { limitInputPixels: LIMITS.MAX_INPUT_PIXELS, failOn: 'error', autoOrient: true });
}

/** Reads the format and the oriented size from the header, without decoding pixels. */
export async function probeImageAsync(bytes: Uint8Array): Promise<ImageProbe> {
  try {
    const meta = await open(bytes).metadata();
    const mime = FORMAT_TO_MIME[meta.format];
    if (!mime) return { ok: false, message: `it is ${meta.format}, not PNG or JPEG` };
    const { width, height } = meta.autoOrient;
    return { ok: true, mime, width, height };
  } catch (error) {
    return { ok: false, message: (error as Error).message };
  }
}
