/**
 * Defaults and bounds of the daemon server, in one place. Each can be overridden through
 * `startDaemonServerAsync` options (see `server-options.ts`), within the bounds given there.
 */
import { LIMITS } from '../../protocol/index.ts';

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
/** Jobs one client may have waiting (its running one aside), so one client cannot fill the queue. */
export const DEFAULT_MAX_QUEUED_JOBS_PER_CLIENT = 2;

/**
 * Until a connection is paired, no frame may be larger than the protocol's text limit (pairing
 * needs only small text messages), and all it sends together at most UNPAIRED_MAX_BYTES.
 * Checked on the raw bytes, from each frame's header, before `ws` buffers the frame: an
 * unpaired client is cut off (close 1009) after at most one read's worth of a huge frame.
 */
export const UNPAIRED_MAX_FRAME_BYTES = LIMITS.MAX_TEXT_MESSAGE_BYTES;
export const UNPAIRED_MAX_BYTES = 1024 * 1024;
/**
 * Bytes queued for a client that does not read them (`bufferedAmount`): past this, its jobs
 * are cancelled and it is disconnected (close 4003). Previews stop well before, at
 * PREVIEW_BACKPRESSURE_BYTES. Room for a few full-size results.
 */
export const MAX_BUFFERED_OUTGOING_BYTES = 96 * 1024 * 1024;
/** Open connections; more are refused at the handshake with HTTP 503. */
export const DEFAULT_MAX_CONNECTIONS = 16;
/** A connection that has not sent `hello` within this time is closed. */
export const DEFAULT_HELLO_TIMEOUT_MS = 10_000;

/** Progress previews, unless a request sets `previewEvery` / `previewMaxSide` itself. */
export const DEFAULT_PREVIEW_EVERY = 10;
export const DEFAULT_PREVIEW_MAX_SIDE = 256;
/** Previews are skipped while this many bytes are still unsent to a client (slow link). */
export const PREVIEW_BACKPRESSURE_BYTES = 4 * 1024 * 1024;

/**
 * Pairing (see pairing.ts and the README's security model): a window the designer opens (at
 * start, from the tray or the terminal) lasts PAIRING_WINDOW_MS with one code; attempts from
 * all connections are checked one at a time, at most one per PAIRING_ATTEMPT_INTERVAL_MS, so
 * a window allows at most 6,000 guesses of the 10^8 codes (6 in 100,000 to hit it: five times
 * less than 300 guesses of 6 digits), and wrong codes never lock pairing. Twenty a second
 * clears a queue of one attempt per unpaired slot in 0.4 s, and costs a flood at most a
 * seventh of a core (a SPAKE2 answer is ~7 ms of @noble/curves on this project's 2-core
 * machine).
 */
export const DEFAULT_PAIRING_WINDOW_MS = 5 * 60_000;
export const DEFAULT_PAIRING_ATTEMPT_INTERVAL_MS = 50;
/** Wrong codes one connection may try before it is closed (a designer's typos fit). */
export const PAIRING_MAX_FAILURES_PER_CONNECTION = 3;

/**
 * Connections not yet paired (past hello or not): at most this many at once; a new one
 * replaces one whose turn is over (connection.ts, `evictable`), so sockets held open by a web
 * page or another program cannot keep a paired plugin (paired within one round trip of its
 * hello) or the designer's pairing out. The rest of `maxConnections` is in effect reserved for
 * paired plugins.
 */
export const DEFAULT_MAX_UNPAIRED_CONNECTIONS = 8;
/**
 * An unpaired upgrade that finds every unpaired slot in its turn waits, first come first
 * served, for the next slot whose turn ends (every turn ends within a few
 * UNPAIRED_MIN_LIFE_MS), rather than being refused: a refused plugin retries after a backoff,
 * while a page reconnecting in a loop is always there the moment a slot frees. A browser
 * keeps one WebSocket per address in CONNECTING at a time (RFC 6455 §4.1; Chromium's
 * WebSocketEndpointLockManager), so a hostile page has at most one waiting upgrade per
 * loopback address ahead of the designer's. At most MAX_WAITING_UPGRADES wait, each at most
 * UPGRADE_WAIT_MS; past either they get 503.
 */
