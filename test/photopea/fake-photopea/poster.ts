/**
 * The designer's document every Photopea test starts from: a poster with a picture (the layer
 * to stylise), a painting, a caption, and a group with another painting; "Hero" selected.
 * Top first: Caption, Extras ▾ (Great Wave), Hero, Starry Night, Background.
 */
import { FakeLayer, FakeLayerSet, solid, type FakeApp, type FakeDocument, type Pixels } from './model.ts';

export function gradient(width: number, height: number): Pixels {
  const data = new Uint8ClampedArray(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) data.set([Math.round((255 * x) / width), Math.round((255 * y) / height), 140, 255], (y * width + x) * 4);
  }
  return { width, height, data };
}

export function stripes(width: number, height: number): Pixels {
  const data = new Uint8ClampedArray(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) data.set((x + y) % 12 < 6 ? [235, 200, 40, 255] : [25, 45, 160, 255], (y * width + x) * 4);
  }
  return { width, height, data };
}

export function addPoster(app: FakeApp): FakeDocument {
  const poster = app.addDocument('Poster.psd', 320, 240, 'white');
  const hero = new FakeLayer('Hero', 96, 60, gradient(160, 120), poster);
  const painting = new FakeLayer('Starry Night', 12, 12, stripes(64, 64), poster);
  const caption = new FakeLayer('Caption', 60, 196, solid(200, 28, [30, 30, 30, 255]), poster);
  const group = new FakeLayerSet('Extras', poster);
  group.layers.push(new FakeLayer('Great Wave', 250, 12, stripes(56, 56), group));
  poster.layers.unshift(caption, group, hero, painting);
  poster.activeLayerRef = hero;
  return poster;
}

/** The layer tree as tests compare it: names top first, groups entered (depth-first). */
export interface LayerInfo {
  name: string;
  bounds: number[];
  width: number;
  height: number;
  smart: boolean;
  visible: boolean;
  depth: number;
}

export function flatLayers(doc: FakeDocument): LayerInfo[] {
  const out: LayerInfo[] = [];
  const walk = (layers: (FakeLayer | FakeLayerSet)[], depth: number): void => {
    for (const l of layers) {
      if (l instanceof FakeLayerSet) {
        out.push({ name: l.name, bounds: l.bounds, width: 0, height: 0, smart: false, visible: l.visible, depth });
        walk(l.layers, depth + 1);
      } else out.push({ name: l.name, bounds: l.bounds, width: l.pixels.width, height: l.pixels.height, smart: l.smartObject, visible: l.visible, depth });
    }
  };
  walk(doc.layers, 0);
  return out;
}
