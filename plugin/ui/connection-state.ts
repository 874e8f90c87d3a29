import type { WelcomeMessage } from '../../protocol/index.ts';
import { RECONNECT_INITIAL_MS, RECONNECT_MAX_MS } from '../limits.ts';

/**
 * Where the plugin stands with the daemon. The UI shows one panel per kind:
 * - connecting: first attempt, or reconnecting after the daemon went away;
 * - not-running: nothing listens on the port; retries on its own (`retryInMs`);
 * - pairing-needed: the daemon answered but does not know this plugin yet (or the code was wrong);
 * - pairing: a code was sent, waiting for the answer;
 * - ready: paired, jobs can be sent;
 * - version-mismatch: plugin and daemon speak different protocol versions; one must be updated.
 */
export type ConnectionState =
  | { kind: 'connecting'; reconnecting: boolean }
  | { kind: 'not-running'; attempt: number; retryInMs: number }
  | { kind: 'pairing-needed'; error: string | null }
  | { kind: 'pairing' }
  | { kind: 'ready'; welcome: WelcomeMessage }
  | { kind: 'version-mismatch'; message: string };

/** Delay before reconnect attempt `attempt` (1-based): doubling, capped. */
export function backoffMs(attempt: number): number {
  return Math.min(RECONNECT_MAX_MS, RECONNECT_INITIAL_MS * 2 ** Math.max(0, attempt - 1));
}
