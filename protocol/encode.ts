import type { ClientMessage } from './client-messages.ts';
import { encodeBinaryFrame } from './frame.ts';
import { imageRefsOf } from './parse.ts';
import type { ServerMessage } from './server-messages.ts';

/**
 * Encodes a message for `WebSocket.send`: a JSON string when it references no image, otherwise
 * a binary envelope carrying each referenced image (looked up by id in `images`).
 * Throws when a referenced image is missing: that is a bug in the caller, not bad input.
 */
export function encodeMessage(
  message: ClientMessage | ServerMessage,
  images: ReadonlyMap<string, Uint8Array> = new Map(),
): string | Uint8Array {
  const refs = imageRefsOf(message);
  if (refs.length === 0) return JSON.stringify(message);
  const ordered = new Map<string, Uint8Array>();
  for (const ref of refs) {
    const bytes = images.get(ref.id);
    if (!bytes) throw new Error(`encodeMessage: image "${ref.id}" referenced by a "${message.type}" message was not given`);
    ordered.set(ref.id, bytes);
  }
  return encodeBinaryFrame(message, ordered);
}
