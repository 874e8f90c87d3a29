import type { ErrorCode } from './error-codes.ts';

/** What every parse helper returns: never throws on untrusted input. */
export type ParseResult<T> = { ok: true; value: T } | ParseFailure;

export interface ParseFailure {
  ok: false;
  code: ErrorCode;
  /** A sentence a designer (or the plugin developer) can act on. */
  message: string;
}

export function parseOk<T>(value: T): ParseResult<T> {
  return { ok: true, value };
}

export function parseFailure(code: ErrorCode, message: string): ParseFailure {
  return { ok: false, code, message };
}
