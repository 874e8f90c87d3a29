import { execFile } from 'node:child_process';
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * An npm package's files, unpacked into `<cacheDir>/<name>@<version>/` on first use with
 * `npm pack` (the npm registry is the packager's only source) and reused after, so a second
 * `npm run package` and the tests need no network.
 */
export async function unpackedPackageAsync(spec: string, cacheDir: string): Promise<string> {
  const dir = join(cacheDir, spec.replace('/', '+'));
  if (await stat(join(dir, 'package.json')).then((s) => s.isFile(), () => false)) return dir;
  const work = `${dir}.part`;
  await rm(work, { recursive: true, force: true });
  await mkdir(work, { recursive: true });
  await run('npm', ['pack', spec, '--silent', '--pack-destination', work], { maxBuffer: 1 << 20 });
  const [tarball] = (await readdir(work)).filter((name) => name.endsWith('.tgz'));
  if (!tarball) throw new Error(`npm pack ${spec} wrote no tarball`);
  // npm's tarballs hold one folder, package/.
  await run('tar', ['-xzf', join(work, tarball), '-C', work, '--no-same-owner']);
  await rm(join(work, tarball));
  await rm(dir, { recursive: true, force: true });
  await rename(join(work, 'package'), dir);
  await rm(work, { recursive: true, force: true });
  return dir;
}
