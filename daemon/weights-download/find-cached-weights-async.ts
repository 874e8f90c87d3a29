import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { CONVERTED_DIR_NAME, MANIFEST_FILE_NAME } from './weights-source.ts';

/**
 * The weights the daemon's first run downloaded and converted into the cache, if it has run:
 * what `atelier stylize` and `atelier doctor` use when neither --weights nor ATELIER_WEIGHTS
 * names any. Never downloads (that is the daemon's first-run job, with its progress).
 */
export async function findCachedWeightsAsync(cacheDir: string): Promise<string | undefined> {
  const dir = join(cacheDir, CONVERTED_DIR_NAME);
  return stat(join(dir, MANIFEST_FILE_NAME)).then(
    (s) => (s.isFile() ? dir : undefined),
    () => undefined,
  );
}
