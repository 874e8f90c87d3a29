import { randomBytes } from 'node:crypto';
import { chmod, lstat, mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { StartError, type StartErrorCode } from './start-error.ts';

/**
 * Creates `dir` (owner-only, 0700, as the README promises for the config and cache folders),
 * tightens a looser mode on a folder that is ours, and proves it can be written by writing and
 * removing a probe file. Throws a StartError naming the folder and the system's reason, so a
 * read-only or foreign folder is one sentence at start rather than a stack later (at pairing,
 * at the first log line, at the lock's `listen`).
 */
export async function ensureWritableDirAsync(dir: string, code: StartErrorCode, what: string): Promise<void> {
  const fail = (error: unknown): never => {
    const reason = (error as NodeJS.ErrnoException).code ?? (error instanceof Error ? error.message : String(error));
    throw new StartError(code, `Atelier cannot write its ${what} folder ${dir} (${reason}). Make it writable by you (or delete it so Atelier creates it again), then start Atelier again.`);
  };
  try {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    if (process.platform !== 'win32') {
      const info = await lstat(dir);
      if (!info.isDirectory()) fail(Object.assign(new Error('not a folder'), { code: 'ENOTDIR' }));
      // mkdir's mode is filtered by the umask and says nothing about a folder that existed.
      if ((info.mode & 0o077) !== 0 && info.uid === process.getuid?.()) await chmod(dir, 0o700);
    }
    const probe = join(dir, `.write-probe-${process.pid}-${randomBytes(4).toString('hex')}`);
    await writeFile(probe, '', { mode: 0o600 });
    await rm(probe, { force: true });
  } catch (error) {
    if (error instanceof StartError) throw error;
    fail(error);
  }
}
