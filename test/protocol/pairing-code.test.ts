import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LIMITS, formatPairingCode, parsePairingCode } from '../../protocol/index.ts';

test('a code is shown in two groups of four and read back from what a designer types', () => {
  assert.equal(LIMITS.PAIRING_CODE_DIGITS, 8);
  assert.equal(formatPairingCode('48210937'), '4821 0937');
  assert.equal(parsePairingCode(formatPairingCode('48210937')), '48210937');
  for (const typed of ['48210937', ' 4821 0937 ', '4821-0937', '4821.0937', '4821\u00a00937']) assert.equal(parsePairingCode(typed), '48210937', typed);
  // Six digits (a protocol-2 code), nine, letters, or nothing: not a code.
  for (const typed of ['482109', '482109371', '4821 093a', '', '    ', '٤٨٢١٠٩٣٧']) assert.equal(parsePairingCode(typed), null, typed);
});
