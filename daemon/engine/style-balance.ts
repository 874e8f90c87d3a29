import { CAFFE_FEATURE_SCALE } from './presets.ts';
import type { InputConventionName } from './types.ts';

/**
 * Style weight per unit of Gram energy (`StyleOptions.normalizeStyle`).
 *
 * A Gram loss grows with the square of the style's own Gram entries, so one style weight is a
 * far stronger pull on a strongly textured style than on a flat one: at 512 px Starry Night's
 * Grams carry 7.5 times The Scream's energy (relu1_1…relu5_1), and with the same weights
 * tubingen × starry_night kept edge correlation 0.26 where tubingen × the_scream kept 0.44.
 * So the style weight is divided by the style's energy relative to a reference style's, raised
 * to STYLE_BALANCE_EXPONENT.
 *
 * The energy of a layer is the mean of its Gram's squared entries, Gram = FᵀF/(c·n) as the
 * losses use it (so the style loss starts from it: ‖G − T‖²/c² at G = 0). It falls with the
 * image's size and not alike for every style (The Scream's is 4× larger at 128 px than at
 * 512 px, Starry Night's 1.6×), so it is measured once a job, on the style fitted to a stage
 * of STYLE_BALANCE_SIDE px, the size the reference was measured at, and the factor holds for
 * every stage and every job size (Draft and Best get the same balance).
 */

/**
 * How far the style weight follows the energy: 1 divides by the energy, 0.5 by the Gram's
 * magnitude (its root mean square). Measured on the atelier preset (docs/quality.md), Starry
 * Night (7.5× The Scream's energy) being the style it moves most:
 *
 * | exponent | Starry factor | tubingen × starry SWD / edge | astronaut × starry SWD / edge |
 * | ---: | ---: | ---: | ---: |
 * | 0 | 1 | 0.0238 / 0.261 | 0.0332 / 0.401 |
 * | 0.5 | 0.366 | 0.0352 / 0.376 | 0.0517 / 0.504 |
 * | 0.6 | 0.298 | 0.0382 / 0.419 | see docs/quality.md |
 * | 1 | 0.134 | 0.0571 / 0.546 | 0.0979 / 0.636 |
 *
 * 0.6 is the least that keeps tubingen × starry's structure (edge ≥ 0.4) while the detailed
 * astronaut photo still takes the style (SWD ≤ 0.08); a whole division (1) leaves her far
 * from Starry Night, and the magnitude (0.5) still washes tubingen's façades out.
 */
export const STYLE_BALANCE_EXPONENT = 0.6;

/** The longest side of the stage the style's energy is measured at (the reference's size). */
export const STYLE_BALANCE_SIDE = 512;

/**
 * The reference style's Gram energy per tap, Caffe convention: The Scream
 * (../shared/images/style/the_scream.jpg) at 512 px on its longest side, by
 * scripts/measure-gram-energy.ts. The Scream because classic's weights were measured against
 * it first (issue 10): the normalised style weight is classic's for a style of its energy.
 */
export const REFERENCE_GRAM_ENERGY: Readonly<Record<string, number>> = {
  conv1_1: 1330, relu1_1: 298, conv1_2: 136000, relu1_2: 127000,
  conv2_1: 33400, relu2_1: 14600, conv2_2: 82500, relu2_2: 16400,
  conv3_1: 27100, relu3_1: 5430, conv3_2: 17700, relu3_2: 11000,
  conv3_3: 145000, relu3_3: 192000, conv3_4: 1160000, relu3_4: 1490000,
  conv4_1: 1190000, relu4_1: 265000, conv4_2: 1040000, relu4_2: 47900,
  conv4_3: 423000, relu4_3: 2700, conv4_4: 174000, relu4_4: 25.5,
  conv5_1: 4570, relu5_1: 13.4, conv5_2: 371, relu5_2: 0.439,
  conv5_3: 15.9, relu5_3: 0.0159, conv5_4: 2.97, relu5_4: 0.0000636,
};

/** Σ over layers of the mean squared entry of each (normalised, [c, c]) Gram. */
export function gramEnergy(grams: readonly Float32Array[]): number {
  let energy = 0;
  for (const g of grams) {
    let squares = 0;
    for (let k = 0; k < g.length; k++) squares += g[k] * g[k];
    energy += squares / g.length;
  }
  return energy;
}

/**
 * What the style weight is multiplied by for a style of `energy` (gramEnergy of its blended
 * Grams at `layers`, in `convention`'s units): the reference's energy at the same layers over
 * the style's, to STYLE_BALANCE_EXPONENT. Features scale by CAFFE_FEATURE_SCALE between
 * conventions, Gram energies by its fourth power.
 */
export function styleBalanceFactor(layers: readonly string[], energy: number, convention: InputConventionName): number {
  const perUnit = convention === 'caffe' ? 1 : CAFFE_FEATURE_SCALE ** -4;
  const reference = layers.reduce((sum, l) => sum + REFERENCE_GRAM_ENERGY[l] * perUnit, 0);
  // A flat (all-black) style has no energy: nothing to balance against, so the weight stays.
  if (!(energy > 0) || !Number.isFinite(energy)) return 1;
  return (reference / energy) ** STYLE_BALANCE_EXPONENT;
}
