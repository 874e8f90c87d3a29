import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { MEMORY_LIMITS, type Engine } from '../../daemon/engine/index.ts';
import { TestClient } from './test-client.ts';
import { createTestEngineAsync, pairedClientAsync, startTestDaemonAsync, type TestDaemon } from './test-daemon.ts';

let engine: Engine;
let cleanupAsync: () => Promise<void>;
const daemons: TestDaemon[] = [];

before(async () => {
  ({ engine, cleanupAsync } = await createTestEngineAsync());
});

after(async () => {
  for (const d of daemons) await d.stopAsync();
  await cleanupAsync();
});

async function daemonWithBudgetAsync(memoryBudgetMB: number): Promise<TestDaemon> {
  const daemon = await startTestDaemonAsync(engine, { memoryBudgetMB });
  daemons.push(daemon);
  return daemon;
}

// The classic preset's pyramid at the layer's full 4096×3072 (Figma's cap is 4096 px a side).
const FULL = { type: 'estimate', requestId: 'est-1', width: 4096, height: 3072, options: { preset: 'classic', width: 4096, height: 3072 } } as const;

test('a paired client is told the daemon announces estimate, and a 4096×3072 job under 8192 MB is tiled within the budget', async () => {
  // Whole, the top stage would need tens of GB; 8192 MB holds it in windows.
  const daemon = await daemonWithBudgetAsync(8192);
  const { client } = await pairedClientAsync(daemon.server);
  client.send(FULL);
  const reply = (await client.waitForAsync('estimate-result')).message;
  assert.equal(reply.requestId, 'est-1');
  assert.equal(reply.budgetMB, 8192);
  assert.ok(reply.fits, reply.fits ? '' : reply.message);
  const top = reply.stages.at(-1)!;
  assert.deepEqual([top.width, top.height], [4096, 3072]);
  assert.equal(top.plan, 'tiled');
  assert.ok((top.tiles ?? 0) > 1);
  assert.ok(reply.peakMB <= 8192 * MEMORY_LIMITS.planningShare, `${reply.peakMB} MB planned inside the planning share of 8192 MB`);
  assert.ok(reply.seconds > 0);
  client.close();
});

test('an estimate the budget cannot hold says so with the MB needed', async () => {
  const daemon = await daemonWithBudgetAsync(MEMORY_LIMITS.minBudgetMB);
  const { client } = await pairedClientAsync(daemon.server);
  client.send({ ...FULL, requestId: 'est-2' });
  const reply = (await client.waitForAsync('estimate-result')).message;
  assert.equal(reply.requestId, 'est-2');
  assert.equal(reply.fits, false);
  assert.ok(!reply.fits);
  const needed = /needs at least (\d+) MB and the memory budget is 1024 MB/.exec(reply.message);
  assert.ok(needed, reply.message);
  assert.ok(Number(needed[1]) > 1024);
  client.close();
});

test('the paired welcome announces estimate and an unpaired connection may not ask', async () => {
  const daemon = await daemonWithBudgetAsync(4096);
  const { client: paired } = await pairedClientAsync(daemon.server);
  const welcome = paired.messages().find((m) => m.type === 'welcome' && m.paired);
  assert.ok(welcome?.type === 'welcome' && welcome.capabilities.includes('estimate'));
  paired.close();
  const client = await TestClient.connectAsync(daemon.server.url);
  client.hello();
  assert.deepEqual((await client.waitForAsync('welcome')).message.capabilities, [], 'unpaired: no capabilities');
  client.send(FULL);
  const error = (await client.waitForAsync('error')).message;
  assert.equal(error.code, 'not-paired');
  assert.equal(client.received.some((r) => r.message.type === 'estimate-result'), false);
  client.close();
});

test('an estimate of a masked job counts its regions: two regions plan more memory than none for the same image', async () => {
  const daemon = await daemonWithBudgetAsync(8192);
  const { client } = await pairedClientAsync(daemon.server);
  const job = { type: 'estimate', width: 768, height: 512, options: { preset: 'classic', width: 768, height: 512 } } as const;
  client.send({ ...job, requestId: 'plain' });
  client.send({ ...job, requestId: 'masked', regions: 2 });
  const plain = (await client.waitForAsync('estimate-result', (m) => m.requestId === 'plain')).message;
  const masked = (await client.waitForAsync('estimate-result', (m) => m.requestId === 'masked')).message;
  assert.ok(plain.fits && masked.fits);
  assert.ok(masked.peakMB > plain.peakMB, `two regions ${masked.peakMB} MB, none ${plain.peakMB} MB`);
  client.close();
});
