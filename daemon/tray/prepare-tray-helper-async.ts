import { chmod, copyFile, mkdir, readFile, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { z } from 'zod';

const require = createRequire(import.meta.url);

const HELPER_NAMES: Partial<Record<NodeJS.Platform, string>> = {
  linux: 'tray_linux_release',
  darwin: 'tray_darwin_release',
  win32: 'tray_windows_release.exe',
};

/**
 * systray2's native helpers are published without the executable bit, so spawning them from
 * node_modules fails with EACCES on Linux and macOS. Copies the platform's helper into
 * `<dir>/<systray2 version>/` with mode 755 — the layout systray2's `copyDir` option reads —
 * and returns `dir` for that option. The copy is refreshed when its size differs.
 */
export async function prepareTrayHelperAsync(dir: string, platform: NodeJS.Platform = process.platform): Promise<string> {
  const name = HELPER_NAMES[platform];
  if (name === undefined) throw new Error(`no tray helper for ${platform}`);
  const packageJson = require.resolve('systray2/package.json');
  const { version } = z.object({ version: z.string().regex(/^[\w.+-]+$/) }).parse(JSON.parse(await readFile(packageJson, 'utf8')));
  const source = join(dirname(packageJson), 'traybin', name);
  const target = join(dir, version, name);
  const [from, to] = await Promise.all([stat(source), stat(target).catch(() => undefined)]);
  if (to?.size !== from.size) {
    await mkdir(dirname(target), { recursive: true });
    await copyFile(source, target);
  }
  if (platform !== 'win32') await chmod(target, 0o755);
  return dir;
}
