/**
 * The packaged `atelier` command (scripts/package bundles this file into
 * <package>/app/daemon/atelier.mjs): the CLI, with the package's own weights when it carries
 * them. Start-at-login runs this same file with `start`.
 */
import { fileURLToPath } from 'node:url';
import { findBundledWeights } from '../app/bundled-weights.ts';
import { mainAsync } from './main.ts';

const script = fileURLToPath(import.meta.url);
// The bundle sits two folders below the package root, as this file sits below the repository's.
const bundled = findBundledWeights(fileURLToPath(new URL('../../', import.meta.url)));
// A designer's own --weights or ATELIER_WEIGHTS still wins.
if (bundled && !process.env.ATELIER_WEIGHTS) process.env.ATELIER_WEIGHTS = bundled;
process.exitCode = await mainAsync(process.argv.slice(2), { relaunchArgs: [script, 'start'] });
