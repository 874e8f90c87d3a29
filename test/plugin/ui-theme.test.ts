import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

const html = readFileSync(new URL('../../plugin/ui/ui.html', import.meta.url), 'utf8');
const css = html.slice(html.indexOf('<style>'), html.indexOf('</style>'));

test('every colour in the UI comes from Figma\'s --figma-color-* variables (themeColors), light values only as fallbacks', () => {
  const colour = /#[0-9a-f]{3,8}\b|rgba?\([^)]*\)|hsla?\([^)]*\)/gi;
  const offenders: string[] = [];
  for (const line of css.split('\n')) {
    // Allowed: `var(--figma-color-…, <fallback>)`, the fallback used outside Figma only.
    const stripped = line.replace(/var\(--figma-color-[a-z-]+,\s*(?:#[0-9a-f]{3,8}|rgba?\([^)]*\))\s*\)/gi, '');
    if (colour.test(stripped)) offenders.push(line.trim());
    colour.lastIndex = 0;
  }
  assert.deepEqual(offenders, []);
  for (const named of [/\bcolor:\s*(white|black)\b/i, /background:\s*(white|black)\b/i]) assert.doesNotMatch(css, named);
});

test('when the daemon cannot be reached the panel says what to check, browser permission included', () => {
  const panel = html.slice(html.indexOf('id="panel-not-running"'), html.indexOf('<!-- ATELIER_SHARED:connection-panels -->'));
  assert.match(panel, /npm start/);
  assert.match(panel, /local network access/);
  assert.match(panel, /figma\.com/);
  assert.match(panel, /desktop app/);
});
