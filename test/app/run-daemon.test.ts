import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { after, before, test } from 'node:test';
import { EXIT, parseCliArgs, runDaemonAsync, type DaemonIo } from '../../daemon/app/index.ts';
import { ConfigError } from '../../daemon/config/index.ts';

let root: string;
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'atelier-run-'));
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

function captureIo(env: Record<string, string>): DaemonIo & { out(): string; err(): string } {
  let out = '';
  let err = '';
  const sink = (append: (s: string) => void): NodeJS.WriteStream =>
    new Writable({
      write(chunk: Buffer, _encoding, callback) {
        append(String(chunk));
        callback();
      },
    }) as unknown as NodeJS.WriteStream;
  return {
    stdout: sink((s) => (out += s)),
    stderr: sink((s) => (err += s)),
    env,
    onStopSignal: () => undefined,
    out: () => out,
    err: () => err,
  };
}

test('flags: values are parsed, unknown flags and bad ports are refused', () => {
  assert.deepEqual(parseCliArgs(['--headless', '--port', '9000', '--weights', '/w']), {
    help: false,
    version: false,
    headless: true,
    port: 9000,
    weights: '/w',
  });
  assert.throws(() => parseCliArgs(['--prot', '1']), (e: unknown) => e instanceof ConfigError && e.code === 'args_invalid' && /--help/.test(e.message));
  assert.throws(() => parseCliArgs(['--port', 'abc']), (e: unknown) => e instanceof ConfigError && /--port abc/.test(e.message));
});

test('--help prints the usage and exits 0 without touching the config folder', async () => {
  const io = captureIo({ XDG_CONFIG_HOME: join(root, 'help-config'), XDG_CACHE_HOME: join(root, 'help-cache'), HOME: root });
  assert.equal(await runDaemonAsync(['--help'], io), EXIT.ok);
  assert.match(io.out(), /--headless/);
  assert.match(io.out(), /ATELIER_WEIGHTS_URL/);
  await assert.rejects(stat(join(root, 'help-config')), 'no config.json was written');
});

test('an out-of-range --port exits 2 with the rule', async () => {
  const io = captureIo({ XDG_CONFIG_HOME: join(root, 'port-config'), XDG_CACHE_HOME: join(root, 'port-cache'), HOME: root });
  assert.equal(await runDaemonAsync(['--headless', '--port', '80'], io), EXIT.usage);
  assert.match(io.err(), /\[args_invalid\].*port: must be between 1024 and 65535/);
});

test('a bad config file exits 1 naming the file and the setting, before anything starts', async () => {
  const configHome = join(root, 'bad-config');
  await mkdir(join(configHome, 'atelier'), { recursive: true });
  await writeFile(join(configHome, 'atelier', 'config.json'), JSON.stringify({ queueLength: 'many' }));
  const io = captureIo({ XDG_CONFIG_HOME: configHome, XDG_CACHE_HOME: join(root, 'bad-cache'), HOME: root });
  assert.equal(await runDaemonAsync(['--headless'], io), EXIT.failed);
  assert.match(io.err(), /\[config_invalid\]/);
  assert.match(io.err(), /queueLength: must be a whole number/);
  assert.ok(io.err().includes(join(configHome, 'atelier', 'config.json')));
  assert.equal(io.out(), '', 'nothing was started');
});

test('a bad ATELIER_WEIGHTS_SHA256 is refused as an environment problem', async () => {
  const io = captureIo({
    XDG_CONFIG_HOME: join(root, 'env-config'),
    XDG_CACHE_HOME: join(root, 'env-cache'),
    HOME: root,
    ATELIER_WEIGHTS_SHA256: 'not-a-hash',
  });
  assert.equal(await runDaemonAsync(['--headless'], io), EXIT.usage);
  assert.match(io.err(), /environment variables \(ATELIER_\*\): weightsHash: must be an MD5/);
});

test('an offline first run exits 1 and explains --weights and ATELIER_WEIGHTS', async () => {
  const closed = createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  const { port } = closed.address() as AddressInfo;
  await new Promise((resolve) => closed.close(resolve));
  const io = captureIo({
    XDG_CONFIG_HOME: join(root, 'offline-config'),
    XDG_CACHE_HOME: join(root, 'offline-cache'),
    HOME: root,
    ATELIER_WEIGHTS_URL: `http://127.0.0.1:${port}/vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5`,
  });
  assert.equal(await runDaemonAsync(['--headless', '--port', '0'], io), EXIT.failed);
  assert.match(io.err(), /\[weights_offline\]/);
  assert.match(io.err(), /--weights <path>/);
  assert.match(io.err(), /ATELIER_WEIGHTS=<path>/);
});

/** A file where a folder must be: unwritable for every user, root included (root ignores modes). */
async function fileInTheWayAsync(path: string): Promise<void> {
  await mkdir(join(path, '..'), { recursive: true });
  await writeFile(path, 'not a folder');
}

test('an unwritable settings or cache folder stops the start with a code and a sentence, no stack', async () => {
  for (const [which, code] of [['config', 'config_unwritable'], ['cache', 'cache_unwritable']] as const) {
    const base = join(root, `unwritable-${which}`);
    const env = { XDG_CONFIG_HOME: join(base, 'config'), XDG_CACHE_HOME: join(base, 'cache'), HOME: root };
    await fileInTheWayAsync(join(base, which, 'atelier'));
    const io = captureIo(env);
    assert.equal(await runDaemonAsync(['--headless', '--port', '0'], io), EXIT.failed);
    assert.match(io.err(), new RegExp(`\\[${code}\\]: Atelier cannot write its (settings|cache) folder .*atelier \\(`));
    assert.doesNotMatch(io.err(), /\n\s+at /, 'no stack');
  }
});

test('a damaged tokens.json stops the start with a code and no stack; the settings folder is made 0700', { skip: process.platform === 'win32' && 'POSIX modes' }, async () => {
  const base = join(root, 'bad-tokens');
  const configDir = join(base, 'config', 'atelier');
  await mkdir(configDir, { recursive: true, mode: 0o755 });
  const { chmod } = await import('node:fs/promises');
  await chmod(configDir, 0o755);
  await writeFile(join(configDir, 'tokens.json'), '{"version":2,"keys":[{"id":"zz"}]}');
  const io = captureIo({ XDG_CONFIG_HOME: join(base, 'config'), XDG_CACHE_HOME: join(base, 'cache'), HOME: root });
  assert.equal(await runDaemonAsync(['--headless', '--port', '0'], io), EXIT.failed);
  assert.match(io.err(), /\[tokens_unreadable\]: The paired-plugins file .*tokens\.json is damaged; delete it and pair again/);
  assert.doesNotMatch(io.err(), /\n\s+at /, 'no stack');
  assert.equal((await stat(configDir)).mode & 0o777, 0o700);
});
