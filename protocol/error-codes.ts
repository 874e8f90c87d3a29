import { z } from 'zod';

/**
 * Stable error codes. Clients branch on the code; the sentence beside it (in `error.message`)
 * is for the designer and may change wording between versions.
 */
export const ERROR_CODES = [
  /** A text frame that is not JSON. */
  'bad-json',
  /** A binary frame whose envelope is malformed (length prefix, header, declared sizes). */
  'bad-frame',
  /** JSON that does not match any message schema (wrong types, missing fields, out of range). */
  'bad-message',
  /** A message whose `type` this protocol version does not know. */
  'unknown-type',
  /** A frame larger than the protocol allows. */
  'too-large',
  /** The client and daemon speak incompatible protocol versions. */
  'unsupported-version',
  /** Anything other than `hello` arrived first. */
  'hello-required',
  /** The connection is not paired: only `hello` and `pair` are answered. */
  'not-paired',
  /** The key named in `hello` is unknown or revoked, or the client's proof of it failed. */
  'bad-token',
  /** The pairing code is wrong. */
  'bad-pairing-code',
  /** Too many wrong pairing codes: pairing is paused for a while (daemons before the pairing window). */
  'pairing-locked',
  /** No pairing window is open: the designer opens one from the daemon's tray or terminal. */
  'pairing-closed',
  /** An attached image is not a PNG or JPEG, is truncated, or cannot be decoded. */
  'bad-image',
  /** An attached image's real size or format differs from what the message declared. */
  'image-mismatch',
  /** The options of a stylize request are not usable (e.g. an unknown preset or layer). */
  'bad-options',
  /**
   * The daemon is still setting up (first-run weights download, conversion, engine start) or
   * failed to: stylize requests are refused until a `daemon-state` message says `ready`.
   */
  'not-ready',
  /** The queue is full. */
  'busy',
  /** A cancel or status request named a job that does not exist or is not this client's. */
  'unknown-job',
  /** The job was cancelled. */
  'cancelled',
  /** The engine failed while computing a job. */
  'engine-failed',
  /** The daemon could not save something it must keep (a pairing); the sentence says which folder to fix. */
  'storage-failed',
  /** The daemon is shutting down. */
  'shutting-down',
  /** A bug in the daemon; the log has details. */
  'internal',
] as const;

export const errorCodeSchema = z.enum(ERROR_CODES);
export type ErrorCode = z.infer<typeof errorCodeSchema>;
