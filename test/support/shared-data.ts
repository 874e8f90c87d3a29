import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** `../shared` beside the repository: real weights and images, never copied into the repo. */
export const SHARED_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../../shared');
export const REAL_WEIGHTS_DIR = join(SHARED_DIR, 'vgg19-keras-uint8');
export const SHARED_IMAGES_DIR = join(SHARED_DIR, 'images');

/** A `skip` value for node:test: false when the real weights are there, else the reason. */
export const skipWithoutSharedWeights: string | false = existsSync(join(REAL_WEIGHTS_DIR, 'weights_manifest.json'))
  ? false
  : `../shared/vgg19-keras-uint8 is absent (looked in ${REAL_WEIGHTS_DIR}); this test needs the real VGG-19 weights`;
