import { PROTOCOL_VERSION, bytesToHex, equalBytes, hexToBytes, spake2Context, spake2Respond } from '../../protocol/index.ts';
import { PAIRING_MAX_FAILURES_PER_CONNECTION } from './limits.ts';
import { PairingNotSavedError } from './pairing-seam.ts';
import type { Phase, PhaseHost, PhaseOf } from './phase.ts';
import { CLOSE_CODES } from './session.ts';

/**
 * An unpaired connection's pairing: one SPAKE2 share answered per turn of the pairing source
 * (one guess per share), then the plugin's confirmation. The code never travels.
 */

type Unpaired = PhaseOf<'unpaired'>;

/** Looks at a small unpaired text frame cheaply: is it a `pair`? (Validated properly in its turn.) */
export function looksLikePair(text: string): boolean {
  try {
    const raw: unknown = JSON.parse(text);
    return typeof raw === 'object' && raw !== null && (raw as { type?: unknown }).type === 'pair';
  } catch {
    return false;
  }
}

/** The SPAKE2 exchange in flight counts as a wrong code: its peer made its one guess. */
export function failPendingPair(host: PhaseHost, phase: Unpaired): boolean {
  const pending = phase.pendingPair;
  if (!pending) return false;
  phase.pendingPair = null;
  pending.turn.fail();
  host.context.logger.log('warn', 'pairing-failed', { connectionId: host.id, reason: 'no-confirmation' });
  return true;
}

/** Counts a wrong code on this connection; true when that was its last and it is closed. */
function countWrongCode(host: PhaseHost, phase: Unpaired, quiet = false): boolean {
  phase.wrongCodes += 1;
  const left = PAIRING_MAX_FAILURES_PER_CONNECTION - phase.wrongCodes;
  if (left <= 0) {
    host.sendError('bad-pairing-code', host.context.sentences.lastWrongCode);
    host.leave(CLOSE_CODES.tooManyCodes, 'too many wrong pairing codes');
    return true;
  }
  if (quiet) return false;
  host.sendError('bad-pairing-code', host.context.sentences.wrongCode(left));
  return false;
}

/** One SPAKE2 share: answered in its turn with the source's code. */
export async function pairShareAsync(host: PhaseHost, phase: Unpaired, share: string, invite: string | null): Promise<void> {
  host.armIdle();
  // A new share before confirming the last: that exchange was a guess, and a wrong one (the
  // client saw so from our confirmation and says nothing; only the last allowed is announced).
  if (failPendingPair(host, phase) && countWrongCode(host, phase, true)) return;
  const turn = await host.context.pairing.beginAsync(invite);
  if (host.isClosed) return;
  if (!turn.ok) {
    host.context.logger.log('warn', 'pairing-failed', { connectionId: host.id, reason: turn.code });
    return host.sendError('pairing-closed', turn.message ?? host.context.sentences.closed);
  }
  const answer = spake2Respond(turn.secret, spake2Context(PROTOCOL_VERSION, phase.client.name, host.upgrade.host), hexToBytes(share));
  if (!answer) {
    // Not a group element: no guess was made, and nothing about the code was sent.
    turn.seat()?.release();
    return host.sendError('bad-message', 'That pairing share is not a valid ristretto255 element.');
  }
  phase.pendingPair = { turn, key: answer.key, expected: answer.expectedConfirm };
  phase.since = performance.now();
  host.send({ type: 'pair-response', share: bytesToHex(answer.share), confirm: bytesToHex(answer.confirm) });
}

/** The plugin's confirmation: a right one saves the pairing and returns the paired phase. */
export async function pairConfirmAsync(host: PhaseHost, phase: Unpaired, confirm: string): Promise<Phase | null> {
  host.armIdle();
  const pending = phase.pendingPair;
  phase.pendingPair = null;
  if (!pending) {
    host.sendError('bad-message', 'No pairing exchange is waiting for a confirmation; send pair first.');
    return null;
  }
  if (!equalBytes(pending.expected, hexToBytes(confirm))) {
    pending.turn.fail();
    host.context.logger.log('warn', 'pairing-failed', { connectionId: host.id, reason: 'bad-pairing-code' });
    countWrongCode(host, phase);
    return null;
  }
  const seat = pending.turn.seat();
  if (!seat) {
    // Right code, but the window closed or another plugin is pairing with it right now.
    host.sendError('pairing-closed', host.context.sentences.codeGone);
    return null;
  }
  let issued: { id: string };
  phase.saving = true;
  try {
    issued = await seat.issueAsync(phase.client.label, pending.key);
  } catch (error) {
    seat.release();
    if (!(error instanceof PairingNotSavedError)) throw error;
    host.context.logger.log('error', 'pairing-not-saved', { connectionId: host.id, code: error.detail, detail: error.message });
    host.sendError('storage-failed', `${error.message} Then enter the same code again.`);
    return null;
  } finally {
    phase.saving = false;
  }
  seat.commit();
  if (host.isClosed) return null;
  host.context.logger.log('info', 'pairing-succeeded', { connectionId: host.id, tokenId: issued.id, client: phase.client.label });
  host.send({ type: 'paired', keyId: issued.id });
  // Its welcome said nothing of the server while it was unpaired: the full one now.
  return { name: 'paired', client: phase.client, keyId: issued.id, welcome: host.welcomeOrHold(phase.client, true, false) };
}
