/**
 * A studio's copy of the Figma plugin (issue 30): `npm run build -- --team-server wss://HOST[:PORT]`
 * writes its own manifest (plugin/dist/studio/, the committed manifest.json untouched) naming the
 * server beside the local app, checked against Figma's manifest rules (fake-figma/manifest-rules.ts,
 * from Figma's import validator); its built main code, run in the node:vm sandbox with only
 * Figma's globals, dials that server, keeps one pairing key per server, and never hands the local
 * app's key to the team server (or the reverse).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildPluginAsync } from '../../plugin/index.ts';
import { buildStudioPluginAsync, studioManifestAsync, studioTeamServer, teamServerArgument } from '../../plugin/build.ts';
import { DAEMON_URL, SETTINGS_KEY } from '../../plugin/limits.ts';
import type { StoredKey } from '../../client/key-store.ts';
import { FakeFigma } from './fake-figma/index.ts';
import { PluginDriver } from './drive-plugin.ts';
import { runInFigmaSandbox } from './fake-figma/sandbox.ts';
import { figmaManifestSchema } from './fake-figma/manifest-rules.ts';

const TEAM = 'wss://atelier.studio.example:8443';
const LOCAL_KEY: StoredKey = { keyId: '0123456789abcdef', key: 'ab'.repeat(32) };
const TEAM_KEY: StoredKey = { keyId: 'fedcba9876543210', key: 'cd'.repeat(32) };

async function buildAsync(teamServer: string | null): Promise<{ code: string; dir: string; files: string[] }> {
  const dir = await mkdtemp(join(tmpdir(), 'atelier-studio-'));
  const out = teamServer === null ? await buildPluginAsync({ outDir: dir }) : await buildStudioPluginAsync(teamServer, dir);
  return { code: await readFile(out.code, 'utf8'), dir, files: (await readdir(dir)).sort() };
}

const studio = buildAsync(TEAM);
const plain = buildAsync(null);

test.after(async () => {
  for (const build of [await studio, await plain]) await rm(build.dir, { recursive: true, force: true });
});

test('the studio\'s manifest passes Figma\'s rules, names the team server beside the local app, and its files lie beside it', async () => {
  const committed = await readFile(new URL('../../manifest.json', import.meta.url), 'utf8');
  const { dir, files } = await studio;
  assert.deepEqual(files, ['code.js', 'manifest.json', 'ui.html']);
  const manifest = figmaManifestSchema.parse(JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')));
  assert.deepEqual(manifest.networkAccess.allowedDomains, [DAEMON_URL, TEAM]);
  assert.equal(manifest.main, 'code.js');
  assert.equal(manifest.ui, 'ui.html');
  assert.match(manifest.networkAccess.reasoning, /atelier\.studio\.example:8443/);
  assert.equal(await readFile(new URL('../../manifest.json', import.meta.url), 'utf8'), committed, 'a studio build leaves the committed manifest as it is');
});

test('--team-server refuses what Figma\'s import would refuse, and what browsers would, with the reason', async () => {
  // Figma's validator refuses IP addresses and names without a letter top-level domain:
  // the build says so before a studio ships a manifest Figma will not import.
  for (const address of ['wss://10.0.4.20:8443', 'wss://atelier:8443', 'wss://[fd00::20]:8443']) {
    const checked = studioTeamServer(address);
    assert.ok(!checked.ok && /host names/.test(checked.message), address);
    const manifest = await studioManifestAsync(address);
    assert.equal(figmaManifestSchema.safeParse(manifest).success, false, `${address}: Figma refuses it too`);
  }
  for (const address of [TEAM, 'wss://atelier.studio.lan', 'ws://localhost:9443']) {
    assert.ok(studioTeamServer(address).ok, address);
    assert.equal(figmaManifestSchema.safeParse(await studioManifestAsync(address)).success, true, address);
  }
  assert.match((studioTeamServer('ws://atelier.studio.example') as { message: string }).message, /wss:\/\/atelier\.studio\.example/);
  assert.match((studioTeamServer('') as { message: string }).message, /needs an address/);
  await assert.rejects(buildStudioPluginAsync('https://atelier.studio.example'), /Use wss:\/\//);
  // npm hands `npm run build -- …` to the script's last command: both spellings are read.
  assert.equal(teamServerArgument(['--minify', '--team-server', TEAM]), TEAM);
  assert.equal(teamServerArgument([`--team-server=${TEAM}`]), TEAM);
  assert.equal(teamServerArgument(['--minify']), null);
});

/** The built bundle in Figma's sandbox, with `settings` already in clientStorage. */
async function runAsync(code: string, settings: object | undefined): Promise<{ figma: FakeFigma; ui: PluginDriver }> {
  const figma = new FakeFigma();
  figma.command = 'apply';
  if (settings) figma.storage.set(SETTINGS_KEY, settings);
  const ui = new PluginDriver(figma);
  const run = runInFigmaSandbox(code, figma, '<html>ui</html>');
  assert.equal(run.loadError, null, String(run.loadError));
  ui.send({ type: 'ui-ready' });
  return { figma, ui };
}

