import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import sharp from 'sharp';
import { loginEntryText } from '../../daemon/app/index.ts';
import { writeRandomWeightsAsync } from '../../daemon/engine/index.ts';
import { packageAsync, packageVersionAsync, type BuiltArchive } from '../../scripts/package/package.ts';
import { TestClient } from '../server/test-client.ts';
import { smallStylizeAsync, testImageAsync } from '../server/test-daemon.ts';
import { binaryFormat } from './binary-format.ts';
import { parseDesktopExec } from './desktop-exec.ts';
import { parsePlist } from './plist-reader.ts';
import { designerEnv, runAtelier, startAtelier } from './run-packaged.ts';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
/** npm tarballs (Node.js, other platforms' sharp) kept between runs, as `npm run package` keeps them. */
const CACHE = join(REPO, '.tmp', 'package-cache');
const SHARED_WEIGHTS = join(REPO, '..', 'shared', 'vgg19-keras-uint8');
const hasSharedWeights = existsSync(join(SHARED_WEIGHTS, 'weights_manifest.json'));
const SKIP_SHARED = hasSharedWeights ? false : `needs the real VGG-19 weights in ${SHARED_WEIGHTS} (../shared is absent here)`;

/** desktop-file-utils' validator, where installed (CI installs it): the reference check of Atelier.desktop. */
const hasDesktopFileValidate = spawnSync('desktop-file-validate', ['--help']).status === 0;

let work: string;
let version: string;
let linux: BuiltArchive;
let others: BuiltArchive[];
/** Unpacked archives, by target. */
const folders = new Map<string, string>();
let emptyBin: string;

before(async () => {
  work = await mkdtemp(join(tmpdir(), 'atelier-package-'));
  version = await packageVersionAsync();
  emptyBin = join(work, 'empty-bin');
  await mkdir(emptyBin);
  // The linux package carries weights (the shared VGG-19 when present, else random ones), so
  // the packaged daemon's pick-up of bundled weights is what every run below relies on.
  let weights = SHARED_WEIGHTS;
  if (!hasSharedWeights) {
    weights = join(work, 'random-weights');
    await writeRandomWeightsAsync(weights, { seed: 3, quantize: true });
  }
  [linux] = await packageAsync({ targets: ['linux-x64'], outDir: join(work, 'dist-linux'), cacheDir: CACHE, withWeights: weights });
  others = await packageAsync({ targets: ['win-x64', 'darwin-arm64', 'darwin-x64'], outDir: join(work, 'dist'), cacheDir: CACHE });
  // Unpacked with the system's tar and unzip, into empty folders, as a designer would.
  for (const archive of [linux!, ...others]) {
    const into = join(work, 'unpacked', archive.target);
    await mkdir(into, { recursive: true });
    if (archive.file.endsWith('.tar.gz')) execFileSync('tar', ['-xzf', archive.file, '-C', into]);
    else execFileSync('unzip', ['-q', archive.file, '-d', into]);
    const [only, ...rest] = await readdir(into);
    assert.deepEqual(rest, [], `${basename(archive.file)} holds one top folder`);
    folders.set(archive.target, join(into, only!));
  }
});

