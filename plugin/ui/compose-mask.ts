import type { MaskPlacement } from '../bridge/index.ts';
import type { ExportedImage } from '../../client/style-request.ts';
import type { Rgba } from '../../client/mask-pixels.ts';

export interface ComposedMask {
  /** The content image's size: white where the mask layer covers it, black where not, grey between. */
  image: ExportedImage;
  /** Whether any pixel of the content is under the mask (an empty mask would stylise nothing). */
  covers: boolean;
  /** The same coverage as pixels (alpha = coverage): what the result is cut with past the feather (past-feather.ts). */
  region: Rgba;
}

/**
 * The mask the daemon takes (issue 31), composed here because the main code has no canvas: the
 * mask layer's export stretched onto its box on the content image, cut by the outlines of the
 * frames that clip it, and its alpha written out as an opaque grey image. Opaque grey, not the
 * alpha itself: "white = stylised, black = kept" reads the same under both of the protocol's
 * readings (alpha where there is transparency, else luminance), and a mask that covers the
 * whole content (no transparency at all) stays white rather than falling back to the shape's
 * own colours.
 */
export async function composeMaskAsync(placement: MaskPlacement, width: number, height: number): Promise<ComposedMask> {
  const bitmap = await createImageBitmap(new Blob([placement.png as Uint8Array<ArrayBuffer>], { type: 'image/png' }));
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  const context = canvas.getContext('2d');
  if (!context) throw new Error('this window cannot draw images');
  for (const outline of placement.clips) {
    context.beginPath();
    outline.forEach(([x, y], i) => (i === 0 ? context.moveTo(x, y) : context.lineTo(x, y)));
    context.closePath();
    context.clip();
  }
  const { x, y, width: w, height: h } = placement.box;
  context.drawImage(bitmap, x, y, w, h);
  bitmap.close();
  const pixels = context.getImageData(0, 0, width, height);
  const data = pixels.data;
  const region = new Uint8ClampedArray(data.length);
  let covers = false;
  for (let i = 0; i < data.length; i += 4) {
    const alpha = data[i + 3]!;
    if (alpha > 0) covers = true;
    region[i + 3] = alpha;
    data[i] = alpha;
    data[i + 1] = alpha;
    data[i + 2] = alpha;
    data[i + 3] = 255;
  }
  // putImageData ignores the clip: every pixel of the content gets a value.
  context.putImageData(pixels, 0, 0);
  const blob = await new Promise<Blob | null>((resolve) => canvas.toBlob(resolve, 'image/png'));
  if (!blob) throw new Error('the mask image could not be encoded');
  return { image: { png: new Uint8Array(await blob.arrayBuffer()), width, height }, covers, region: { width, height, data: region } };
}
