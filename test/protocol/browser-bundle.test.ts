import { test } from 'node:test';
import assert from 'node:assert/strict';
import { build } from 'esbuild';

test('protocol/ bundles for the browser (the plugin imports it): no Node built-ins, only zod and @noble (pairing crypto)', async () => {
  const result = await build({
    entryPoints: [new URL('../../protocol/index.ts', import.meta.url).pathname],
    bundle: true,
    platform: 'browser',
    format: 'esm',
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  assert.deepEqual(result.errors, []);
  const inputs = Object.keys(result.metafile.inputs);
  const outside = inputs.filter((path) => !path.startsWith('protocol/') && !path.includes('node_modules/zod/') && !path.includes('node_modules/@noble/'));
  assert.deepEqual(outside, []);
  assert.ok(inputs.some((path) => path.startsWith('protocol/')));
});
