import { z } from 'zod';

/**
 * Image bytes crossing postMessage. Structured clone may hand us a Uint8Array from another
 * realm (the UI iframe), where `instanceof` fails, so the tag is checked as well.
 */
export const bytesSchema = z.custom<Uint8Array>(
  (value) => value instanceof Uint8Array || Object.prototype.toString.call(value) === '[object Uint8Array]',
  { message: 'expected image bytes (Uint8Array)' },
);
