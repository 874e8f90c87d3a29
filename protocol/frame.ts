import { z } from 'zod';
import { idSchema } from './image-ref.ts';
import { MAX_CONTENT_IMAGES, MAX_FRAME_HEADER_BYTES, MAX_IMAGE_BYTES, MAX_REGIONS, MAX_STYLE_IMAGES } from './limits.ts';
import { parseFailure, parseOk, type ParseResult } from './parse-result.ts';

/**
 * Binary frame envelope: a message together with the images it references, in one WebSocket
 * frame, so an image can never arrive without its owner (no base64 in JSON, no cross-frame state).
 *
 *   bytes 0..3   header length H, unsigned 32-bit big-endian, 2 <= H <= MAX_FRAME_HEADER_BYTES
 *   bytes 4..4+H UTF-8 JSON header: { "message": {...}, "attachments": [{ "id", "byteLength" }] }
 *   then         the attachments' bytes, concatenated in the order of "attachments"
 *
 * The frame must be exactly 4 + H + sum(byteLength) bytes long. Each attachment id must be
 * referenced by exactly one image in the message (checked in `parse.ts`).
 */

const HEADER_LENGTH_BYTES = 4;
const MAX_ATTACHMENTS = MAX_CONTENT_IMAGES + MAX_STYLE_IMAGES + MAX_REGIONS;

export const attachmentSchema = z.object({
  id: idSchema,
  byteLength: z.number().int().min(0).max(MAX_IMAGE_BYTES),
});

const envelopeHeaderSchema = z.object({
  message: z.unknown(),
  attachments: z.array(attachmentSchema).max(MAX_ATTACHMENTS),
});

export interface Envelope {
  /** The message JSON, not yet validated against a message schema. */
  message: unknown;
  /** Attachment bytes by id (views into the frame, not copies). */
  images: Map<string, Uint8Array>;
}

/**
 * Made on first use, not at load: TextEncoder is a Web/Node API, not ECMAScript, and a bundle
 * that merely imports the protocol (Figma's main-code sandbox has neither) must still load.
 */
let encoder: TextEncoder | undefined;
let decoder: TextDecoder | undefined;

/** Builds a binary frame from a message and the images it references. */
export function encodeBinaryFrame(message: object, images: ReadonlyMap<string, Uint8Array>): Uint8Array {
  const attachments = [...images].map(([id, bytes]) => ({ id, byteLength: bytes.byteLength }));
  const header = (encoder ??= new TextEncoder()).encode(JSON.stringify({ message, attachments }));
  const total = HEADER_LENGTH_BYTES + header.byteLength + attachments.reduce((sum, a) => sum + a.byteLength, 0);
  const frame = new Uint8Array(total);
  new DataView(frame.buffer).setUint32(0, header.byteLength);
  frame.set(header, HEADER_LENGTH_BYTES);
  let offset = HEADER_LENGTH_BYTES + header.byteLength;
  for (const bytes of images.values()) {
    frame.set(bytes, offset);
    offset += bytes.byteLength;
  }
  return frame;
}

/** Splits a binary frame into its header message and attachments, checking every declared size. */
export function decodeBinaryFrame(frame: Uint8Array): ParseResult<Envelope> {
  if (frame.byteLength < HEADER_LENGTH_BYTES) {
    return parseFailure('bad-frame', 'A binary frame is too short to hold its header length; images must be sent inside a message envelope.');
  }
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  const headerLength = view.getUint32(0);
  if (headerLength < 2 || headerLength > MAX_FRAME_HEADER_BYTES) {
    return parseFailure('bad-frame', `A binary frame declares a ${headerLength}-byte header; headers are 2 to ${MAX_FRAME_HEADER_BYTES} bytes. Images must be sent inside a message envelope.`);
  }
  if (HEADER_LENGTH_BYTES + headerLength > frame.byteLength) {
    return parseFailure('bad-frame', 'A binary frame is shorter than the header it declares (truncated frame).');
  }
  let headerJson: unknown;
  try {
    headerJson = JSON.parse((decoder ??= new TextDecoder('utf-8', { fatal: true })).decode(frame.subarray(HEADER_LENGTH_BYTES, HEADER_LENGTH_BYTES + headerLength)));
  } catch {
    return parseFailure('bad-frame', 'The header of a binary frame is not UTF-8 JSON.');
  }
  const header = envelopeHeaderSchema.safeParse(headerJson);
  if (!header.success) {
    return parseFailure('bad-frame', 'The header of a binary frame must be {"message": {...}, "attachments": [{"id", "byteLength"}]} with at most ' + MAX_ATTACHMENTS + ' attachments of at most ' + MAX_IMAGE_BYTES + ' bytes each.');
  }
  const declared = header.data.attachments.reduce((sum, a) => sum + a.byteLength, 0);
  const payload = frame.byteLength - HEADER_LENGTH_BYTES - headerLength;
  if (declared !== payload) {
    return parseFailure('bad-frame', `A binary frame declares ${declared} bytes of images but carries ${payload}.`);
  }
  const images = new Map<string, Uint8Array>();
  let offset = HEADER_LENGTH_BYTES + headerLength;
  for (const { id, byteLength } of header.data.attachments) {
    if (images.has(id)) return parseFailure('bad-frame', `A binary frame attaches two images with the id "${id}".`);
    images.set(id, frame.subarray(offset, offset + byteLength));
    offset += byteLength;
  }
  return parseOk({ message: header.data.message, images });
}
