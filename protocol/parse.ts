import type { z } from 'zod';
import { CLIENT_MESSAGE_SCHEMAS, type ClientMessage } from './client-messages.ts';
import { decodeBinaryFrame } from './frame.ts';
import type { ImageMime } from './image-ref.ts';
import { readPngSize, sniffImageMime } from './image-sniff.ts';
import { MAX_TEXT_MESSAGE_BYTES } from './limits.ts';
import { parseFailure, parseOk, type ParseFailure, type ParseResult } from './parse-result.ts';
import { SERVER_MESSAGE_SCHEMAS, type ServerMessage } from './server-messages.ts';

/** A message with the images its frame carried, keyed by image id. */
export interface ParsedFrame<M> {
  message: M;
  images: Map<string, Uint8Array>;
}

/** A failure that may name the request it is about, so the reply can echo it. */
export type FrameFailure = ParseFailure & { requestId?: string };

interface DeclaredImage {
  id: string;
  mime: ImageMime;
  width: number;
  height: number;
}

/** The images a message references, in the order they should be attached. */
export function imageRefsOf(message: ClientMessage | ServerMessage): DeclaredImage[] {
  switch (message.type) {
    case 'stylize':
      return [...message.content, ...message.styles.map((s) => s.image), ...(message.regions ?? []).map((r) => r.mask)];
    case 'progress':
      return message.preview ? [message.preview] : [];
    case 'result':
      return [message.image];
    default:
      return [];
  }
}

type SchemaTable = Record<string, z.ZodTypeAny>;

function describeIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return 'it does not match the protocol';
  const path = issue.path.join('.');
  return path ? `${path}: ${issue.message}` : issue.message;
}

function parseWith<M>(table: SchemaTable, raw: unknown, side: string): ParseResult<M> {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return parseFailure('bad-message', `A ${side} message must be a JSON object with a "type".`);
  }
  const type = (raw as { type?: unknown }).type;
  if (typeof type !== 'string') {
    return parseFailure('bad-message', `A ${side} message must have a string "type".`);
  }
  const schema = Object.hasOwn(table, type) ? table[type] : undefined;
  if (!schema) {
    return parseFailure('unknown-type', `"${type.slice(0, 40)}" is not a ${side} message this protocol version knows; known: ${Object.keys(table).join(', ')}.`);
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    return parseFailure('bad-message', `The "${type}" message is invalid (${describeIssue(parsed.error)}).`);
  }
  return parseOk(parsed.data as M);
}

/** Validates a message object sent by a client (already JSON-decoded). */
export function parseClientMessage(raw: unknown): ParseResult<ClientMessage> {
  return parseWith<ClientMessage>(CLIENT_MESSAGE_SCHEMAS, raw, 'client');
}

/** Validates a message object sent by the daemon (already JSON-decoded). */
export function parseServerMessage(raw: unknown): ParseResult<ServerMessage> {
  return parseWith<ServerMessage>(SERVER_MESSAGE_SCHEMAS, raw, 'daemon');
}

function requestIdOf(raw: unknown): string | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined;
  const id = (raw as { requestId?: unknown }).requestId;
  return typeof id === 'string' && /^[A-Za-z0-9._:-]{1,64}$/.test(id) ? id : undefined;
}

function withRequestId(failure: ParseFailure, raw: unknown): FrameFailure {
  const requestId = requestIdOf(raw);
  return requestId ? { ...failure, requestId } : failure;
}

/** Checks that the attachments are exactly the images the message references, and look like them. */
function matchImages(refs: DeclaredImage[], images: Map<string, Uint8Array>): ParseFailure | null {
  const referenced = new Set(refs.map((r) => r.id));
  for (const id of images.keys()) {
    if (!referenced.has(id)) return parseFailure('bad-frame', `The frame attaches an image "${id}" that no field of the message refers to.`);
  }
  for (const ref of refs) {
    const bytes = images.get(ref.id);
    if (!bytes) return parseFailure('bad-frame', `The message refers to image "${ref.id}" but the frame does not attach it.`);
    const mime = sniffImageMime(bytes);
    if (!mime) return parseFailure('bad-image', `Image "${ref.id}" is not a PNG or JPEG file.`);
    if (mime !== ref.mime) return parseFailure('image-mismatch', `Image "${ref.id}" is declared as ${ref.mime} but is ${mime}.`);
    if (mime === 'image/png') {
      const size = readPngSize(bytes);
      if (!size) return parseFailure('bad-image', `Image "${ref.id}" is a truncated PNG.`);
      if (size.width !== ref.width || size.height !== ref.height) {
        return parseFailure('image-mismatch', `Image "${ref.id}" is declared as ${ref.width}x${ref.height} but is ${size.width}x${size.height}.`);
      }
    }
  }
  return null;
}

/**
 * Whether a text frame is over the limit, encoding it only when that cannot be told from its
 * length: UTF-8 takes at least one byte and at most three per UTF-16 code unit, so a string
 * longer than the limit is over it (never encoded, however large), and one a third of it is
 * under; only the band between is encoded, which is bounded by the limit itself.
 */
function isTextTooLarge(text: string): boolean {
  if (text.length > MAX_TEXT_MESSAGE_BYTES) return true;
  if (text.length * 3 <= MAX_TEXT_MESSAGE_BYTES) return false;
  return new TextEncoder().encode(text).byteLength > MAX_TEXT_MESSAGE_BYTES;
}

function parseFrame<M extends ClientMessage | ServerMessage>(
  data: string | Uint8Array,
  parseMessage: (raw: unknown) => ParseResult<M>,
): ParseResult<ParsedFrame<M>> | FrameFailure {
  let raw: unknown;
  let images: Map<string, Uint8Array>;
  if (typeof data === 'string') {
    if (isTextTooLarge(data)) {
      return parseFailure('too-large', `A text message may be at most ${MAX_TEXT_MESSAGE_BYTES} bytes; images travel in binary frames.`);
    }
    try {
      raw = JSON.parse(data);
    } catch {
      return parseFailure('bad-json', 'A text frame must be one JSON message.');
    }
    images = new Map();
  } else {
    const envelope = decodeBinaryFrame(data);
    if (!envelope.ok) return envelope;
    raw = envelope.value.message;
    images = envelope.value.images;
  }
  const parsed = parseMessage(raw);
  if (!parsed.ok) return withRequestId(parsed, raw);
  const refs = imageRefsOf(parsed.value);
  if (typeof data === 'string' && refs.length > 0) {
    return withRequestId(parseFailure('bad-frame', `A "${parsed.value.type}" message with images must be sent as a binary frame carrying them.`), raw);
  }
  const mismatch = matchImages(refs, images);
  if (mismatch) return withRequestId(mismatch, raw);
  return parseOk({ message: parsed.value, images });
}

/** Parses one WebSocket frame from a client: text JSON or a binary envelope with images. */
export function parseClientFrame(data: string | Uint8Array): ParseResult<ParsedFrame<ClientMessage>> | FrameFailure {
  return parseFrame(data, parseClientMessage);
}

/** Parses one WebSocket frame from the daemon: text JSON or a binary envelope with a PNG. */
export function parseServerFrame(data: string | Uint8Array): ParseResult<ParsedFrame<ServerMessage>> | FrameFailure {
  return parseFrame(data, parseServerMessage);
}