test('the studio\'s copy dials its team server by default, and keeps one key per server', async () => {
  const { figma, ui } = await runAsync((await studio).code, { key: LOCAL_KEY });
  const init = await ui.next('init');
  assert.equal(init.daemonUrl, TEAM);
  assert.equal(init.teamServer, TEAM);
  assert.equal(init.key, null, 'the local app\'s key is not offered to the team server');

  ui.send({ type: 'store-key', server: TEAM, key: TEAM_KEY });
  ui.send({ type: 'set-team-server', address: null });
  const local = await ui.next('server');
  assert.deepEqual(local, { type: 'server', teamServer: null, daemonUrl: DAEMON_URL, key: LOCAL_KEY });

  ui.send({ type: 'set-team-server', address: TEAM });
  const team = await ui.next('server');
  assert.deepEqual(team, { type: 'server', teamServer: TEAM, daemonUrl: TEAM, key: TEAM_KEY });

  // Forgotten (the team server revoked it): only that server's key goes.
  ui.send({ type: 'store-key', server: TEAM, key: null });
  ui.send({ type: 'set-team-server', address: null });
  assert.deepEqual((await ui.next('server')).key, LOCAL_KEY);
  const stored = figma.storage.get(SETTINGS_KEY) as { key: StoredKey; teamKeys: Record<string, StoredKey>; teamServer: string | null };
  assert.deepEqual([stored.key, stored.teamKeys, stored.teamServer], [LOCAL_KEY, {}, null]);

  // A server this copy's manifest does not name: Figma would block it, so the plugin says why.
  ui.send({ type: 'set-team-server', address: 'wss://other.studio.example' });
  const problem = await ui.next('problem');
  assert.equal(problem.code, 'team-server-blocked');
  assert.match(problem.message, /atelier\.studio\.example:8443/);
});

test('a key filed under a spelling that is not an address\'s one written form is refused at the bridge', async () => {
  const { figma, ui } = await runAsync((await studio).code, undefined);
  await ui.next('init');
  ui.send({ type: 'store-key', server: 'wss://ATELIER.studio.example:8443/', key: TEAM_KEY });
  ui.send({ type: 'set-team-server', address: TEAM });
  assert.equal((await ui.next('server')).key, null);
  assert.deepEqual((figma.storage.get(SETTINGS_KEY) as { teamKeys: object }).teamKeys, {});
});

test('the plain copy cannot reach a team server: one chosen with the studio\'s copy (same plugin id) falls back to the local app and its key', async () => {
  const { ui } = await runAsync((await plain).code, { key: LOCAL_KEY, teamServer: TEAM, teamKeys: { [TEAM]: TEAM_KEY } });
  const init = await ui.next('init');
  assert.deepEqual([init.daemonUrl, init.teamServer, init.key], [DAEMON_URL, null, LOCAL_KEY]);
  ui.send({ type: 'set-team-server', address: TEAM });
  const problem = await ui.next('problem');
  assert.match(problem.message, /only the Atelier app on this computer/);
});
