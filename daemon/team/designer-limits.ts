/**
 * Designers of a studio's team server (issue 30): their keys and invites in Redis, the server
 * secret that seals them, and the front door's defaults. Every limit of daemon/team's designer
 * and front-door files lives here.
 */
import { LIMITS } from '../../protocol/index.ts';
import { SERVER_LIMITS } from '../server/index.ts';

const { DEFAULT_PAIRING_ATTEMPT_INTERVAL_MS, DEFAULT_PAIRING_WINDOW_MS } = SERVER_LIMITS;

/** Hash of paired keys: field = key id, value = a designer record (team-keys.ts) with the key sealed. */
export const DESIGNER_KEYS_KEY = 'designer:keys';
/** One hash per open invite, `invite:<slot>`, expiring with the invite. */
export const INVITE_KEY_PREFIX = 'invite:';
/** Pub/sub channel: a pairing was saved or a designer revoked; front doors reload their keys. */
export const DESIGNERS_CHANNEL = 'designers';
/** The environment variables team commands read when `--redis` / `--secret-file` are left out. */
export const REDIS_URL_ENV = 'ATELIER_REDIS_URL';
export const SECRET_FILE_ENV = 'ATELIER_TEAM_SECRET_FILE';

/**
 * How long an invite's code works: a designer told in the morning pairs by the end of the day.
 * The guess budget below, not this time, bounds the risk, so a day costs nothing in safety.
 */
export const INVITE_VALID_MS = 24 * 3_600_000;

/**
 * Wrong or unconfirmed answers one invite may give before it is burned (deleted).
 *
 * Why the risk per invite is at most the local pairing window's: a local window lasts
 * DEFAULT_PAIRING_WINDOW_MS (5 min) at one check per DEFAULT_PAIRING_ATTEMPT_INTERVAL_MS
 * (50 ms): at most LOCAL_WINDOW_GUESSES = 6,000 guesses of 10^8 codes, 6 in 100,000. An invite's
 * first INVITE_SLOT_DIGITS (2) digits travel in clear (`pair.invite`) and there are only 100 of
 * them, so count them as known: its secret is the other 6 digits, 10^6 codes. SPAKE2 lets each
 * answered share test exactly one code (protocol/spake2.ts), and every share answered for an
 * invite is counted against it in Redis *before* the answer goes out (invites.ts, an atomic
 * script), so crashes, closed sockets, several sockets and several front doors cannot add a
 * single guess: an invite gives at most INVITE_GUESS_BUDGET guesses in its whole life, 50 of
 * 10^6 = 5 in 100,000 ≤ 6 in 100,000. Its day of validity adds nothing (the budget is not per
 * hour). The price: someone who knows the slot can burn an invite with 50 wrong shares; the
 * designer then gets "burned" and the admin makes a new one (the log says so). The designer's
 * own typos fit easily in 50.
 */
export const INVITE_GUESS_BUDGET = 50;
/** The local window's guesses, against which INVITE_GUESS_BUDGET is set (see above). */
export const LOCAL_WINDOW_GUESSES = DEFAULT_PAIRING_WINDOW_MS / DEFAULT_PAIRING_ATTEMPT_INTERVAL_MS;
/** The secret digits of an invite's code (the rest names its slot). */
export const INVITE_SECRET_DIGITS = LIMITS.PAIRING_CODE_DIGITS - LIMITS.INVITE_SLOT_DIGITS;
/**
 * Invite turns, from every connection of one front door, are checked one at a time at most one
 * per this interval, as the local window's are: a flood of shares costs a core a seventh and
 * delays a designer's own code by a fraction of a second.
 */
export const INVITE_ATTEMPT_INTERVAL_MS = DEFAULT_PAIRING_ATTEMPT_INTERVAL_MS;

/**
 * A designer's name: what the admin types in `team invite NAME` / `team revoke NAME` and sees in
 * `team list`. Letters (any script), digits, spaces, dots, dashes, underscores and apostrophes.
 */
export const DESIGNER_NAME_PATTERN = /^[\p{L}\p{N}][\p{L}\p{N} ._'-]{0,63}$/u;
export const MAX_DESIGNER_NAME_LENGTH = 64;

/**
 * Front doors keep the designers' keys in memory (lookups are synchronous) and reload them at
 * every `designers` message and at least this often, so a message missed while Redis was away
 * (pub/sub does not queue) still takes effect within this time: a revoke closes connections
 * within it at the latest.
 */
export const DESIGNERS_REFRESH_MS = 15_000;

/** The server secret's file inside the config directory (0600): 32 random bytes, hex. */
export const SERVER_SECRET_FILE_NAME = 'team-secret';
export const SERVER_SECRET_BYTES = 32;

/**
 * How long a team command (invite, list, revoke) waits for Redis before it says it cannot reach
 * it, rather than retrying forever as a front door does.
 */
export const COMMAND_REDIS_TIMEOUT_MS = 5_000;

/**
 * The team server's address and port when `--host` / `--port` are left out: loopback, behind a
 * reverse proxy that terminates TLS (deploy/); any other address needs --tls-cert and --tls-key.
 * The port is the local daemon's plus one, so both run on one machine.
 */
export const DEFAULT_TEAM_HOST = '127.0.0.1';
export const DEFAULT_TEAM_PORT = 7879;

/**
 * A front door's open connections: a studio's designers each keep Figma and Photopea open, and
 * a reconnecting plugin may hold a second one for a moment. The local daemon's 16 are one person's.
 */
export const TEAM_MAX_CONNECTIONS = 256;
/**
 * How often a front door looks whether a GPU worker is alive (the runner's `info()`), to tell
 * paired plugins that jobs can (or can no longer) be computed. The runner itself reads the
 * workers' heartbeats (limits.ts WORKER_POLL_MS); this only passes the change on.
 */
export const RUNNER_POLL_MS = 1_000;
