import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { MENU_COMMANDS, RELAUNCH_COMMANDS } from '../../plugin/main/index.ts';
import { DAEMON_URL } from '../../plugin/limits.ts';
import { FakeFigma } from './fake-figma/index.ts';
import { startPluginAsync } from './drive-plugin.ts';
import { ALLOWED_DOMAIN, figmaManifestSchema, manifestCommands } from './fake-figma/manifest-rules.ts';

const manifest = figmaManifestSchema.parse(JSON.parse(readFileSync(new URL('../../manifest.json', import.meta.url), 'utf8')));

test('Figma\'s allowedDomains rule: letter top-level domains and localhost pass, IP addresses do not', () => {
  for (const ok of ['ws://localhost:7878', 'https://my-app.cdn.com', 'wss://socket.io', '*.example.com', 'example.com/api/', 'localhost']) {
    assert.match(ok, ALLOWED_DOMAIN, ok);
  }
  for (const bad of ['ws://127.0.0.1:7878', 'http://[::1]:7878', 'ws://192.168.1.2', 'ws://atelier']) {
    assert.doesNotMatch(bad, ALLOWED_DOMAIN, bad);
  }
  const withIp = { ...manifest, networkAccess: { ...manifest.networkAccess, allowedDomains: ['ws://localhost:7878', 'ws://127.0.0.1:7878'] } };
  assert.equal(figmaManifestSchema.safeParse(withIp).success, false, 'Figma refuses such a manifest at import');
  const longReason = { ...manifest, networkAccess: { ...manifest.networkAccess, reasoning: 'x'.repeat(1000) } };
  assert.equal(figmaManifestSchema.safeParse(longReason).success, false);
});

test('manifest.json follows Figma\'s manifest rules and names the files and daemon port the code uses', () => {
  assert.equal(manifest.main, 'plugin/dist/code.js');
  assert.equal(manifest.ui, 'plugin/dist/ui.html');
  assert.deepEqual(manifest.editorType, ['figma']);
  // The plugin dials DAEMON_URL only; Figma's content security policy blocks what the manifest does not name.
  assert.deepEqual(manifest.networkAccess.allowedDomains, [DAEMON_URL]);
  assert.equal(manifest.networkAccess.devAllowedDomains, undefined, 'no second address the code would never dial');
  assert.ok(manifest.networkAccess.reasoning.length > 40 && manifest.networkAccess.reasoning.length < 1000);
  const commands = manifestCommands(manifest);
  assert.deepEqual([...commands].sort(), [...Object.values(MENU_COMMANDS), ...Object.values(RELAUNCH_COMMANDS)].sort());
});

test('every menu and relaunch command of the manifest is handled by the main code', async () => {
  for (const command of manifestCommands(manifest)) {
    const figma = new FakeFigma();
    const frame = figma.frame({ name: 'Card' });
    figma.currentPage.appendChild(frame);
    figma.select(frame);
    await startPluginAsync(figma, command);
    assert.doesNotMatch(figma.closedWith ?? '', /does not know/, command);
    assert.ok(figma.shownHtml !== null || typeof figma.closedWith === 'string', `${command}: the plugin showed its window or said what it did`);
  }
  const figma = new FakeFigma();
  await startPluginAsync(figma, 'renamed-in-manifest-only');
  assert.match(figma.closedWith ?? '', /does not know the command “renamed-in-manifest-only”/);
  assert.equal(figma.shownHtml, null);
});
