/**
 * Defaults and bounds of the engine's region masks (region-mask.ts); the CLI and the daemon
 * check a designer's values against these.
 */
export const REGION_LIMITS = {
  /**
   * The feather of a masked job's edge, in pixels of the result: the stylised pixels fade into
   * the source's over this width outside the mask's edge (a tent of two box blurs), and every
   * pixel farther than it from the mask (along rows or columns) is the source's exactly. 4 px
   * hides the seam between optimised and original pixels at 512 px without a visible halo; 0
   * gives the mask's own edge.
   */
  defaultFeatherPx: 4,
  /** The widest feather accepted: a quarter of a 1024 px result is already more than a soft edge. */
  maxFeatherPx: 256,
} as const;

/**
 * The smallest longest side, in px, that the atelier and painterly pyramids start at (their
 * `floorSide`, presets.ts): a stage below it is dropped, however small the job. At Draft (256 px)
 * atelier's first stage was 64 px, where a weakly structured photo (chelsea's cat) is a few
 * blobs that relu4_2 cannot hold against The Scream, and the stages above, with fewer
 * iterations, never brought the cat back. 128 px is where those presets' pyramids start at
 * Balanced (512 px), so jobs at 512 px and above keep every stage; only smaller jobs run fewer.
 * atelier's jobs up to SMALL_JOB_SIDE run one stage anyway (presets.ts' small-job plan): the
 * floor serves painterly, and atelier between that side and 512 px.
 */
export const PYRAMID_FLOOR_SIDE = 128;

/**
 * The longest side, in px, up to which a job is small and atelier runs its small-job plan
 * (presets.ts' `small`): Draft (256 px) and below. Jobs above it compute what they did.
 */
export const SMALL_JOB_SIDE = 256;

/**
 * Telling a photo's own resolution from its pixels (own-resolution.ts), which decides how many
 * of a job's top stages are detail stages (presets.ts' `detailStageFactor`).
 */
export const OWN_RESOLUTION = {
  /**
   * Top octaves count as empty under this fraction of the energy the photo's own octaves below
   * predict (own-resolution.ts' enlargedOctaves). Measured by scripts/measure-own-resolution.ts
   * on the seven development images (docs/quality.md, "Best").
   */
  emptyOctaveFraction: 0.65,
  /** The most octaves counted: a photo enlarged 8× is as good as a flat one. */
  maxOctaves: 3,
  /** The shortest side, in px, of the grid an octave is measured on. */
  minSide: 32,
  /** Under this mean squared level difference per pixel an octave is too faint to compare (flat art). */
  minOctaveEnergy: 0.25,
} as const;
