import type { ErrorCode, ProofContext, ServerMessage } from '../../protocol/index.ts';
import type { ServerContext } from './connection.ts';
import type { JobListener } from './job-relay.ts';
import { UNPAIRED_MIN_LIFE_MS } from './limits.ts';
import type { PairingSourceTurn } from './pairing-seam.ts';

/** Who said hello. */
export interface HelloClient {
  /** The plugin's name as its hello gave it (bound into SPAKE2 and the key proofs; a job's clientName). */
  name: string;
  /** `name/version`, for the log and the pairing's record. */
  label: string;
  /** It announced it reads `daemon-state` (and a welcome without an engine). */
  readsDaemonState: boolean;
}

/** Its welcome: sent, or held back from an older client until the runner is ready (see welcomeOrHold). */
export type WelcomeState = 'sent' | 'held' | 'held-bad-token';

/** A SPAKE2 exchange answered, waiting for the client's confirmation. */
export interface PendingPair {
  turn: Extract<PairingSourceTurn, { ok: true }>;
  key: Uint8Array;
  expected: Uint8Array;
}

/**
 * Where a connection stands, with the data of that phase only (the client's `Trust` union in
 * client/daemon-client.ts is the model). `since`: our last step that left the next move to the
 * peer (the upgrade, the welcome or challenge, a SPAKE2 answer), for the slot policy.
 */
export type Phase =
  | { name: 'awaiting-hello'; since: number }
  /**
   * Its hello named a known key: the server sent its proof and awaits the client's. `challenge`
   * is consumed by the first answer (or the clock): a later proof pairs nothing.
   */
  | { name: 'authenticating'; since: number; client: HelloClient; keyId: string; challenge: { key: Uint8Array; proof: ProofContext } | null }
  | { name: 'unpaired'; since: number; client: HelloClient; welcome: WelcomeState; wrongCodes: number; pendingPair: PendingPair | null; saving: boolean }
  | { name: 'paired'; client: HelloClient; keyId: string; welcome: WelcomeState }
  | { name: 'closed' };

export type PhaseOf<N extends Phase['name']> = Extract<Phase, { name: N }>;

/** What the upgrade said: its Host (bound into key proofs) and the known key id it named, if any. */
export interface UpgradeFacts {
  host: string;
  claimsKeyId: string | null;
}

/** What a phase handler may do with its connection. */
export interface PhaseHost {
  readonly id: string;
  readonly context: ServerContext;
  readonly upgrade: UpgradeFacts;
  /** The connection as its jobs' listener (one identity for its whole life). */
  readonly listener: JobListener;
  /** The socket closed meanwhile (checked after every await). */
  readonly isClosed: boolean;
  send(message: ServerMessage, images?: ReadonlyMap<string, Uint8Array>): void;
  sendError(code: ErrorCode, message: string, ids?: { requestId?: string; jobId?: string }): void;
  /** Closes by the server's decision: its slot is free at once. */
  leave(code: number, reason: string): void;
  /** The welcome for `paired`, or held back from an older client while the runner is not ready. */
  welcomeOrHold(client: HelloClient, paired: boolean, badToken: boolean): WelcomeState;
  /** (Re)starts an unpaired connection's clock: closed when it tries no code for a while. */
  armIdle(): void;
}

/** The slot facts of one connection, as pure functions of its phase (admission.ts reads them). */
export interface SlotView {
  phase: Phase;
  upgrade: UpgradeFacts;
  /** Being closed by the server. */
  leaving: boolean;
  /** Pairing attempts received and not yet answered (counted on receipt, before their turn). */
  pairInHand: number;
}

/** Being closed by the server, or closed: it no longer takes a slot. */
export function isLeaving(v: SlotView): boolean {
  return v.leaving || v.phase.name === 'closed';
}

/** Counts against the few unpaired slots: not paired, not on its way out, and no key named at its upgrade. */
export function holdsUnpairedSlot(v: SlotView): boolean {
  return v.upgrade.claimsKeyId === null && v.phase.name !== 'paired' && !isLeaving(v);
}

/** The key id its upgrade named while it has not proven the key yet (see MAX_PENDING_CLAIMS_PER_KEY). */
export function pendingClaim(v: SlotView): string | null {
  return v.upgrade.claimsKeyId !== null && v.phase.name !== 'paired' && !isLeaving(v) ? v.upgrade.claimsKeyId : null;
}

/**
 * Whether a newer unpaired connection may take this one's slot, in the order victims are
 * taken: 'guessed' (it failed a code, so it had its guess: even with another attempt queued),
 * 'idle' (past hello, nothing queued, and our last step, welcome or SPAKE2 answer, more than
 * UNPAIRED_MIN_LIFE_MS ago: a plugin answers within one round trip), 'silent' (no hello, or no
 * proof, that long after our last step), or no (its turn is not over). A pairing being saved
 * keeps its slot. So no connection holds a slot for longer than a few UNPAIRED_MIN_LIFE_MS by
 * its one guess.
 */
export function evictable(v: SlotView, now: number): 'guessed' | 'idle' | 'silent' | false {
  const { phase } = v;
  if (!holdsUnpairedSlot(v) || phase.name === 'paired' || phase.name === 'closed') return false;
  if (phase.name === 'unpaired' && phase.saving) return false;
  if (phase.name === 'unpaired' && phase.wrongCodes > 0) return 'guessed';
  if (v.pairInHand > 0 || now - phase.since < UNPAIRED_MIN_LIFE_MS) return false;
  return phase.name === 'unpaired' ? 'idle' : 'silent';
}
