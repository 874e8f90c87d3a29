/**
 * A studio's copy of the Figma plugin against the REAL team front door (issue 30;
 * daemon/team/front-door.ts on a real redis-server started by the test): the harness served as
 * figma.com is, the plugin built with --team-server for the front door's wss:// address, Local
 * Network Access allowed, a designer pairing with a real invite (`createInviteAsync`, as
 * `atelier team invite NAME`), its key kept in clientStorage under that server's address (not as
 * the local app's key). Checks against the real server what test/photopea/team-stand-in.ts stands in for.
 * Skips without redis-server, openssl or Chromium.
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
import { CHROMIUM_PATH, skipWithoutPublicOrigin, type PublicOrigin } from '../support/public-origin.ts';
import { redisMissing, startRedisAsync, type TestRedis } from '../support/redis-server.ts';
import { IdleRunner, freePortAsync, selfSignedAsync } from '../team/front-door-support.ts';
import { CHROMIUM_ARGS, serveFigmaHarnessAsync } from './browser/figma-site.ts';

const skip = redisMissing() ?? skipWithoutPublicOrigin;

test('Figma (a studio\'s copy) with the real front door: invite pairing, the key kept under that server\'s address', { skip, timeout: 120_000 }, async () => {
  const work = await mkdtemp(join(tmpdir(), 'atelier-figma-door-'));
  const logger = createMemoryLogger();
  const prefix = `fg:${randomBytes(3).toString('hex')}:`;
  const secret = ServerSecret.fromBytes(randomBytes(32));
  let redisServer: TestRedis | undefined;
  let redis: ReturnType<typeof frontDoorRedis> | undefined;
  let door: FrontDoor | undefined;
  let figma: PublicOrigin | undefined;
  let browser: Browser | undefined;
  try {
    redisServer = await startRedisAsync();
    redis = frontDoorRedis(redisServer.url, logger, 'test');
    door = await startFrontDoorAsync({
      redisUrl: redisServer.url, prefix, secret, runner: new IdleRunner(), host: '127.0.0.1', port: await freePortAsync(),
      tls: await selfSignedAsync(work), publicHosts: ['localhost'], version: '0.1.0-test', logger, runnerPollMs: 100,
    });
    const invite = await createInviteAsync(redis, secret, 'Ben', { prefix });
    figma = await serveFigmaHarnessAsync(work, `wss://localhost:${door.port}`);
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: [...CHROMIUM_ARGS, ...figma.chromiumArgs] });
    const context = await browser.newContext({ viewport: { width: 1180, height: 700 } });
    await figma.grantAsync(context);
    const page = await context.newPage();
    await page.goto(`${figma.origin}/?port=1`);
    const ui = page.frameLocator('#plugin');
    await ui.locator('#panel-pairing').waitFor({ state: 'visible', timeout: 30_000 });
    await ui.locator('#pair-code').fill(invite.code);
    await ui.locator('#pair-submit').click();
    await ui.locator('#status-text').getByText('Connected · cpu').waitFor({ timeout: 15_000 });
    const [designer] = await listDesignersAsync(redis, prefix);
    assert.equal(designer?.name, 'Ben');
    // Kept under the team server's address in clientStorage, not as the local app's key.
    type Harness = { harness: { key: () => string | null; teamKeys: () => string } };
    const stored = async () => page.evaluate(() => [(window as unknown as Harness).harness.key(), (window as unknown as Harness).harness.teamKeys()] as const);
    const [localKey, teamKeys] = await stored();
    assert.equal(localKey, null, 'no local key was stored');
    assert.deepEqual(Object.keys(JSON.parse(teamKeys) as object), [`wss://localhost:${door.port}`]);
    assert.equal((JSON.parse(teamKeys) as Record<string, { keyId: string }>)[`wss://localhost:${door.port}`]?.keyId, designer?.keyId);
    await context.close();
  } finally {
    await browser?.close();
    await door?.closeAsync();
    redis?.disconnect();
    await redisServer?.stopAsync();
    await figma?.closeAsync();
    await rm(work, { recursive: true, force: true });
  }
});
