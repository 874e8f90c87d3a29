/**
 * The pixels the fake's exportAsync renders, with the transparency Figma's PNG exports have:
 *  - a PNG export keeps what the layer does not cover transparent (PNG is the format with an
 *    alpha channel; "JPG" has none): an ellipse's corners, the corners of a rotated layer's
 *    axis-aligned render box (LayoutMixin.absoluteRenderBounds is axis-aligned), a frame's
 *    unclipped children's area outside its own box;
 *  - "contentsOnly: Whether only the contents of the node are exported, or any overlapping layer
 *    in the same area. Defaults to true" (plugin-api.d.ts, ExportSettingsImage): only the node
 *    and its descendants are drawn, never the layers over or under it;
 *  - invisible descendants are not drawn (SceneNodeMixin.visible), and a frame that clips its
 *    content (FrameNode.clipsContent: "whether layers inside the frame are visible outside the
 *    bounds of the frame") cuts its children at its box.
 * The exported layer itself shows its picture or test pattern (png-encode.ts, paintPattern); the layers in
 * it show their flat colour, so a test can tell from the pixels which of them were drawn.
 * Shapes: ellipses are ellipses, every other layer is its box (polygons, stars and vectors are
 * not outlined: the tests' masks are rectangles and ellipses). Text keeps its whole region
 * opaque, as the fake always drew it. Drop shadows and strokes widen the region but draw nothing.
 */
import type { Box, Matrix } from './geometry.ts';
import { paintPattern, type RgbColor } from './png-encode.ts';

/** What render.ts reads of a layer (FakeSceneNode satisfies it). */
export interface RenderedLayer {
  readonly type: string;
  readonly visible: boolean;
  readonly width: number;
  readonly height: number;
  readonly absoluteTransform: Matrix;
  readonly clipsContent: boolean;
  readonly childList: ReadonlyArray<RenderedLayer>;
  readonly color: RgbColor;
  readonly pattern: 'disc' | 'stripes' | 'plain';
  /** A real picture for the layer's own paint (the browser harness's photos), RGB at the asked size. */
  readonly picture: ((width: number, height: number) => Uint8Array) | null;
}

/** The layer's own paint over the export: its picture, or the test pattern. */
export function ownPaint(layer: RenderedLayer, width: number, height: number): Uint8Array {
  return layer.picture?.(width, height) ?? paintPattern(width, height, layer.color, layer.pattern);
}

/** Groups and boolean operations draw only their children (they have no fills of their own). */
function drawsOwnShape(layer: RenderedLayer): boolean {
  return layer.type !== 'GROUP' && layer.type !== 'BOOLEAN_OPERATION';
}

/** The page point (x, y) in the layer's own space: the inverse of its rotation-and-translation transform. */
function toLocal(m: Matrix, x: number, y: number): [number, number] {
  const dx = x - m[0][2];
  const dy = y - m[1][2];
  return [m[0][0] * dx + m[1][0] * dy, m[0][1] * dx + m[1][1] * dy];
}

function insideBox(layer: RenderedLayer, x: number, y: number): boolean {
  const [u, v] = toLocal(layer.absoluteTransform, x, y);
  return u >= 0 && v >= 0 && u < layer.width && v < layer.height;
}

function insideShape(layer: RenderedLayer, x: number, y: number): boolean {
  if (layer.type !== 'ELLIPSE') return insideBox(layer, x, y);
  const [u, v] = toLocal(layer.absoluteTransform, x, y);
  const rx = layer.width / 2;
  const ry = layer.height / 2;
  return ((u - rx) / rx) ** 2 + ((v - ry) / ry) ** 2 <= 1;
}

/**
 * RGBA pixels of `layer` exported over `region` (page coordinates) at `width`×`height`: each
 * pixel is sampled at its centre.
 */
export function renderLayer(layer: RenderedLayer, region: Box, width: number, height: number): Uint8Array {
  const rgba = new Uint8Array(width * height * 4);
  const picture = ownPaint(layer, width, height);
  const text = layer.type === 'TEXT';
  for (let py = 0; py < height; py++) {
    for (let px = 0; px < width; px++) {
      const x = region.x + ((px + 0.5) * region.width) / width;
      const y = region.y + ((py + 0.5) * region.height) / height;
      const i = (py * width + px) * 4;
      if (text || (drawsOwnShape(layer) && insideShape(layer, x, y))) {
        rgba.set(picture.subarray((py * width + px) * 3, (py * width + px) * 3 + 3), i);
        rgba[i + 3] = 255;
      }
      const top = topmostChildColor(layer, x, y);
      if (top) {
        rgba.set(top, i);
        rgba[i + 3] = 255;
      }
    }
  }
  return rgba;
}

/** The colour of the frontmost visible descendant drawn at (x, y), or null. */
function topmostChildColor(layer: RenderedLayer, x: number, y: number): RgbColor | null {
  if (layer.clipsContent && !insideBox(layer, x, y)) return null;
  for (let k = layer.childList.length - 1; k >= 0; k--) {
    const child = layer.childList[k]!;
    if (!child.visible) continue;
    const inner = topmostChildColor(child, x, y);
    if (inner) return inner;
    if (drawsOwnShape(child) && insideShape(child, x, y)) return child.color;
  }
  return null;
}
