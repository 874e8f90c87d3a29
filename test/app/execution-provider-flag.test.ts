import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseCliArgs } from '../../daemon/app/index.ts';
import { applyOverrides, ConfigError, configSchema } from '../../daemon/config/index.ts';

test('--execution-provider reaches the config, which checks it like the config file does', () => {
  const args = parseCliArgs(['--execution-provider', 'webgpu']);
  assert.equal(args.executionProvider, 'webgpu');
  const defaults = configSchema.parse({});
  assert.equal(defaults.executionProvider, 'auto');
  assert.equal(applyOverrides(defaults, { executionProvider: 'webgpu' }, 'command-line flags').executionProvider, 'webgpu');
  assert.throws(
    () => applyOverrides(defaults, { executionProvider: 'vulkan' as never }, 'command-line flags'),
    (e: unknown) => e instanceof ConfigError && e.code === 'args_invalid' && /executionProvider/.test(e.message),
  );
});
