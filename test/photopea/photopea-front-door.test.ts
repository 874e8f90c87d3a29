/**
 * The Photopea panel against the REAL team front door (issue 30; daemon/team/front-door.ts on a
 * real redis-server started by the test, test/support/redis-server.ts): the front door serves the
 * built panel over https, the fake Photopea (public https origin) frames it, and a designer pairs
 * with a real invite (`createInviteAsync`, as `atelier team invite NAME` makes it). What the stand-in
 * (team-stand-in.ts) claims about the front door is checked here against the real one: the panel's
 * page and its wss:// to its own host pass the front door's Host, Origin and CSP checks, and
 * pair.invite names the invite. Skips without redis-server, openssl or Chromium.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { createMemoryLogger } from '../../daemon/server/index.ts';
import { startFrontDoorAsync, type FrontDoor } from '../../daemon/team/front-door.ts';
import { createInviteAsync } from '../../daemon/team/invites.ts';
import { frontDoorRedis } from '../../daemon/team/redis-connection.ts';
import { ServerSecret } from '../../daemon/team/server-secret.ts';
import { listDesignersAsync } from '../../daemon/team/team-keys.ts';
import { LIMITS } from '../../protocol/index.ts';
import { CHROMIUM_PATH, skipWithoutPublicOrigin, type PublicOrigin } from '../support/public-origin.ts';
import { redisMissing, startRedisAsync, type TestRedis } from '../support/redis-server.ts';
import { CHROMIUM_ARGS } from '../plugin/browser/figma-site.ts';
import { IdleRunner, freePortAsync, selfSignedAsync } from '../team/front-door-support.ts';
import { serveFakePhotopeaAsync } from './fake-photopea/site.ts';

const skip = redisMissing() ?? skipWithoutPublicOrigin;

test('Photopea with the real front door: its https panel, wss to its own host, pairing with a real invite', { skip, timeout: 120_000 }, async () => {
  const work = await mkdtemp(join(tmpdir(), 'atelier-photopea-door-'));
  const logger = createMemoryLogger();
  const prefix = `pp:${randomBytes(3).toString('hex')}:`;
  const secret = ServerSecret.fromBytes(randomBytes(32));
  let redisServer: TestRedis | undefined;
  let redis: ReturnType<typeof frontDoorRedis> | undefined;
  let door: FrontDoor | undefined;
  let photopea: PublicOrigin | undefined;
  let browser: Browser | undefined;
  try {
    const served = await serveFakePhotopeaAsync(work);
    photopea = served.site;
    redisServer = await startRedisAsync();
    redis = frontDoorRedis(redisServer.url, logger, 'test');
    // A fixed port, as a studio runs it: the front door's own page origin (https://localhost:PORT,
    // allowed at its Origin check) is worked out from the port it is given, and port 0 reads as
    // https://localhost:0 (reported to C in /tmp/notes/requests.md).
    door = await startFrontDoorAsync({
      redisUrl: redisServer.url, prefix, secret, runner: new IdleRunner(), host: '127.0.0.1', port: await freePortAsync(),
      tls: await selfSignedAsync(work), publicHosts: ['localhost'], version: '0.1.0-test', logger,
      photopeaPageFile: served.panelPage, photopeaFrameAncestors: [photopea.origin], runnerPollMs: 100,
    });
    const invite = await createInviteAsync(redis, secret, 'Ana', { prefix });
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: [...CHROMIUM_ARGS, ...photopea.chromiumArgs] });
    const context = await browser.newContext({ viewport: { width: 1100, height: 640 } });
    await photopea.grantAsync(context);
    const page = await context.newPage();
    const pageUrl = `https://localhost:${door.port}${LIMITS.PHOTOPEA_PAGE_PATH}`;
    const sockets: string[] = [];
    page.on('websocket', (ws) => sockets.push(ws.url()));
    await page.goto(`${photopea.origin}/?plugin=${encodeURIComponent(pageUrl)}`);
    const panel = page.frameLocator('#plugin');
    await panel.locator('#panel-pairing').waitFor({ state: 'visible', timeout: 30_000 });
    assert.deepEqual([...new Set(sockets.map((u) => new URL(u).origin))], [`wss://localhost:${door.port}`], 'the panel dialed its own host over wss');
    assert.match(await panel.locator('#pair-intro').innerText(), /invite code/);
    await panel.locator('#pair-code').fill(invite.code);
    await panel.locator('#pair-submit').click();
    await panel.locator('#status-text').getByText('Connected · cpu').waitFor({ timeout: 15_000 });
    const [designer] = await listDesignersAsync(redis, prefix);
    assert.equal(designer?.name, 'Ana', 'the front door paired Ana by her invite');
    await context.close();
  } finally {
    await browser?.close();
    await door?.closeAsync();
    redis?.disconnect();
    await redisServer?.stopAsync();
    await photopea?.closeAsync();
    await rm(work, { recursive: true, force: true });
  }
});
