import { PAIRING_CODE_DIGITS } from './limits.ts';

/** Digits per group when a code is shown ("4821 0937"): two groups are read and typed more surely than eight in a row. */
const GROUP = 4;

/** A code as the tray, the terminal and the plugin show it: its digits in groups of four. */
export function formatPairingCode(code: string): string {
  return code.replace(new RegExp(`(\\d{${GROUP}})(?=\\d)`, 'g'), '$1 ');
}

/**
 * What the designer typed, as a code: digits only (spaces, dashes and dots a designer may type
 * between the groups are dropped), or null when it does not have PAIRING_CODE_DIGITS digits
 * or holds anything else.
 */
export function parsePairingCode(typed: string): string | null {
  const digits = typed.replace(/[\s.\-–]/g, '');
  return new RegExp(`^\\d{${PAIRING_CODE_DIGITS}}$`).test(digits) ? digits : null;
}
