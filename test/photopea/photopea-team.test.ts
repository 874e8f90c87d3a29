/**
 * The Photopea panel served by a studio's team server (issue 30), in headless Chromium: the fake
 * Photopea (test/photopea/fake-photopea/) served from a public https origin frames the REAL built
 * panel from the team stand-in (team-stand-in.ts, https on a loopback address: a "local" request
 * for Chrome's Local Network Access, granted as the designer's Allow, as for the app on this
 * computer). The panel must dial wss://<its own host>/ (the page over https: ws:// would be mixed
 * content), pair with an invite code (the code's first digits in pair.invite), keep that key for
 * that server only, say so when the server cannot be reached, and move to another server's panel
 * from its Team server field. Screenshots: .tmp/screens/photopea-team-*.png.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { serveFakePhotopeaAsync } from './fake-photopea/site.ts';
import { panelDaemonUrl, panelPageUrl, panelTarget } from '../../photopea/panel-server.ts';
import { CHROMIUM_PATH, skipWithoutPublicOrigin, type PublicOrigin } from '../support/public-origin.ts';
import { CHROMIUM_ARGS } from '../plugin/browser/figma-site.ts';
import { startTeamStandInAsync, type TeamStandIn } from './team-stand-in.ts';

const here = fileURLToPath(new URL('.', import.meta.url));
const screenshotDir = process.env.ATELIER_SCREENSHOT_DIR ?? join(here, '..', '..', '.tmp', 'screens');
const CODE = '27418305';

test('the panel derives its server from its own page: wss:// for a team server\'s https page, ws:// for the app on this computer', () => {
  const team = { protocol: 'https:', host: 'atelier.studio.example:8443', hostname: 'atelier.studio.example' };
  assert.equal(panelDaemonUrl(team), 'wss://atelier.studio.example:8443/');
  assert.deepEqual(panelTarget(team), { kind: 'team', address: 'wss://atelier.studio.example:8443' });
  const local = { protocol: 'http:', host: 'localhost:7878', hostname: 'localhost' };
  assert.equal(panelDaemonUrl(local), 'ws://localhost:7878/');
  assert.deepEqual(panelTarget(local), { kind: 'local' });
  assert.deepEqual(panelTarget({ protocol: 'http:', host: '127.0.0.1:9000', hostname: '127.0.0.1' }), { kind: 'local' }, 'the app started on another port');
  assert.equal(panelPageUrl('wss://atelier.studio.example:8443'), 'https://atelier.studio.example:8443/photopea/');
  assert.equal(panelPageUrl(null), 'http://localhost:7878/photopea/');
});

test('Photopea with a team server\'s panel: wss to its own host, invite pairing, its own key, unreachable, another server', { skip: skipWithoutPublicOrigin, timeout: 120_000 }, async () => {
  const work = await mkdtemp(join(tmpdir(), 'atelier-photopea-team-'));
  let browser: Browser | undefined;
  let photopea: PublicOrigin | undefined;
  let team: TeamStandIn | undefined;
  try {
    const served = await serveFakePhotopeaAsync(work);
    photopea = served.site;
    team = await startTeamStandInAsync({ pageFile: served.panelPage, frameAncestors: [photopea.origin], inviteCodes: ['11111111', CODE] });
    // Only Photopea's stand-in is public; the team server is on a local address, as on a LAN.
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: [...CHROMIUM_ARGS, ...photopea.chromiumArgs] });
    await mkdir(screenshotDir, { recursive: true });
    const context = await browser.newContext({ viewport: { width: 1100, height: 640 } });
    await photopea.grantAsync(context);
    const page = await context.newPage();
    await page.goto(`${photopea.origin}/?plugin=${encodeURIComponent(team.pageUrl)}`);
    const panel = page.frameLocator('#plugin');

    // The page over https dials wss:// on its own host (the stand-in speaks TLS only).
    await panel.locator('#panel-pairing').waitFor({ state: 'visible', timeout: 30_000 });
    const first = team.upgrades[0]!;
    assert.deepEqual([first.host, first.origin, first.refused], [team.host, team.origin, null]);
    assert.match(await panel.locator('#pair-intro').innerText(), new RegExp(`studio’s Atelier server at ${team.host.replace(/\./g, '\\.')}.*invite code.*atelier team invite`));
    assert.equal(await panel.locator('#server-summary').innerText(), team.host);
    assert.equal(await panel.locator('#server-address').inputValue(), team.address);
    await page.screenshot({ path: join(screenshotDir, 'photopea-team-pairing.png') });

    // The invite code: its first digits name the invite, the whole code is SPAKE2's password.
    await panel.locator('#pair-code').fill('2741 8305');
    await panel.locator('#pair-submit').click();
    await panel.locator('#status-text').getByText('Connected · cpu').waitFor({ timeout: 15_000 });
    const pair = team.received.find((m) => m.type === 'pair');
    assert.ok(pair?.type === 'pair' && pair.invite === '27', JSON.stringify(pair));
    assert.deepEqual(team.protocolErrors, []);

    // Reloaded, the panel proves the key it keeps for this server (IndexedDB under the team page's origin).
    const paired = team.received.filter((m) => m.type === 'hello').length;
    await page.reload();
    await panel.locator('#status-text').getByText('Connected · cpu').waitFor({ timeout: 15_000 });
    const hello = team.received.filter((m) => m.type === 'hello').at(-1);
    assert.ok(team.received.filter((m) => m.type === 'hello').length > paired && hello?.type === 'hello' && hello.auth, 'the reloaded panel named its key');
    assert.ok(team.received.some((m) => m.type === 'auth'), 'and proved it');

    // Issue 31: this server's welcome has no `regions`: a mask would be dropped and the whole
    // layer painted, so the panel says so and Apply stays off until Mask is None again.
    await panel.locator('#style-layer').selectOption({ label: 'Starry Night' });
    await panel.locator('#mask-kind').selectOption('selection');
    await panel.locator('#mask-note', { hasText: 'This Atelier cannot keep part of a layer unstyled: update Atelier on the computer that runs it, or set Mask to None.' }).waitFor();
    assert.equal(await panel.locator('#apply').isDisabled(), true);
    assert.match(await panel.locator('#apply-hint').innerText(), /cannot keep part of a layer unstyled/);
    await page.screenshot({ path: join(screenshotDir, 'photopea-team-no-regions.png') });
    await panel.locator('#mask-kind').selectOption('none');
    await panel.locator('#apply:not([disabled])').waitFor();
    assert.equal(await panel.locator('#mask-note').isVisible(), false);
    assert.ok(!team.received.some((m) => m.type === 'stylize'), 'no job was sent');

    // A bad address in the field: a sentence, and the panel stays.
    await panel.locator('#server-setting summary').click();
    await panel.locator('#server-address').fill('ws://atelier.studio.example');
    await panel.locator('#server-use').click();
    assert.match(await panel.locator('#server-error').innerText(), /unencrypted ws:\/\/.*use wss:\/\/atelier\.studio\.example instead/);

    // The server goes away: the panel says which server, and what to check.
    team.goAway();
    await panel.locator('#not-running-team').waitFor({ state: 'visible', timeout: 30_000 });
    assert.equal(await panel.locator('#status-text').innerText(), 'Can’t reach the team server');
    const view = (await panel.locator('#panel-not-running').innerText()).replace(/\s+/g, ' ');
    assert.match(view, new RegExp(`Can’t reach your studio’s Atelier server at ${team.host.replace(/\./g, '\\.')}`));
    assert.match(view, /devices on your local network/);
    assert.equal(await panel.locator('#not-running-body').isVisible(), false, 'not the words about the app on this computer');
    await page.screenshot({ path: join(screenshotDir, 'photopea-team-unreachable.png') });

    // Emptied, the field moves the panel to the app on this computer's own page.
    const toLocal = page.waitForRequest((r) => r.url() === panelPageUrl(null), { timeout: 15_000 });
    await panel.locator('#server-address').fill('');
    await panel.locator('#server-use').click();
    await toLocal;
    await context.close();
  } finally {
    await browser?.close();
    await team?.closeAsync();
    await photopea?.closeAsync();
    await rm(work, { recursive: true, force: true });
  }
});
