/**
 * A studio's copy of the Figma plugin against a team server (issue 30), in headless Chromium: the
 * harness served as figma.com is (public https origin), the plugin built with --team-server for a
 * team stand-in (test/photopea/team-stand-in.ts: wss only, Host and Origin checked, frames parsed
 * by the protocol, SPAKE2 on invite codes) on a local address, as a studio server on the LAN is.
 * - Local Network Access blocked: the window cannot reach the team server and says which one and
 *   what to allow (Chrome counts a LAN server as "local network", as it counts the app on this
 *   computer); the server sees nothing.
 * - Allowed: the window dials the built-in server, pairs with an invite code (its first digits in
 *   pair.invite), and its Team server field refuses an address this copy's manifest does not name.
 * Screenshots: .tmp/screens/plugin-team-*.png.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext } from 'playwright-core';
import { CHROMIUM_PATH, skipWithoutPublicOrigin, type PublicOrigin } from '../support/public-origin.ts';
import { CHROMIUM_ARGS, serveFigmaHarnessAsync } from './browser/figma-site.ts';
import { startTeamStandInAsync, type TeamStandIn } from '../photopea/team-stand-in.ts';

const here = fileURLToPath(new URL('.', import.meta.url));
const screenshotDir = process.env.ATELIER_SCREENSHOT_DIR ?? join(here, '..', '..', '.tmp', 'screens');
const VIEWPORT = { width: 1180, height: 700 };
const CODE = '27418305';

test('Figma with a studio\'s copy: the team server behind Local Network Access, then invite pairing', { skip: skipWithoutPublicOrigin, timeout: 120_000 }, async () => {
  const work = await mkdtemp(join(tmpdir(), 'atelier-figma-team-'));
  let browser: Browser | undefined;
  let figma: PublicOrigin | undefined;
  let team: TeamStandIn | undefined;
  try {
    // Figma's manifest takes a host name (or localhost), not an IP address.
    team = await startTeamStandInAsync({ hostname: 'localhost', inviteCodes: [CODE] });
    figma = await serveFigmaHarnessAsync(work, team.address);
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: [...CHROMIUM_ARGS, ...figma.chromiumArgs] });
    await mkdir(screenshotDir, { recursive: true });
    const open = async (context: BrowserContext) => {
      const page = await context.newPage();
      const consoleErrors: string[] = [];
      page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(m.text()); });
      // No daemon port: the team server is this copy's own address, which the harness leaves alone.
      await page.goto(`${figma!.origin}/?port=1`);
      return { page, ui: page.frameLocator('#plugin'), consoleErrors };
    };

    // Blocked: the server runs, but the browser keeps figma.com's window from the local network.
    const blocked = await browser.newContext({ viewport: VIEWPORT });
    await figma.denyAsync(blocked);
    const denied = await open(blocked);
    await denied.ui.locator('#not-running-team').waitFor({ state: 'visible', timeout: 30_000 });
    assert.equal(await denied.ui.locator('#status-text').textContent(), 'Can’t reach the team server');
    const view = (await denied.ui.locator('#panel-not-running').innerText()).replace(/\s+/g, ' ');
    assert.match(view, new RegExp(`Can’t reach your studio’s Atelier server at ${team.host}`));
    assert.match(view, /“devices on your local network”: choose Allow/);
    assert.equal(await denied.ui.locator('#not-running-body').isVisible(), false, 'not the words about the app on this computer');
    assert.ok(denied.consoleErrors.some((e) => e.includes('ERR_BLOCKED_BY_LOCAL_NETWORK_ACCESS_CHECKS')), `blocked by Local Network Access:\n${denied.consoleErrors.join('\n')}`);
    assert.equal(team.upgrades.length, 0, 'the team server never saw the window');
    await denied.page.screenshot({ path: join(screenshotDir, 'plugin-team-lna-blocked.png') });
    await blocked.close();

    // Allowed: the built-in server, an invite code, connected.
    const allowed = await browser.newContext({ viewport: VIEWPORT });
    await figma.grantAsync(allowed);
    const granted = await open(allowed);
    const ui = granted.ui;
    await ui.locator('#panel-pairing').waitFor({ state: 'visible', timeout: 30_000 });
    assert.deepEqual([team.upgrades[0]?.host, team.upgrades[0]?.origin, team.upgrades[0]?.refused], [team.host, 'null', null]);
    assert.match(await ui.locator('#pair-intro').innerText(), /invite code/);
    assert.equal(await ui.locator('#server-summary').innerText(), team.host);
    await granted.page.screenshot({ path: join(screenshotDir, 'plugin-team-pairing.png') });
    await ui.locator('#pair-code').fill(CODE);
    await ui.locator('#pair-submit').click();
    await ui.locator('#status-text').getByText('Connected · cpu').waitFor({ timeout: 15_000 });
    const pair = team.received.find((m) => m.type === 'pair');
    assert.ok(pair?.type === 'pair' && pair.invite === '27', JSON.stringify(pair));
    assert.deepEqual(team.protocolErrors, []);

    // An address this copy's manifest does not name: Figma would block it without a word.
    await ui.locator('#server-setting summary').click();
    await ui.locator('#server-address').fill('wss://other.studio.example');
    await ui.locator('#server-use').click();
    assert.match(await ui.locator('#server-error').innerText(), new RegExp(`may reach only ${team.host} and the Atelier app on this computer`));
    await granted.page.screenshot({ path: join(screenshotDir, 'plugin-team-connected.png') });
    await allowed.close();
  } finally {
    await browser?.close();
    await team?.closeAsync();
    await figma?.closeAsync();
    await rm(work, { recursive: true, force: true });
  }
});
