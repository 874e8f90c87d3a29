/**
 * Defaults and bounds of the daemon server, in one place. Each can be overridden through
 * `startDaemonServerAsync` options (see `server-options.ts`), within the bounds given there.
 */
export { DEFAULT_DAEMON_PORT } from '../../protocol/index.ts';

/** The main interface the daemon listens on (and names in `url`): never reachable from another machine. */
export const LISTEN_HOST = '127.0.0.1';
/**
 * Every loopback address the daemon listens on, all with the same checks: `localhost` means
 * ::1 first to browsers, so it must be ours too. ::1 is skipped where the machine has no IPv6.
 */
export const LOOPBACK_HOSTS = [LISTEN_HOST, '::1'] as const;
/** With port 0 (tests), tries at finding one port free on every loopback address. */
export const LISTEN_PORT_ATTEMPTS = 5;

/**
 * Largest WebSocket message accepted (ws `maxPayload`). A larger one makes ws close the
 * connection with code 1009 before it is buffered; the daemon keeps serving others.
 * Room for one content and four style images at the protocol's per-image bound would be
 * 240 MiB; designers' frames are far smaller, so the default bounds memory instead.
 */
export const DEFAULT_MAX_PAYLOAD_BYTES = 128 * 1024 * 1024;
/** Jobs waiting behind the running one before new requests get `busy`. */
export const DEFAULT_MAX_QUEUED_JOBS = 8;
/** Open connections; more are refused at the handshake with HTTP 503. */
export const DEFAULT_MAX_CONNECTIONS = 16;
/** A connection that has not sent `hello` within this time is closed. */
export const DEFAULT_HELLO_TIMEOUT_MS = 10_000;

/** Progress previews, unless a request sets `previewEvery` / `previewMaxSide` itself. */
export const DEFAULT_PREVIEW_EVERY = 10;
export const DEFAULT_PREVIEW_MAX_SIDE = 256;
/** Previews are skipped while this many bytes are still unsent to a client (slow link). */
export const PREVIEW_BACKPRESSURE_BYTES = 4 * 1024 * 1024;

/** Wrong pairing codes in a row before the code is replaced and pairing pauses. */
export const DEFAULT_PAIRING_MAX_FAILURES = 5;
/** First pause after too many wrong codes; each further lockout doubles it, up to the max. */
export const DEFAULT_PAIRING_LOCKOUT_MS = 30_000;
export const MAX_PAIRING_LOCKOUT_MS = 15 * 60_000;

/** How long `close()` waits for the running job to notice its cancellation. */
export const SHUTDOWN_GRACE_MS = 5_000;

/** Tokens file inside the config directory (owner-only permissions). */
export const TOKENS_FILE_NAME = 'tokens.json';

/**
 * Least time between two `daemon-state` messages of the same state (download progress); a
 * change of state is sent at once, and the latest progress is sent when the interval ends.
 */
export const DAEMON_STATE_INTERVAL_MS = 500;