after(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

const folderOf = (target: string): string => folders.get(target)!;
const isExecutable = async (path: string): Promise<boolean> => ((await stat(path)).mode & 0o111) === 0o111;

describe('the linux-x64 archive, unpacked, with no node or npm on PATH', () => {
  test('the PATH holds no node or npm', () => {
    for (const command of ['node', 'npm']) {
      const found = spawnSync('/bin/sh', ['-c', `command -v ${command}`], { env: { PATH: emptyBin }, encoding: 'utf8' });
      assert.notEqual(found.status, 0, `${command} is not on the test's PATH`);
    }
  });

  test('atelier --version prints the package version', () => {
    const home = join(work, 'home-version');
    const result = runAtelier(folderOf('linux-x64'), ['--version'], designerEnv(home, emptyBin));
    assert.equal(result.status, 0, result.stderr);
    assert.equal(result.stdout.trim(), version);
  });

  test('atelier doctor --json: Node 22 from the package, the ONNX engine and the wasm backend load, the bundled weights are found', () => {
    const folder = folderOf('linux-x64');
    const result = runAtelier(folder, ['doctor', '--json'], designerEnv(join(work, 'home-doctor'), emptyBin));
    assert.equal(result.status, 0, result.stderr);
    const report = JSON.parse(result.stdout) as {
      platform: string;
      node: string;
      weights: { found: boolean; path?: string; origin?: string };
      engines: { onnx: { loads: boolean; auto?: string }; tfjs: { backends: Array<{ name: string; starts: boolean }> } };
    };
    assert.equal(report.platform, 'linux x64');
    assert.match(report.node, /^22\./, 'the packaged Node.js runs, not the machine one');
    assert.equal(report.engines.onnx.loads, true, JSON.stringify(report.engines.onnx));
    assert.ok(report.engines.onnx.auto, 'an ONNX provider starts');
    assert.equal(report.engines.tfjs.backends.find((b) => b.name === 'wasm')?.starts, true, 'the tfjs wasm backend finds its .wasm files beside the bundle');
    assert.deepEqual({ found: report.weights.found, path: report.weights.path }, { found: true, path: join(folder, 'weights', 'vgg19-keras-float32') });
  });

  test('without ONNX Runtime (as the Intel Mac package is) the command still runs and doctor says the onnx engine does not load', async () => {
    // onnxruntime-node is imported only when the ONNX engine is asked for, so its absence is a
    // sentence in doctor and the tfjs engine, not a crash at start.
    const into = join(work, 'no-onnx');
    await mkdir(into);
    execFileSync('tar', ['-xzf', linux.file, '-C', into]);
    const folder = join(into, basename(folderOf('linux-x64')));
    await rm(join(folder, 'app/node_modules/onnxruntime-node'), { recursive: true });
    const env = designerEnv(join(work, 'home-no-onnx'), emptyBin);
    assert.equal(runAtelier(folder, ['--version'], env).stdout.trim(), version);
    const result = runAtelier(folder, ['doctor', '--json'], env);
    assert.equal(result.status, 0, result.stderr);
    const report = JSON.parse(result.stdout) as { engines: { onnx: { loads: boolean; reason?: string }; tfjs: { backends: Array<{ name: string; starts: boolean }> } } };
    assert.equal(report.engines.onnx.loads, false);
    assert.match(report.engines.onnx.reason ?? '', /onnxruntime-node/);
    assert.equal(report.engines.tfjs.backends.find((b) => b.name === 'wasm')?.starts, true);
  });

  test('a 64×96 stylize with the shared VGG-19 weights (bundled in the package)', { skip: SKIP_SHARED }, async () => {
    const dir = join(work, 'stylize');
    await mkdir(dir);
    await writeFile(join(dir, 'content.png'), await testImageAsync('content', 96, 64));
    await writeFile(join(dir, 'style.jpg'), await testImageAsync('style', 64, 64, 'jpeg'));
    const out = join(dir, 'out.png');
    const result = runAtelier(folderOf('linux-x64'), ['stylize', join(dir, 'content.png'), join(dir, 'style.jpg'), '-o', out, '--size', '64x96', '--iterations', '6', '--stages', '1'], designerEnv(join(work, 'home-stylize'), emptyBin));
    assert.equal(result.status, 0, `${result.stdout}\n${result.stderr}`);
    const meta = await sharp(out).metadata();
    assert.deepEqual({ width: meta.width, height: meta.height, format: meta.format }, { width: 96, height: 64, format: 'png' });
  });

  test('atelier start --headless: a client pairs and gets a result; a second unpacked copy over the same config keeps the pairing', async () => {
    const home = join(work, 'home-daemon');
    const env = designerEnv(home, emptyBin);
    const folder = folderOf('linux-x64');
    const first = startAtelier(folder, ['--headless', '--port', '0'], env);
    let key;
    try {
      const [, url] = await first.waitForAsync(/Listening on (ws:\/\/127\.0\.0\.1:\d+)/);
      const [, code] = await first.waitForAsync(/Pairing code: (\d{4} \d{4})/);
      await first.waitForAsync(/Ready: plugins can apply styles/);
      assert.match(first.stdout(), new RegExp(`Weights: ${join(folder, 'weights').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
      // The Photopea panel the tray opens is served from the package's photopea/ folder.
      const panel = await fetch(`${url!.replace('ws://', 'http://')}/photopea/`);
      assert.equal(panel.status, 200);
      assert.match(await panel.text(), /<script>/);
      const client = await TestClient.connectAsync(url!);
      client.hello();
      assert.equal((await client.waitForAsync('welcome')).message.paired, false);
      key = await client.pairAsync(code!.replace(' ', ''));
      assert.ok(key, 'the daemon confirmed the code');
      const job = await smallStylizeAsync('packaged', { iterations: 3 });
      client.send(job.message, job.images);
      const result = await client.waitForAsync('result');
      assert.deepEqual([result.message.image.width, result.message.image.height], [32, 32]);
      client.close();
    } finally {
      assert.equal(await first.stopAsync(), 0, first.stdout());
    }

    // The upgrade: another unpacked folder (a new version goes to a new folder), same user,
    // who had chosen Start at login in the old one (the tray writes this entry).
    const upgraded = join(work, 'upgraded');
    await mkdir(upgraded);
    execFileSync('tar', ['-xzf', linux.file, '-C', upgraded]);
    const newFolder = join(upgraded, basename(folder));
    const loginEntry = join(env.XDG_CONFIG_HOME!, 'autostart', 'atelier-daemon.desktop');
    await mkdir(join(loginEntry, '..'), { recursive: true });
    await writeFile(loginEntry, loginEntryText({ program: join(folder, 'runtime/node'), args: [join(folder, 'app/daemon/atelier.mjs'), 'start'], cwd: folder }, 'linux'));
    const second = startAtelier(newFolder, ['--headless', '--port', '0'], env);
    try {
      const [, url] = await second.waitForAsync(/Listening on (ws:\/\/127\.0\.0\.1:\d+)/);
      await second.waitForAsync(/Ready: plugins can apply styles/);
      assert.doesNotMatch(second.stdout(), /Pairing code:/, 'a paired plugin means no pairing code at start');
      const client = await TestClient.connectAsync(url!);
      const welcome = (await client.authenticateAsync(key)).message;
      assert.equal(welcome.paired, true);
      assert.equal(welcome.daemon?.version, version, 'the bundle reports the package version');
      client.close();
      const exec = /^Exec=(.*)$/m.exec(await readFile(loginEntry, 'utf8'))?.[1];
      assert.equal(exec, `${join(newFolder, 'runtime/node')} ${join(newFolder, 'app/daemon/atelier.mjs')} start`, 'login now starts the new folder');
    } finally {
      assert.equal(await second.stopAsync(), 0, second.stdout());
    }
  });
});

/** Paths a launcher names: `$here/…` in shell scripts, `%~dp0…` in .cmd, `here & "\…"` in .vbs. */
function namedPaths(text: string): string[] {
  const paths = [...text.matchAll(/\$here\/([^"\s]+)/g), ...text.matchAll(/%~dp0([^"\s]+)/g), ...text.matchAll(/here & "\\([^"]+?)"/g)].map((m) => m[1]!.replace(/\\/g, '/'));
  return [...new Set(paths)];
}

/** What Atelier.desktop runs: `sh -c '<script>' sh %k`, whose script names `$(dirname "$1")/<file>`. */
function desktopNamedPaths(text: string): string[] {
  const exec = /^Exec=(.*)$/m.exec(text)?.[1];
  assert.ok(exec, 'Atelier.desktop has an Exec line');
  const args = parseDesktopExec(exec);
  assert.deepEqual([args[0], args[1], args[3], args[4]], ['sh', '-c', 'sh', '%k'], exec);
  assert.match(args[2]!, / start$/, 'the launcher starts Atelier');
  return [...args[2]!.matchAll(/"\$\(dirname "\$1"\)\/([^"]+)"/g)].map((m) => m[1]!);
}

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

const MAC_RESOURCES = 'Atelier.app/Contents/Resources';

describe('every archive', () => {
  const expected = {
    'linux-x64': { format: 'elf', arch: 'x64', node: 'runtime/node', os: 'linux', ort: true, root: '' },
    'win-x64': { format: 'pe', arch: 'x64', node: 'runtime/node.exe', os: 'win32', ort: true, root: '' },
    // A Mac app holds all it runs (Gatekeeper may run it from a copy of the bundle alone).
    'darwin-arm64': { format: 'mach-o', arch: 'arm64', node: 'runtime/node', os: 'darwin', ort: true, root: MAC_RESOURCES },
    // onnxruntime-node 1.30 has no Intel Mac binary: that package carries no ONNX Runtime.
    'darwin-x64': { format: 'mach-o', arch: 'x64', node: 'runtime/node', os: 'darwin', ort: false, root: MAC_RESOURCES },
  } as const;

  test('every file a launcher names is there, and the scripts that run are executable', async () => {
    const checks: Array<[target: string, launcher: string]> = [
      ['linux-x64', 'atelier'],
      ['linux-x64', 'Atelier.desktop'],
      ['darwin-arm64', 'atelier'],
      ['darwin-arm64', 'Atelier.app/Contents/MacOS/Atelier'],
      ['darwin-x64', 'atelier'],
      ['darwin-x64', 'Atelier.app/Contents/MacOS/Atelier'],
      ['win-x64', 'atelier.cmd'],
      ['win-x64', 'Atelier.vbs'],
    ];
    for (const [target, launcher] of checks) {
      const folder = folderOf(target);
      const text = await readFile(join(folder, launcher), 'utf8');
      if (!launcher.endsWith('.cmd') && !launcher.endsWith('.vbs')) assert.ok(await isExecutable(join(folder, launcher)), `${target}/${launcher} is executable`);
      const named = launcher === 'Atelier.desktop' ? desktopNamedPaths(text) : namedPaths(text);
      assert.ok(named.length > 0, `${launcher} names files`);
      // `$here` is the script's folder, or the folder it changes to relative to its own (${0%/*}/…).
      const base = join(folder, dirname(launcher), /"\$\{0%\/\*\}\/([^"]*)"/.exec(text)?.[1] ?? '');
      for (const path of named) {
        assert.ok(existsSync(join(base, path)), `${target}/${launcher} names ${path}, which is there`);
        if (launcher.startsWith('Atelier.app/')) assert.ok(join(base, path).startsWith(join(folder, 'Atelier.app/')), `${path}: the app holds what it runs`);
        if (target !== 'win-x64' && !path.endsWith('.mjs')) assert.ok(await isExecutable(join(base, path)), `${target}: ${path} is executable`);
      }
    }
    const desktop = join(folderOf('linux-x64'), 'Atelier.desktop');
    if (hasDesktopFileValidate) {
      const validated = spawnSync('desktop-file-validate', [desktop], { encoding: 'utf8' });
      assert.equal(validated.status, 0, validated.stdout + validated.stderr);
    }
    assert.match(await readFile(join(folderOf('win-x64'), 'Atelier.vbs'), 'utf8'), /\.Run .* start", 0, False\r?$/m, 'atelier start, window style 0: no console window');
    for (const target of Object.keys(expected)) {
      for (const file of ['manifest.json', 'plugin/dist/code.js', 'plugin/dist/ui.html']) assert.ok(existsSync(join(folderOf(target), file)), `${target} carries ${file}`);
      const root = join(folderOf(target), expected[target as keyof typeof expected].root);
      for (const file of ['photopea/dist/index.html', 'app/daemon/onnx-worker-bootstrap.mjs']) assert.ok(existsSync(join(root, file)), `${target} carries ${file}`);
    }
  });

  test("Atelier.app's Info.plist parses strictly with a menu-bar app's keys", async () => {
    for (const target of ['darwin-arm64', 'darwin-x64']) {
      const plist = parsePlist(await readFile(join(folderOf(target), 'Atelier.app/Contents/Info.plist'), 'utf8')) as Record<string, unknown>;
      assert.equal(plist.CFBundleExecutable, 'Atelier');
      assert.equal(plist.CFBundlePackageType, 'APPL');
      assert.equal(plist.LSUIElement, true, 'menu bar only: no Dock icon');
      assert.equal(plist.CFBundleShortVersionString, version);
      assert.match(String(plist.CFBundleIdentifier), /^[a-z0-9-]+(\.[a-z0-9-]+)+$/i);
      assert.equal(plist.CFBundleInfoDictionaryVersion, '6.0');
      assert.ok(existsSync(join(folderOf(target), 'Atelier.app/Contents/MacOS', String(plist.CFBundleExecutable))));
    }
    assert.throws(() => parsePlist('<?xml version="1.0" encoding="UTF-8"?><plist version="1.0"><dict/></plist>'), /DOCTYPE/, 'the reader is strict');
  });

  test('Node.js and every native module are built for the archive\'s platform, and only its ONNX Runtime is there', async () => {
    for (const [target, want] of Object.entries(expected)) {
      const folder = join(folderOf(target), want.root);
      const node = binaryFormat(await readFile(join(folder, want.node)));
      assert.deepEqual(node, { format: want.format, archs: [want.arch] }, `${target}: ${want.node}`);
      const natives = (await filesUnder(join(folder, 'app'))).filter((f) => /\.(node|dll|dylib)$|\.so(\.\d+)*$|tray_(linux|darwin|windows)_release/.test(f));
      assert.equal(natives.some((f) => f.endsWith('onnxruntime_binding.node')), want.ort, `${target} carries onnxruntime's binding: ${want.ort}`);
      assert.ok(natives.some((f) => /sharp-.*\.node$/.test(f)), `${target} carries sharp's binding`);
      for (const file of natives) {
        const format = binaryFormat(await readFile(file));
        assert.equal(format?.format, want.format, `${file} is ${want.format}`);
        // systray2 2.1.4 ships its macOS helper for Intel only: Apple silicon runs it under
        // Rosetta 2, which macOS offers to install the first time (said in the README).
        const arch = file.endsWith('tray_darwin_release') ? 'x64' : want.arch;
        assert.ok(format.archs.includes(arch), `${file} holds ${arch} (${format.archs.join(', ')})`);
      }
      const ort = join(folder, 'app/node_modules/onnxruntime-node/bin/napi-v6');
      if (!want.ort) {
        assert.ok(!existsSync(join(folder, 'app/node_modules/onnxruntime-node')), `${target}: no ONNX Runtime without a binary for it`);
        continue;
      }
      assert.deepEqual(await readdir(ort), [want.os]);
      assert.deepEqual(await readdir(join(ort, want.os)), [want.arch]);
    }
  });

  test('the notices cover Node.js, libvips (LGPL), ONNX Runtime, the VGG-19 weights and every npm package inside', async () => {
    for (const target of Object.keys(expected)) {
      const folder = join(folderOf(target), expected[target as keyof typeof expected].root);
      const notices = await readFile(join(folder, 'licences/THIRD-PARTY-NOTICES.txt'), 'utf8');
      assert.match(notices, /Node\.js is licensed for use as follows/);
      if (expected[target as keyof typeof expected].ort) assert.match(notices, /ONNX Runtime/);
      assert.match(notices, /CC BY 4\.0/);
      assert.match(notices, /GNU Lesser General Public License/);
      assert.match(await readFile(join(folder, 'licences/LGPL-3.0.txt'), 'utf8'), /GNU LESSER GENERAL PUBLIC LICENSE\s+Version 3/);
      for (const bundled of ['zod', 'ws', '@noble/curves', '@tensorflow/tfjs-core']) assert.match(notices, new RegExp(`^${bundled.replace('/', '\\/')}@\\d`, 'm'), `${target}: ${bundled} (bundled)`);
      const modules = join(folder, 'app/node_modules');
      for (const entry of await readdir(modules)) {
        const names = entry.startsWith('@') ? (await readdir(join(modules, entry))).map((n) => `${entry}/${n}`) : [entry];
        for (const name of names) {
          const pkg = JSON.parse(await readFile(join(modules, name, 'package.json'), 'utf8')) as { version: string };
          assert.ok(notices.includes(`${name}@${pkg.version} `), `${target}: ${name}@${pkg.version} (copied) has a notice`);
        }
      }
    }
  });

  test('SHA256SUMS names each archive with its hash', async () => {
    for (const archive of [linux, ...others]) {
      const sums = await readFile(join(archive.file, '..', 'SHA256SUMS'), 'utf8');
      const hash = createHash('sha256').update(await readFile(archive.file)).digest('hex');
      assert.ok(sums.split('\n').includes(`${hash}  ${basename(archive.file)}`), `${basename(archive.file)} in SHA256SUMS`);
    }
  });
});