export const MAX_WAITING_UPGRADES = 32;
export const UPGRADE_WAIT_MS = 10_000;
/** How often a waiting upgrade looks again for a slot whose turn ended (turns end on a clock, not on an event). */
export const UPGRADE_RETRY_MS = 50;
/**
 * Connections whose upgrade named the same known key id (`?k=`) and have not proven the key
 * yet: at most this many take reserved slots; later ones take unpaired slots (with their
 * eviction rules). The id is no secret, so this is what keeps one who replays it from filling
 * the reserved slots; a paired plugin proves its key within one round trip.
 */
export const MAX_PENDING_CLAIMS_PER_KEY = 2;
/**
 * The turn of an unpaired connection that has not failed a code: it keeps its slot this long
 * after each step that leaves the next move to the peer (the upgrade, our welcome, our answer
 * to its SPAKE2 share), and while a pairing attempt of its own is queued. A plugin takes each
 * next step within one round trip; a connection that failed a code has had its guess, and a
 * newcomer may always take its slot.
 */
export const UNPAIRED_MIN_LIFE_MS = 1000;
/** An unpaired connection that has not tried a code for this long is closed (the plugin reconnects). */
export const DEFAULT_UNPAIRED_IDLE_MS = 60_000;

/** After cutting a client off (reading paused), how long its close frame has to get out. */
export const CUT_OFF_GRACE_MS = 1000;

/** How long `close()` waits for the running job to notice its cancellation. */
export const SHUTDOWN_GRACE_MS = 5_000;

/** Tokens file inside the config directory (owner-only permissions). */
export const TOKENS_FILE_NAME = 'tokens.json';

/**
 * Least time between two `daemon-state` messages of the same state (download progress); a
 * change of state is sent at once, and the latest progress is sent when the interval ends.
 */
export const DAEMON_STATE_INTERVAL_MS = 500;

/** Log lines of one event per LOG_RATE_WINDOW_MS; the rest are counted in one `log-suppressed` line. */
export const LOG_MAX_LINES_PER_EVENT = 20;
export const LOG_RATE_WINDOW_MS = 1000;

/**
 * The Photopea plugin page (photopea-page.ts): the only paths the daemon's HTTP surface
 * answers, and the origins allowed to frame it (Photopea's, with and without www).
 */
export const PHOTOPEA_PAGE_PATH = LIMITS.PHOTOPEA_PAGE_PATH;
export const PHOTOPEA_ICON_PATH = `${LIMITS.PHOTOPEA_PAGE_PATH}icon.svg`;
export const DEFAULT_PHOTOPEA_FRAME_ANCESTORS = ['https://www.photopea.com', 'https://photopea.com'];
/** The loopback names a browser may use for the page (each is its own origin), as URL hosts (protocol/limits.ts). */
export const LOCAL_PAGE_HOSTS = LIMITS.LOOPBACK_HOSTS;

/**
 * Jobs that carry a placement (the editor's record of where their results go) belong to the
 * paired plugin, not to its connection, and live in `jobsDir` (job-store.ts): their inputs while
 * they run, the image of each stage's end (so a daemon restart resumes from the last stage), and
 * their results until the plugin says they are placed. Finished results wait at most
 * DEFAULT_WAITING_RESULT_MAX_AGE_MS, and at most DEFAULT_MAX_WAITING_RESULTS jobs or
 * DEFAULT_MAX_WAITING_RESULT_BYTES of result images together: past either, the oldest go first.
 * A week covers a designer's holiday-less week; 24 jobs and 1 GiB hold a day of Full-size
 * results (a 4096 px PNG is 20-40 MB) without filling a laptop's disk. A revoke deletes them
 * all at once.
 */
export const JOBS_DIR_NAME = 'jobs';
export const DEFAULT_WAITING_RESULT_MAX_AGE_MS = 7 * 24 * 3_600_000;
export const DEFAULT_MAX_WAITING_RESULTS = 24;
export const DEFAULT_MAX_WAITING_RESULT_BYTES = 1024 * 1024 * 1024;
/** How often expired results are looked for while the daemon runs (also at start and at each finish). */
export const WAITING_RESULT_SWEEP_MS = 3_600_000;
/** A job file larger than this is not read (a record holds a placement and a few numbers). */
export const MAX_JOB_RECORD_BYTES = 64 * 1024;
