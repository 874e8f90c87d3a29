import assert from 'node:assert/strict';
import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { DEFAULT_DAEMON_PORT } from '../../protocol/limits.ts';
import {
  applyOverrides,
  ConfigError,
  configSchema,
  loadConfigAsync,
  resolveUserDirs,
  type AtelierConfig,
} from '../../daemon/config/index.ts';
import { DEFAULT_WEIGHTS_HASH, DEFAULT_WEIGHTS_URL } from '../../daemon/weights-download/index.ts';

let root: string;
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'atelier-config-'));
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

async function writeConfigAsync(name: string, content: string): Promise<string> {
  const dir = join(root, name);
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'config.json'), content);
  return dir;
}

function rejectsWith(code: string, ...fragments: string[]) {
  return (error: unknown): boolean => {
    assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${String(error)}`);
    assert.equal(error.code, code);
    for (const f of fragments) assert.ok(error.message.includes(f), `"${error.message}" mentions "${f}"`);
    return true;
  };
}

test('first run writes config.json with every default, and reading it back gives the same settings', async () => {
  const dir = join(root, 'first');
  const loaded = await loadConfigAsync(dir);
  assert.equal(loaded.created, true);
  assert.equal(loaded.config.port, DEFAULT_DAEMON_PORT);
  assert.equal(loaded.config.weights, null);
  assert.equal(loaded.config.weightsUrl, DEFAULT_WEIGHTS_URL);
  assert.equal(loaded.config.weightsHash, DEFAULT_WEIGHTS_HASH);
  const onDisk = JSON.parse(await readFile(loaded.file, 'utf8')) as AtelierConfig;
  assert.deepEqual(onDisk, loaded.config);
  const again = await loadConfigAsync(dir);
  assert.equal(again.created, false);
  assert.deepEqual(again.config, loaded.config);
});

test('a partial file keeps its values and fills the rest with defaults', async () => {
  const dir = await writeConfigAsync('partial', JSON.stringify({ port: 9123, allowedOrigins: ['http://localhost:3000'], queueLength: 0 }));
  const { config } = await loadConfigAsync(dir);
  assert.equal(config.port, 9123);
  assert.deepEqual(config.allowedOrigins, ['http://localhost:3000']);
  assert.equal(config.queueLength, 0);
  assert.equal(config.previewEvery, configSchema.parse({}).previewEvery);
});

test('bad values are refused with the file, the setting and what is allowed', async () => {
  const dir = await writeConfigAsync('bad', JSON.stringify({ port: 70000, queueLength: -1, allowedOrigins: ['https://figma.com/'] }));
  await assert.rejects(
    loadConfigAsync(dir),
    rejectsWith('config_invalid', join(dir, 'config.json'), 'port: must be between 1024 and 65535', 'queueLength: must be 0 or more', 'allowedOrigins.0'),
  );
});

test('an unknown key (a typo) is refused rather than ignored', async () => {
  const dir = await writeConfigAsync('typo', JSON.stringify({ prot: 9000 }));
  await assert.rejects(loadConfigAsync(dir), rejectsWith('config_invalid', 'unknown setting "prot"'));
});

test('a file that is not JSON says so', async () => {
  const dir = await writeConfigAsync('notjson', '{ "port": 9000, }');
  await assert.rejects(loadConfigAsync(dir), rejectsWith('config_not_json', 'not valid JSON'));
});

test('wrong types and checksums are refused', async () => {
  assert.equal(configSchema.safeParse({ port: '9000' }).success, false);
  assert.equal(configSchema.safeParse({ port: 9000.5 }).success, false);
  assert.equal(configSchema.safeParse({ weightsHash: 'abc' }).success, false);
  assert.equal(configSchema.safeParse({ weightsUrl: 'ftp://example.com/x.h5' }).success, false);
  assert.equal(configSchema.safeParse({ backend: 'cuda' }).success, false);
  assert.equal(configSchema.safeParse({ previewEvery: -1 }).success, false);
  const upper = configSchema.parse({ weightsHash: 'A'.repeat(64) });
  assert.equal(upper.weightsHash, 'a'.repeat(64), 'checksums are compared in lower case');
  assert.equal(configSchema.parse({ port: 0 }).port, 0, '0 asks for any free port');
});

test('overrides from flags are validated by the same schema and win over the file', () => {
  const base = configSchema.parse({ port: 9000 });
  const merged = applyOverrides(base, { port: 9001, weights: '/w', queueLength: undefined }, 'command-line flags');
  assert.equal(merged.port, 9001);
  assert.equal(merged.weights, '/w');
  assert.equal(merged.queueLength, base.queueLength, 'an undefined override leaves the setting alone');
  assert.throws(() => applyOverrides(base, { port: 80 }, 'command-line flags'), rejectsWith('args_invalid', 'Bad command-line flags', 'port'));
});

test('user folders follow each platform, and the environment variables win', () => {
  const linux = resolveUserDirs({ HOME: '/home/d' }, 'linux');
  assert.deepEqual(linux, { config: '/home/d/.config/atelier', cache: '/home/d/.cache/atelier' });
  const xdg = resolveUserDirs({ HOME: '/home/d', XDG_CONFIG_HOME: '/x/c', XDG_CACHE_HOME: '/x/k' }, 'linux');
  assert.deepEqual(xdg, { config: '/x/c/atelier', cache: '/x/k/atelier' });
  const mac = resolveUserDirs({ HOME: '/Users/d' }, 'darwin');
  assert.deepEqual(mac, { config: '/Users/d/Library/Application Support/Atelier', cache: '/Users/d/Library/Caches/Atelier' });
  const win = resolveUserDirs({ USERPROFILE: 'C:/Users/d', APPDATA: 'C:/R', LOCALAPPDATA: 'C:/L' }, 'win32');
  assert.equal(win.config.replaceAll('\\', '/'), 'C:/R/Atelier');
  assert.equal(win.cache.replaceAll('\\', '/'), 'C:/L/Atelier/Cache');
});
