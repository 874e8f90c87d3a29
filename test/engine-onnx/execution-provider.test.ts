import assert from 'node:assert/strict';
import { cpus, platform } from 'node:os';
import { test } from 'node:test';
import { EngineError } from '../../daemon/engine/index.ts';
import { resolveProviderAsync } from '../../daemon/engine/onnx/index.ts';

const GPU_PROVIDER: Record<string, string> = { linux: 'cuda', win32: 'dml', darwin: 'coreml' };

test('cpu resolves to every core by default, or the threads asked for', async () => {
  const all = await resolveProviderAsync('cpu');
  assert.equal(all.name, 'cpu');
  assert.equal(all.sessionOptions.intraOpNumThreads, cpus().length);
  assert.match(all.device, new RegExp(`onnxruntime, ${cpus().length} thread`));
  const one = await resolveProviderAsync('cpu', 1);
  assert.equal(one.sessionOptions.intraOpNumThreads, 1);
  assert.equal(one.device, 'CPU (onnxruntime, 1 thread)');
});

test('a named GPU provider starts or fails with an error that says how to enable it; auto follows', async () => {
  const gpu = GPU_PROVIDER[platform()];
  if (!gpu) return;
  const named = await resolveProviderAsync(gpu as 'cuda').then(
    (p) => p,
    (error: unknown) => error,
  );
  const auto = await resolveProviderAsync('auto');
  if (named instanceof Error) {
    assert.ok(named instanceof EngineError, `expected an EngineError, got ${String(named)}`);
    assert.equal(named.code, 'backend-unavailable');
    assert.match(named.message, /cpu provider/);
    if (gpu === 'cuda') assert.match(named.message, /ONNXRUNTIME_NODE_INSTALL=cuda12 npm rebuild onnxruntime-node/);
    assert.equal(auto.name, 'cpu');
  } else {
    assert.equal(auto.name, gpu);
  }
});
