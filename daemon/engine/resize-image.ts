import * as tf from './tf.ts';
import type { RgbImage } from './types.ts';

export function imageToTensor(image: RgbImage): tf.Tensor4D {
  return tf.tidy(() => tf.cast(tf.tensor4d(image.data, [1, image.height, image.width, 3], 'int32'), 'float32'));
}

/** Rounds float 0–255 pixels [1, h, w, 3] to an RgbImage. */
export async function tensorToImageAsync(pixels: tf.Tensor4D): Promise<RgbImage> {
  const [, height, width] = pixels.shape;
  const rounded = tf.tidy(() => tf.cast(tf.round(tf.clipByValue(pixels, 0, 255)), 'int32'));
  // Typed-array to typed-array construction is a tight copy; Uint8Array.from iterates.
  const data = new Uint8Array(await rounded.data());
  rounded.dispose();
  return { width, height, data };
}

/**
 * Bilinear resampling with half-pixel centres; shrinking by 2× or more first averages whole
 * blocks, since plain bilinear would alias (skip every other pixel) there.
 */
export function resizePixels(pixels: tf.Tensor4D, width: number, height: number): tf.Tensor4D {
  return tf.tidy(() => {
    const [, h, w] = pixels.shape;
    const fy = Math.max(1, Math.floor(h / height));
    const fx = Math.max(1, Math.floor(w / width));
    const pooled = fy > 1 || fx > 1 ? tf.avgPool(pixels, [fy, fx], [fy, fx], 'valid') : pixels;
    return tf.image.resizeBilinear(pooled, [height, width], false, true);
  });
}

/** The engine's default fit of an input image to a stage; an image already that size is kept as is. */
export async function resizeImageAsync(image: RgbImage, width: number, height: number): Promise<RgbImage> {
  if (image.width === width && image.height === height) return image;
  const resized = tf.tidy(() => resizePixels(imageToTensor(image), width, height));
  try {
    return await tensorToImageAsync(resized);
  } finally {
    resized.dispose();
  }
}
