import { cp, readFile, stat } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { z } from 'zod';
import { EXTERNAL_PACKAGES } from './bundle-daemon.ts';
import { unpackedPackageAsync } from './npm-pack-cache.ts';
import { LAYOUT, type Target } from './targets.ts';

const packageJson = z.object({
  name: z.string(),
  version: z.string(),
  dependencies: z.record(z.string()).optional(),
  optionalDependencies: z.record(z.string()).optional(),
  license: z.string().optional(),
});
type PackageJson = z.infer<typeof packageJson>;

export const readPackageJsonAsync = async (dir: string): Promise<PackageJson> => packageJson.parse(JSON.parse(await readFile(join(dir, 'package.json'), 'utf8')));

/** Dependencies only their install step uses (onnxruntime-node's downloader): not shipped. */
const INSTALL_ONLY: Readonly<Record<string, readonly string[]>> = { 'onnxruntime-node': ['adm-zip', 'global-agent'] };

/** Which files of a copied package the daemon needs on `target`; the rest stays out. */
function keepFile(name: string, rel: string, target: Target): boolean {
  const path = rel.split(sep).join('/');
  // Nested dependencies are copied flat, each on its own (copyAsync).
  if (path.startsWith('node_modules/')) return false;
  if (/(^|\/)(LICEN[CS]E|NOTICE|COPYING)[^/]*$/i.test(path) || path === 'package.json') return true;
  if (/\.(map|d\.ts|d\.mts|d\.cts|ts|md)$/.test(path)) return false;
  switch (name) {
    // All four platforms' binaries are in the npm package (290 MB): this one's only.
    case 'onnxruntime-node':
      return path.startsWith('dist/') || path.startsWith(`bin/napi-v6/${target.os}/${target.cpu}/`);
    case 'systray2':
      return !path.startsWith('traybin/') || path === `traybin/${target.trayHelper}`;
    // The Node build only: the browser ones are as large again.
    case 'h5wasm':
      return path.startsWith('dist/node/');
    default:
      return !/^(test|tests|docs?|examples?)\//.test(path);
  }
}

export interface CopiedPackage {
  name: string;
  version: string;
  dir: string;
}

/** One of sharp's platform packages, at the version this sharp asks for, from npm. */
export async function sharpPlatformPackageAsync(repoRoot: string, name: string, cacheDir: string): Promise<string> {
  const sharp = await readPackageJsonAsync(await resolvePackageDirAsync('sharp', repoRoot, repoRoot));
  const version = sharp.optionalDependencies?.[name];
  if (!version) throw new Error(`sharp ${sharp.version} has no ${name}`);
  return unpackedPackageAsync(`${name}@${version}`, cacheDir);
}

/** A package folder as Node would resolve `name` from `fromDir` (nested node_modules first). */
async function resolvePackageDirAsync(name: string, fromDir: string, repoRoot: string): Promise<string> {
  for (let dir = fromDir; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name);
    if (await stat(join(candidate, 'package.json')).then(() => true, () => false)) return candidate;
    if (dir === repoRoot || dir === dirname(dir)) throw new Error(`${name} (needed by ${relative(repoRoot, fromDir) || 'atelier'}) is not installed: run npm ci`);
  }
}

/**
 * Copies the packages left out of the bundle into `<root>/app/node_modules`, with their
 * runtime dependencies and, for sharp, the target's own `@img/sharp-<platform>` and libvips
 * (from npm, so that every platform is built here). Returns what was copied, for the notices.
 */
export async function copyNativePartsAsync(repoRoot: string, packageRoot: string, target: Target, cacheDir: string): Promise<CopiedPackage[]> {
  const copied = new Map<string, CopiedPackage>();
  const destination = join(packageRoot, LAYOUT.nodeModulesDir);
  const copyAsync = async (dir: string): Promise<void> => {
    const pkg = await readPackageJsonAsync(dir);
    const seen = copied.get(pkg.name);
    if (seen) {
      if (seen.version !== pkg.version) throw new Error(`two versions of ${pkg.name} (${seen.version}, ${pkg.version}) would share app/node_modules`);
      return;
    }
    copied.set(pkg.name, { name: pkg.name, version: pkg.version, dir });
    await cp(dir, join(destination, pkg.name), { recursive: true, filter: async (source) => (await stat(source)).isDirectory() || keepFile(pkg.name, relative(dir, source), target) });
    const skip = INSTALL_ONLY[pkg.name] ?? [];
    for (const dep of Object.keys(pkg.dependencies ?? {})) {
      if (!skip.includes(dep)) await copyAsync(await resolvePackageDirAsync(dep, dir, repoRoot));
    }
  };
  for (const name of EXTERNAL_PACKAGES.filter((n) => target.onnxRuntime || n !== 'onnxruntime-node')) await copyAsync(await resolvePackageDirAsync(name, repoRoot, repoRoot));
  for (const name of target.sharpPackages) await copyAsync(await sharpPlatformPackageAsync(repoRoot, name, cacheDir));
  return [...copied.values()].sort((a, b) => a.name.localeCompare(b.name));
}

