import { MAX_PENDING_CLAIMS_PER_KEY } from './limits.ts';

/** What the slot policy reads of a connection (ClientConnection's slot facts). */
export interface SlotHolder {
  /** Counts against the few unpaired slots: not paired, not on its way out, no key named at the upgrade. */
  readonly holdsUnpairedSlot: boolean;
  /** The key id its upgrade named while it has not proven the key yet. */
  readonly pendingClaim: string | null;
  /** Whether a newer unpaired connection may take its slot, and why (see ClientConnection.evictable). */
  readonly evictable: 'guessed' | 'idle' | 'silent' | false;
}

export interface AdmissionLimits {
  maxConnections: number;
  maxUnpairedConnections: number;
}

/**
 * A key id is a lookup id, not a proof, and anyone who saw one can replay it: a few claims per
 * known key wait for their proof at a time in slots reserved for paired plugins; more compete
 * for unpaired slots like anyone else.
 */
export function claimsReservedSlot(hint: string, active: readonly SlotHolder[], knowsHint: (hint: string) => boolean): boolean {
  return knowsHint(hint) && active.filter((c) => c.pendingClaim === hint).length < MAX_PENDING_CLAIMS_PER_KEY;
}

/** Every slot is taken and none by an unpaired connection that could give way: refused at once (503). */
export function full(active: readonly SlotHolder[], limits: AdmissionLimits): boolean {
  return active.length >= limits.maxConnections && !active.some((c) => c.holdsUnpairedSlot);
}

/**
 * Whether an upgrade that passed the checks gets a connection now: a reserved slot for a claim on
 * a known pairing, else a free unpaired slot or one whose holder's turn is over (failed guessers
 * first, then idle, then silent, oldest first each). `victim` is then to be evicted.
 */
export function admit<C extends SlotHolder>(active: readonly C[], claimsPairing: boolean, limits: AdmissionLimits): { admit: false } | { admit: true; victim: C | null } {
  const unpaired = active.filter((c) => c.holdsUnpairedSlot);
  if ((claimsPairing || unpaired.length < limits.maxUnpairedConnections) && active.length < limits.maxConnections) return { admit: true, victim: null };
  const victim = unpaired.find((c) => c.evictable === 'guessed') ?? unpaired.find((c) => c.evictable === 'idle') ?? unpaired.find((c) => c.evictable === 'silent');
  return victim ? { admit: true, victim } : { admit: false };
}
