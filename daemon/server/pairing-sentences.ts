/**
 * What a designer reads when pairing or a pairing's proof goes wrong. The local daemon's point
 * at its tray menu and terminal; a team server says where its codes come from (the invite its
 * admin made) through the hub's `sentences`.
 */
export interface PairingSentences {
  /** A wrong code; `left` more tries on this connection. */
  wrongCode(left: number): string;
  /** The last wrong code allowed on this connection: it closes. */
  lastWrongCode: string;
  /** No code can be tried now (the source's turn says so, unless it gives its own sentence). */
  closed: string;
  /** The right code, but it was used meanwhile or its window closed. */
  codeGone: string;
  /** A request before pairing. */
  notPaired: string;
  /** The hello named a key the server does not know (revoked, or another server's). */
  unknownKey: string;
  /** The key's proof failed (wrong, late, or the key revoked meanwhile). */
  authFailed: string;
}

export const LOCAL_PAIRING_SENTENCES: PairingSentences = {
  wrongCode: (left) => `That pairing code is wrong; check the code Atelier shows in its tray menu or terminal (${left} more ${left === 1 ? 'try' : 'tries'} on this connection).`,
  lastWrongCode: 'That pairing code is wrong too; check the code Atelier shows in its tray menu or terminal and try again.',
  closed: 'Pairing is closed. Choose “Pair a new plugin” in the Atelier tray menu (or press Enter in its terminal), then enter the code it shows.',
  codeGone: 'That code was just used or its pairing window closed. Choose “Pair a new plugin” in the Atelier tray menu (or press Enter in its terminal), then enter the new code.',
  notPaired: 'Pair with the Atelier daemon first: enter the code it shows in its tray menu or log.',
  unknownKey: 'The daemon does not know this plugin’s pairing (it was revoked or the daemon was reinstalled); pair again with the code the daemon shows.',
  authFailed: 'The daemon could not confirm this plugin’s pairing; pair again with the code the daemon shows.',
};
