/**
 * Where a server's pairings come from (issue 30): the local daemon's pairing window and
 * tokens.json, or a studio's invites and keys in Redis (`daemon/team/`). The connection code
 * knows only these two interfaces.
 */

/** Paired keys, looked up synchronously (at hello, at the proof, at the upgrade's hint). */
export interface KeyStore {
  /** The key paired under `id`, or null (unknown, revoked). */
  keyFor(id: string): Uint8Array | null;
  /** Whether an upgrade's key hint names a known pairing (it then takes a reserved slot). */
  knowsHint(hint: string): boolean;
  /** How many pairings exist. */
  readonly size: number;
}

/**
 * A pairing that could not be saved (a file not writable, Redis down): the plugin is told
 * `storage-failed` with this sentence, and the code stays usable. Any other rejection of
 * `issueAsync` is a bug (answered `internal`).
 */
export class PairingNotSavedError extends Error {
  constructor(
    message: string,
    /** For the log: what failed underneath (e.g. TokenStoreError's `tokens_unwritable`). */
    readonly detail: string,
  ) {
    super(message);
    this.name = 'PairingNotSavedError';
  }
}

/** The code held for one plugin once its confirmation checked out. */
export interface PairingSeat {
  /**
   * Saves the pairing's key; the id is the key id the plugin names from now on (and the owner of
   * its jobs). Rejects with PairingNotSavedError when it cannot be saved.
   */
  issueAsync(clientName: string, key: Uint8Array): Promise<{ id: string }>;
  /** The pairing was saved: the code is used up. */
  commit(): void;
  /** It could not be saved: the code stays usable. */
  release(): void;
}

/**
 * One turn for one `pair` share: the server answers with `secret` (the code); on the plugin's
 * confirmation it takes a `seat()` (right code; null when the code expired or another plugin
 * holds it) or calls `fail()` (a wrong code, or no confirmation: the peer had its one guess).
 */
export type PairingSourceTurn =
  | { ok: true; secret: string; fail(): void; seat(): PairingSeat | null }
  /** `message`: the designer's sentence (a team's "ask for a new invite"); without it, the local daemon's. */
  | { ok: false; code: 'pairing-closed'; message?: string };

export interface PairingSource {
  /**
   * A turn for a `pair` share, in order with every other connection's. `invite` is what a team
   * server's plugin sends beside its share to say which invite it answers (the code's first
   * digits; null from the local daemon's plugins, where one window has one code).
   */
  beginAsync(invite: string | null): Promise<PairingSourceTurn>;
}
