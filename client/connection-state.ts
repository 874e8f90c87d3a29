import type { DaemonStateInfo, WelcomeMessage } from '../protocol/index.ts';
import { RECONNECT_INITIAL_MS, RECONNECT_MAX_MS } from './limits.ts';

/**
 * Where the plugin stands with the daemon. The UI shows one panel per kind:
 * - connecting: first attempt, or reconnecting after the daemon went away;
 * - not-running: nothing listens on the port; retries on its own (`retryInMs`); `lastFailure`
 *   is why the daemon stopped, when it said so (a failed first-run setup);
 * - pairing-needed: the daemon answered but does not know this plugin yet (or the code was wrong);
 * - pairing: a code was sent, waiting for the answer;
 * - setting-up: paired, but the daemon is still setting up (first run: downloading its style
 *   model) or failed to; `setup` is its latest `daemon-state`; jobs cannot be sent yet;
 * - ready: paired and the daemon has its engine: jobs can be sent;
 * - version-mismatch: plugin and daemon speak different protocol versions; one must be updated.
 */
export type ConnectionState =
  | { kind: 'connecting'; reconnecting: boolean }
  | { kind: 'not-running'; attempt: number; retryInMs: number; lastFailure?: string }
  | { kind: 'pairing-needed'; error: string | null }
  | { kind: 'pairing' }
  | { kind: 'setting-up'; welcome: WelcomeMessage; setup: DaemonStateInfo }
  | { kind: 'ready'; welcome: WelcomeMessage }
  | { kind: 'version-mismatch'; message: string };

/** Delay before reconnect attempt `attempt` (1-based): doubling, capped. */
export function backoffMs(attempt: number): number {
  return Math.min(RECONNECT_MAX_MS, RECONNECT_INITIAL_MS * 2 ** Math.max(0, attempt - 1));
}
