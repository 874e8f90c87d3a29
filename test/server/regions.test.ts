import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { REGIONS_CAPABILITY, type ImageRef, type StylizeMessage } from '../../protocol/index.ts';
import { assertMaskedResultAsync, rectMaskAsync, scaledRect, type Rect } from './region-images.ts';
import type { TestClient } from './test-client.ts';
import { createTestEngineAsync, pairedClientAsync, startTestDaemonAsync, testImageAsync, type TestDaemon } from './test-daemon.ts';

/**
 * Masked regions through the daemon's socket (issue 31): the real engine on small generated
 * weights, each request as a plugin sends it (a binary frame with the masks as images), each
 * result checked pixel by pixel against the content outside the regions.
 */

let made: Awaited<ReturnType<typeof createTestEngineAsync>>;
let daemon: TestDaemon;
before(async () => {
  made = await createTestEngineAsync();
  daemon = await startTestDaemonAsync(made.engine);
});
after(async () => {
  await daemon.stopAsync();
  await made.cleanupAsync();
});

const [W, H] = [48, 32];
/** Masks at half the content's size: a scaled copy, stretched by the daemon. */
const [MW, MH] = [24, 16];
const LEFT: Rect = [4, 4, 10, 12];
const RIGHT: Rect = [14, 2, 22, 14];
const ref = (id: string, mime: ImageRef['mime'], width: number, height: number): ImageRef => ({ id, mime, width, height });

interface Built {
  message: StylizeMessage;
  images: Map<string, Uint8Array>;
}

/** Two content images and two styles (JPEG stripes, PNG gradient), Adam, one stage at the content's size. */
async function requestAsync(requestId: string, over: Partial<StylizeMessage>, masks: Record<string, Uint8Array> = {}): Promise<Built> {
  const images = new Map<string, Uint8Array>([
    ['c0', await testImageAsync('content', W, H)],
    ['c1', await testImageAsync('style', W, H)],
    ['s0', await testImageAsync('style', 32, 32, 'jpeg')],
    ['s1', await testImageAsync('content', 32, 32)],
    ...Object.entries(masks),
  ]);
  return {
    message: {
      type: 'stylize',
      requestId,
      content: [ref('c0', 'image/png', W, H)],
      styles: [{ image: ref('s0', 'image/jpeg', 32, 32), weight: 1 }],
      options: { optimizer: 'adam', stages: 1, width: W, height: H, iterations: 4, progressEvery: 1, previewEvery: 0, seed: 3 },
      ...over,
    },
    images,
  };
}

/** Sends the request with only the images it names, and returns the job's results by content index once it completed. */
async function runAsync(client: TestClient, built: Built): Promise<Map<number, Uint8Array>> {
  const m = built.message;
  const ids = [...m.content.map((c) => c.id), ...m.styles.map((s) => s.image.id), ...(m.regions ?? []).map((r) => r.mask.id)];
  client.send(m, new Map(ids.map((id) => [id, built.images.get(id)!])));
  const { jobId } = (await client.waitForAsync('accepted', (a) => a.requestId === m.requestId)).message;
  const end = await client.waitForAsync('completed', (c) => c.jobId === jobId).catch(async () => {
    throw new Error(`job ${m.requestId} did not complete: ${JSON.stringify(client.messages().filter((x) => x.type === 'error'))}`);
  });
  assert.equal(end.message.jobId, jobId);
  const results = new Map<number, Uint8Array>();
  for (const r of client.received) if (r.message.type === 'result' && r.message.jobId === jobId) results.set(r.message.contentIndex, r.images.get('result')!);
  return results;
}

test('the paired welcome announces regions, and one masked region keeps every content pixel past a 2 px feather', async () => {
  const { client } = await pairedClientAsync(daemon.server);
  const welcome = client.messages().filter((m) => m.type === 'welcome').at(-1);
  assert.ok(welcome?.type === 'welcome' && welcome.capabilities.includes(REGIONS_CAPABILITY), 'a plugin sends masks only to a daemon that lists regions');
  const built = await requestAsync(
    'one-region',
    { regions: [{ content: 'c0', mask: ref('m0', 'image/png', MW, MH) }], featherPx: 2 },
    { m0: await rectMaskAsync(MW, MH, [LEFT]) },
  );
  const results = await runAsync(client, built);
  const kept = await assertMaskedResultAsync(results.get(0)!, built.images.get('c0')!, [scaledRect(LEFT, 2)], 2);
  assert.ok(kept > W * H * 0.6, `${kept} pixels checked as kept`);
  client.close();
});

test('two regions with a style each run as one job, and the content without regions in the same job is stylised whole, as without any', async () => {
  const { client } = await pairedClientAsync(daemon.server);
  const masks = { m0: await rectMaskAsync(MW, MH, [LEFT]), m1: await rectMaskAsync(MW, MH, [RIGHT]) };
  const built = await requestAsync(
    'two-regions',
    {
      content: [ref('c0', 'image/png', W, H), ref('c1', 'image/png', W, H)],
      styles: [{ image: ref('s0', 'image/jpeg', 32, 32), weight: 1 }, { image: ref('s1', 'image/png', 32, 32), weight: 1 }],
      regions: [
        { content: 'c1', mask: ref('m0', 'image/png', MW, MH), styles: ['s0'] },
        { content: 'c1', mask: ref('m1', 'image/png', MW, MH), styles: ['s1'] },
      ],
      featherPx: 1,
    },
    masks,
  );
  const results = await runAsync(client, built);
  await assertMaskedResultAsync(results.get(1)!, built.images.get('c1')!, [scaledRect(LEFT, 2), scaledRect(RIGHT, 2)], 1);

  // c0 has no region: the same two styles over the whole image, byte for byte as a job without regions.
  const plain = await requestAsync('no-regions', { styles: built.message.styles });
  const unmasked = await runAsync(client, plain);
  assert.deepEqual([...results.get(0)!], [...unmasked.get(0)!], 'the content without regions ran exactly as an unmasked job');
  client.close();
});

test('an all-black mask fails its job with bad-image and the engine\'s sentence; the connection goes on', async () => {
  const { client } = await pairedClientAsync(daemon.server);
  const built = await requestAsync('black', { regions: [{ content: 'c0', mask: ref('m0', 'image/png', MW, MH) }] }, { m0: await rectMaskAsync(MW, MH, []) });
  client.send(built.message, new Map(['c0', 's0', 'm0'].map((id) => [id, built.images.get(id)!])));
  const { jobId } = (await client.waitForAsync('accepted', (a) => a.requestId === 'black')).message;
  const error = (await client.waitForAsync('error', (e) => e.jobId === jobId)).message;
  assert.equal(error.code, 'bad-image');
  assert.equal(error.requestId, 'black');
  assert.match(error.message, /all black or transparent/);
  const next = await requestAsync('after-black', {});
  assert.equal((await runAsync(client, next)).size, 1);
  client.close();
});
