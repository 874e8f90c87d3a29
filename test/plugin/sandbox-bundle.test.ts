/**
 * The built main bundle (what `npm run build` writes to plugin/dist/code.js) run with only
 * Figma's sandbox globals (figma/sandbox.ts) against the fake Figma API.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildPluginAsync } from '../../plugin/index.ts';
import { FakeFigma } from '../../plugin/fake-figma/index.ts';
import { runInFigmaSandbox } from './figma/sandbox.ts';

async function buildMainAsync(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'atelier-sandbox-'));
  try {
    const out = await buildPluginAsync({ outDir: dir });
    return await readFile(out.code, 'utf8');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const codePromise = buildMainAsync();

test('the built main bundle loads with only Figma\'s sandbox globals and reaches figma.showUI', async () => {
  const figma = new FakeFigma();
  figma.command = 'apply';
  const run = runInFigmaSandbox(await codePromise, figma, '<html>ui</html>');
  assert.equal(run.loadError, null, `the bundle threw while loading: ${String(run.loadError)}`);
  // showUI is called synchronously at start for "apply", before any await.
  assert.equal(figma.shownHtml, '<html>ui</html>');
  assert.equal(figma.closedWith, undefined, 'the plugin did not close itself with an error');
});
