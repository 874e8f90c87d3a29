import { z } from 'zod';
import { encodeMessage, idSchema, parseServerFrame, type ServerMessage } from '../../protocol/index.ts';
import type { TeamCancelReason } from './team-job-store.ts';

/**
 * What travels on the team's pub/sub channels. A job's messages are the wire's own frames
 * (protocol/encode.ts: JSON text, or the binary envelope with its images), tagged by one
 * leading byte, and parsed on arrival with the protocol's schemas: Redis is shared, and a
 * front door forwards these to designers.
 */
const TAG_TEXT = 0;
const TAG_BINARY = 1;
/** The waiting line changed (a job started or ended): front doors re-read their jobs' positions. */
const TAG_QUEUE_MOVED = 2;

export type TeamEvent = { kind: 'message'; jobId: string; message: ServerMessage; images: Map<string, Uint8Array> } | { kind: 'queue-moved' };

export function encodeJobEvent(message: ServerMessage, images?: ReadonlyMap<string, Uint8Array>): Buffer {
  const frame = encodeMessage(message, images);
  return typeof frame === 'string'
    ? Buffer.concat([Buffer.of(TAG_TEXT), Buffer.from(frame, 'utf8')])
    : Buffer.concat([Buffer.of(TAG_BINARY), frame]);
}

export const QUEUE_MOVED_EVENT = Buffer.of(TAG_QUEUE_MOVED);

export function jobIdOf(message: ServerMessage): string | null {
  return 'jobId' in message && typeof message.jobId === 'string' ? message.jobId : null;
}

/** Null for anything that is not a job's valid message. */
export function decodeTeamEvent(bytes: Buffer): TeamEvent | null {
  const tag = bytes[0];
  if (tag === TAG_QUEUE_MOVED) return { kind: 'queue-moved' };
  if (tag !== TAG_TEXT && tag !== TAG_BINARY) return null;
  const body = bytes.subarray(1);
  const parsed = parseServerFrame(tag === TAG_TEXT ? body.toString('utf8') : new Uint8Array(body));
  if (!parsed.ok) return null;
  const jobId = jobIdOf(parsed.value.message);
  return jobId ? { kind: 'message', jobId, message: parsed.value.message, images: parsed.value.images } : null;
}

const cancelSchema = z.object({ jobId: idSchema, reason: z.enum(['client', 'disconnect']) });
export type CancelNote = z.infer<typeof cancelSchema>;

export function encodeCancel(jobId: string, reason: TeamCancelReason): string {
  return JSON.stringify({ jobId, reason });
}

export function decodeCancel(text: string): CancelNote | null {
  try {
    const parsed = cancelSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}
