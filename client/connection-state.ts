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
 * - version-mismatch: plugin and daemon speak different protocol versions; one must be updated;
 * - impostor: what answered claimed to know this plugin's pairing but could not prove it: not the
 *   Atelier app it paired with. Not retried on its own (only "Retry now").
 */
export type ConnectionState =
  | { kind: 'connecting'; reconnecting: boolean }
  | { kind: 'not-running'; attempt: number; retryInMs: number; lastFailure?: string }
  | { kind: 'pairing-needed'; error: string | null }
  | { kind: 'pairing' }
  | { kind: 'setting-up'; welcome: WelcomeMessage; setup: DaemonStateInfo }
  | { kind: 'ready'; welcome: WelcomeMessage }
  | { kind: 'version-mismatch'; message: string }
  | { kind: 'impostor'; message: string };

/** The impostor panel's title (the designer-facing words of the issue). */
export const IMPOSTOR_TITLE = 'This is not your Atelier app';
/** What the designer can do about it. */
export const IMPOSTOR_SENTENCE =
  'Another program answered on Atelier’s port and could not prove it is the Atelier app this plugin paired with. Quit programs you do not know, start Atelier from its tray or terminal, then choose Retry; nothing was sent to it.';
/** The same for a studio's team server: its proof of the key failed. */
export const TEAM_IMPOSTOR_SENTENCE =
  'What answered at the team server’s address could not prove it is the server this plugin paired with. Check the Team server address, ask whoever runs the server whether it was reinstalled, then choose Retry; nothing was sent to it.';
/** The daemon's confirmation did not match the code: a typo, or not the Atelier app. */
export const WRONG_CODE_SENTENCE =
  'That code is wrong (Atelier’s answer did not match it). Check the code Atelier shows in its tray menu or terminal and enter it again; if it is right, this may not be your Atelier app (quit programs you do not know and restart Atelier).';

/** The daemon's welcome once `state` is reached: its own, else the one known before (kept while reconnecting). */
export function welcomeAfter(state: ConnectionState, known: WelcomeMessage | null): WelcomeMessage | null {
  return state.kind === 'ready' || state.kind === 'setting-up' ? state.welcome : known;
}

/** Delay before reconnect attempt `attempt` (1-based): doubling, capped. */
export function backoffMs(attempt: number): number {
  return Math.min(RECONNECT_MAX_MS, RECONNECT_INITIAL_MS * 2 ** Math.max(0, attempt - 1));
}
