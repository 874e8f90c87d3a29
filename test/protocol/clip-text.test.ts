import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LIMITS, clipText, placementSchema } from '../../protocol/index.ts';

test('clipText keeps text within the limit zod and Figma count (UTF-16 units), never splitting an emoji', () => {
  assert.equal(clipText('Hero', 10), 'Hero');
  assert.equal(clipText('abcdefghij', 5), 'abcd…');
  assert.equal(clipText('abcdefghij', 5, ''), 'abcde');
  // 🎨 is two code units: a cut in its middle drops it whole.
  assert.equal(clipText('ab🎨cd', 3, ''), 'ab');
  assert.equal(clipText('ab🎨cd', 4, ''), 'ab🎨');
  assert.equal(clipText('ab🎨cd', 4), 'ab…');
});

test('a label of emoji-named layers, clipped to the label limit, is one the protocol accepts', () => {
  const label = clipText(`${'🎨'.repeat(150)} · Starry Night`, LIMITS.MAX_PLACEMENT_LABEL_CHARS);
  assert.ok(label.length <= LIMITS.MAX_PLACEMENT_LABEL_CHARS);
  assert.ok(placementSchema.safeParse({ document: 'file-1', label, data: '{}' }).success);
  // Counting code points, as the three copies this replaced did, would not have been accepted.
  const byCodePoints = `${Array.from(`${'🎨'.repeat(150)} · Starry Night`).slice(0, LIMITS.MAX_PLACEMENT_LABEL_CHARS - 1).join('')}…`;
  assert.equal(placementSchema.safeParse({ document: 'file-1', label: byCodePoints, data: '{}' }).success, false);
});
