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

test('when the daemon cannot be reached the panel says what to check, Chrome\'s local network prompt and Safari included', () => {
  const panel = html.slice(html.indexOf('id="panel-not-running"'), html.indexOf('<!-- ATELIER_SHARED:connection-panels -->'));
  const text = panel.replace(/<!--[\s\S]*?-->/g, '').replace(/<[^>]+>/g, '').replace(/\s+/g, ' ');
  assert.match(text, /npm start/);
  // Chrome/Edge 142+ (Local Network Access): the prompt as worded for figma.com, and where its
  // answer is kept (what users of other local-bridge plugins had to allow: ecomfe/tempad-dev#136).
  assert.match(text, /Chrome or Edge \(142 or later\)/);
  assert.match(text, /“www\.figma\.com wants to access apps on this device”/);
  assert.match(text, /site settings of figma\.com, allow “Apps on device” and “Local network”/);
  // The desktop app is Electron (electron/electron#48655): no promise that it needs nothing.
  assert.match(text, /desktop app is built on Electron \(Chromium\), which makes the same check/);
  assert.doesNotMatch(text, /needs no permission/);
  // Safari refuses ws://localhost from an https page (WebKit bug 171934): another browser, said plainly.
  assert.match(text, /Safari cannot reach Atelier: .*Use the Figma desktop app, Chrome, Edge or Firefox\./);
});
