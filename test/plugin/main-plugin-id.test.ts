/**
 * Publishing gives the plugin the id Figma assigns instead of manifest.json's placeholder.
 * clientStorage, plugin data and relaunch data are private to the id ("Data will become
 * inaccessible if your plugin ID changes", developers.figma.com/docs/plugins/api/
 * figma-clientStorage), so everything written before reads as absent. The plugin must then
 * behave as on a first run: pair again, choose a style again, re-apply as a plain apply.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_JOB_OPTIONS, type JobOptions } from '../../plugin/bridge/index.ts';
import { RELAUNCH_COMMANDS } from '../../plugin/main/index.ts';
import { SETTINGS_KEY } from '../../plugin/limits.ts';
import { startPluginAsync } from './drive-plugin.ts';
import { FakeFigma, encodePng, paintPattern, type FakeSceneNode } from './fake-figma/index.ts';

const options: JobOptions = { ...DEFAULT_JOB_OPTIONS, quality: 'custom', size: 128, iterations: 5 };
const KEY = { keyId: '0123456789abcdef', key: 'ab'.repeat(32) };

/** A file where the development build stylised "Hero" with "Waves", paired and chose options. */
async function usedUnderOldIdAsync() {
  const figma = new FakeFigma();
  figma.pluginId = 'atelier-style-transfer';
  const hero = figma.frame({ name: 'Hero', width: 300, height: 200 });
  const waves = figma.imageLayer({ name: 'Waves' });
  figma.currentPage.appendChild(hero);
  figma.currentPage.appendChild(waves);
  figma.select(hero);
  const ui = await startPluginAsync(figma);
  ui.send({ type: 'store-key', server: null, key: KEY });
  ui.send({ type: 'start', styleNodeId: waves.id, options });
  const job = await ui.next('job');
  ui.send({ type: 'job-result', jobId: job.jobId, png: encodePng(job.content.width, job.content.height, paintPattern(job.content.width, job.content.height, [1, 2, 3], 'disc')) });
  const result = figma.node((await ui.next('job-inserted')).nodeId) as FakeSceneNode;
  await ui.settle();
  return { figma, hero, waves, result };
}

test('after an id change the plugin starts fresh: no key (so it pairs again), no style, default options', async () => {
  const { figma } = await usedUnderOldIdAsync();
  assert.deepEqual((figma.storage.get(SETTINGS_KEY) as { key: unknown }).key, KEY);
  figma.pluginId = '1234567890123456789';
  const ui = await startPluginAsync(figma);
  const init = await ui.next('init');
  assert.equal(init.key, null, 'the UI gets no key and shows the pairing panel');
  assert.equal(init.style, null);
  assert.deepEqual(init.options, DEFAULT_JOB_OPTIONS);
  // Pairing again stores the new key under the new id.
  ui.send({ type: 'store-key', server: null, key: { ...KEY, keyId: 'fedcba9876543210' } });
  await ui.settle();
  assert.equal((await (await startPluginAsync(figma)).next('init')).key?.keyId, 'fedcba9876543210');
});

test('"Re-apply style" on a result written under the old id runs as a plain apply on the selection, without failing', async () => {
  const { figma, result } = await usedUnderOldIdAsync();
  figma.pluginId = '1234567890123456789';
  assert.deepEqual(result.relaunchData, {}, 'the new id sees no relaunch data of the old one');
  figma.select(result);
  const ui = await startPluginAsync(figma, RELAUNCH_COMMANDS.restyle);
  const init = await ui.next('init');
  assert.equal(init.autoStart, false, 'nothing to re-apply automatically');
  const { selection } = await ui.next('selection');
  assert.deepEqual(selection.targets.map((t) => t.id), [result.id], 'the selected layer is what would be stylised');
  assert.deepEqual(selection.skipped, []);
  await ui.settle();
  assert.equal(ui.messages.some((m) => m.type === 'problem'), false);
});
