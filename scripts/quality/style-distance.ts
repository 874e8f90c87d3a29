import type { FeatureExtractor, FeatureSet, RgbImage } from '../../daemon/engine/index.ts';
import { insidePositions, selectPositions } from './masked-pairs.ts';
import { randomDirections, slicedWassersteinSorted, sortedProjections } from './sliced-wasserstein.ts';

/** The layers the SWD ratio reads: colour and fine texture (relu1_1) up to motifs (relu4_1). */
export const SWD_LAYERS = ['relu1_1', 'relu2_1', 'relu3_1', 'relu4_1'] as const;
/** Random directions per layer and their seed: fixed, so every run measures along the same ones. */
export const SWD_DIRECTIONS = 64;
export const SWD_SEED = 1;

/** Part of an image to measure (masked-pairs.ts' maskZones' `inside`, at the image's size); `key` names it for the cache. */
export interface MeasuredRegion {
  key: string;
  inside: Uint8Array;
}

export interface StyleDistance {
  /** Mean over layers of SWD(image, style). */
  swd: number;
  perLayer: Record<string, number>;
}

/**
 * Sliced Wasserstein distances between images' VGG-19 feature distributions and a style's,
 * with each image's and style's features computed once (keyed by the caller's names).
 */
export class StyleDistanceMeter {
  private readonly projections = new Map<string, Promise<Map<string, Float32Array[]>>>();
  private readonly directions = new Map<number, Float32Array[]>();

  constructor(private readonly extractor: FeatureExtractor) {}

  private async projectAsync(image: RgbImage, region?: MeasuredRegion): Promise<Map<string, Float32Array[]>> {
    const features: Map<string, FeatureSet> = await this.extractor.featuresAsync(image, SWD_LAYERS);
    const inRegion = (l: string, set: FeatureSet): FeatureSet =>
      region ? selectPositions(set, insidePositions(region.inside, image.width, image.height, l)) : set;
    return new Map(SWD_LAYERS.map((l) => [l, sortedProjections(inRegion(l, features.get(l)!), this.directionsFor(features.get(l)!.channels))]));
  }

  /** Sorted projections per layer; those of a keyed image (a content, a style) are kept. */
  private projectionsAsync(key: string | undefined, image: RgbImage, region?: MeasuredRegion): Promise<Map<string, Float32Array[]>> {
    if (!key) return this.projectAsync(image, region);
    const k = region ? `${key}|${region.key}` : key;
    let p = this.projections.get(k);
    if (!p) {
      p = this.projectAsync(image, region);
      this.projections.set(k, p);
    }
    return p;
  }

  private directionsFor(channels: number): Float32Array[] {
    let d = this.directions.get(channels);
    if (!d) {
      d = randomDirections(channels, SWD_DIRECTIONS, SWD_SEED + channels);
      this.directions.set(channels, d);
    }
    return d;
  }

  /**
   * `imageKey`/`styleKey` cache features of images measured again (a content, a style).
   * With `region`, only the image's feature positions inside it are compared with the style.
   */
  async distanceAsync(image: RgbImage, style: RgbImage, keys: { image?: string; style?: string } = {}, region?: MeasuredRegion): Promise<StyleDistance> {
    const pi = await this.projectionsAsync(keys.image, image, region);
    const ps = await this.projectionsAsync(keys.style, style);
    const perLayer: Record<string, number> = {};
    for (const l of SWD_LAYERS) {
      perLayer[l] = slicedWassersteinSorted(pi.get(l)!, ps.get(l)!);
    }
    const values = Object.values(perLayer);
    return { swd: values.reduce((s, v) => s + v, 0) / values.length, perLayer };
  }
}
