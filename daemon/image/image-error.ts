export type ImageErrorCode = 'image-unreadable' | 'image-empty' | 'image-too-large' | 'image-unsupported';

/** An image that cannot be used, with a sentence saying why and what to do. */
export class ImageError extends Error {
  readonly code: ImageErrorCode;

  constructor(code: ImageErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ImageError';
    this.code = code;
  }
}
