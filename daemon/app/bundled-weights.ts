import { statSync } from 'node:fs';
import { join } from 'node:path';
import { CONVERTED_DIR_NAME, DOWNLOAD_FILE_NAME, MANIFEST_FILE_NAME } from '../weights-download/index.ts';

/**
 * Where a weights-included package (`npm run package -- --with-weights`) keeps the VGG-19
 * weights, relative to the unpacked folder: a converted weights folder or the Keras .h5.
 */
export const BUNDLED_WEIGHTS_DIR = 'weights';

/** The two shapes bundled weights take, by the name the packager gives them. */
export const BUNDLED_WEIGHTS_NAMES = { folder: CONVERTED_DIR_NAME, kerasH5: DOWNLOAD_FILE_NAME } as const;

/**
 * The weights a package carries, if it carries any: the packaged `atelier` uses them as if
 * ATELIER_WEIGHTS named them, so a studio's offline install needs no flag and no download.
 */
export function findBundledWeights(packageRoot: string): string | undefined {
  const folder = join(packageRoot, BUNDLED_WEIGHTS_DIR, BUNDLED_WEIGHTS_NAMES.folder);
  if (statSync(join(folder, MANIFEST_FILE_NAME), { throwIfNoEntry: false })?.isFile()) return folder;
  const h5 = join(packageRoot, BUNDLED_WEIGHTS_DIR, BUNDLED_WEIGHTS_NAMES.kerasH5);
  if (statSync(h5, { throwIfNoEntry: false })?.isFile()) return h5;
  return undefined;
}
