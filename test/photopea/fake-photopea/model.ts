/**
 * A small Photopea-like document model: documents with layers (top first, as Photoshop's
 * `layers` collection), each art layer with RGBA pixels at a position. Scripts never touch it
 * directly: they go through dom.ts, which hands out pp.js-style wrappers (`{M, P}`). What is
 * modelled, and from where:
 * - documents.add(width, height, resolution, name, mode, fill): pp.js fx.NE.nV "Documents"/"add"
 *   passes `["Wht","Trns","BckC"][fill ?? 1]`: a new document is TRANSPARENT unless asked
 *   otherwise (one empty "Layer 1"), and it becomes the active document.
 * - Layer methods (duplicate, move, translate, resize, remove) and layer setters act on the
 *   ACTIVE document: pp.js takes the layer's index in `H.IC()` (the active document); a layer of
 *   another document is refused here (dom.ts).
 * - duplicate(document) returns the active document's active layer, not the copy (pp.js
 *   fx.NE.nV "duplicate": `return {M:"Layer",P:l.R[l.T[0]]}`).
 * - saveToOE(format) exports the ACTIVE document, whichever document it is called on (pp.js
 *   window message w.p.my: `var s=this.IC()`).
 * - app.open(url, null, true): an XMLHttpRequest (pp.js w.p.iv); Photopea has already answered
 *   "done" when the image arrives (photopea/photopea#6137, #3288, #5228). It then lands above the
 *   active layer of the document that was active at the call, as a smart object, centred, and
 *   becomes the active layer (host.ts finishes it after the delay the test sets).
 * - A document's selection (issue 31): coverage 0..255 per document pixel, or none. pp.js keeps
 *   it as `e` ({rect, channel}) on the document; `selection` is read and changed on the ACTIVE
 *   document only (fx.NE.Pm and fx.NE.nV take `G.IC()` / `H.IC()`, never the document the
 *   script named): dom.ts. Its bounds are those of the covered pixels (`e.rect`), inside the canvas.
 */

export interface Pixels {
  width: number;
  height: number;
  data: Uint8ClampedArray;
}

export type Container = FakeDocument | FakeLayerSet;
export type AnyLayer = FakeLayer | FakeLayerSet;

/** pp.js fx.NE.Qe: ElementPlacement.PLACEBEFORE is 3, PLACEAFTER 4 (numbers, as scripts see them). */
export const PLACE_BEFORE = 3;
export const PLACE_AFTER = 4;
export const ANCHOR_TOP_LEFT = 0;

export class FakeLayer {
  readonly typename: string = 'ArtLayer';
  visible = true;
  opacity = 100;
  smartObject = false;
  constructor(
    public name: string,
    public x: number,
    public y: number,
    public pixels: Pixels,
    public parent: Container,
  ) {}

  get bounds(): number[] {
    return [this.x, this.y, this.x + this.pixels.width, this.y + this.pixels.height];
  }

  /** A copy put into `target` above its active layer (top level), as pasting does. */
  duplicateInto(target: FakeDocument): FakeLayer {
    const copy = new FakeLayer(this.name, this.x, this.y, { ...this.pixels, data: this.pixels.data.slice() }, target);
    copy.visible = this.visible;
    copy.opacity = this.opacity;
    const active = target.activeLayerRef;
    const index = active && active.parent === target ? target.layers.indexOf(active) : 0;
    target.layers.splice(Math.max(0, index), 0, copy);
    return copy;
  }

  translate(dx: number, dy: number): void {
    this.x += Math.round(dx);
    this.y += Math.round(dy);
  }

  /** Nearest-neighbour scaling by percentages, anchored at the top left (the only anchor modelled). */
  resize(percentWidth: number, percentHeight: number): void {
    const width = Math.max(1, Math.round((this.pixels.width * percentWidth) / 100));
    const height = Math.max(1, Math.round((this.pixels.height * percentHeight) / 100));
    const data = new Uint8ClampedArray(width * height * 4);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const sx = Math.min(this.pixels.width - 1, Math.floor((x * this.pixels.width) / width));
        const sy = Math.min(this.pixels.height - 1, Math.floor((y * this.pixels.height) / height));
        data.set(this.pixels.data.subarray((sy * this.pixels.width + sx) * 4, (sy * this.pixels.width + sx) * 4 + 4), (y * width + x) * 4);
      }
    }
    this.pixels = { width, height, data };
  }

  document(): FakeDocument {
    return documentOf(this);
  }
}

export class FakeLayerSet {
  readonly typename = 'LayerSet';
  visible = true;
  opacity = 100;
  layers: AnyLayer[] = [];
  constructor(
    public name: string,
    public parent: Container,
  ) {}
  get bounds(): number[] {
    const boxes = this.layers.map((l) => l.bounds);
    if (boxes.length === 0) return [0, 0, 0, 0];
    return [Math.min(...boxes.map((b) => b[0]!)), Math.min(...boxes.map((b) => b[1]!)), Math.max(...boxes.map((b) => b[2]!)), Math.max(...boxes.map((b) => b[3]!))];
  }
  document(): FakeDocument {
    return documentOf(this);
  }
}

function documentOf(layer: AnyLayer): FakeDocument {
  let node: Container = layer.parent;
  while (node instanceof FakeLayerSet) node = node.parent;
  return node;
}

export function detach(layer: AnyLayer): void {
  const siblings = layer.parent.layers;
  const index = siblings.indexOf(layer);
  if (index >= 0) siblings.splice(index, 1);
}

/** Moves `layer` directly above (PLACE_BEFORE) or below (PLACE_AFTER) `relative`, into its parent. */
export function place(layer: AnyLayer, relative: AnyLayer, placement: number): void {
  detach(layer);
  layer.parent = relative.parent;
  const index = relative.parent.layers.indexOf(relative);
  relative.parent.layers.splice(placement === PLACE_BEFORE ? index : index + 1, 0, layer);
}

export class FakeDocument {
  readonly typename = 'Document';
  layers: AnyLayer[] = [];
  activeLayerRef: AnyLayer | null = null;
  closed = false;
  /** Coverage 0..255 per pixel (row-major, the canvas' size), or null: nothing selected. */
  selection: Uint8ClampedArray | null = null;
  /** How many layers "Layer N" Photopea has named (a new layer is "Layer <n+1>"). */
  newLayers = 0;
  constructor(
    public name: string,
    readonly width: number,
    readonly height: number,
  ) {}

  /** Every layer, bottom first, groups after their content: pp.js's flat list `R` (itemIndex is its index + 1). */
  flat(): AnyLayer[] {
    const out: AnyLayer[] = [];
    const walk = (layers: AnyLayer[]): void => {
      for (const layer of [...layers].reverse()) {
        if (layer instanceof FakeLayerSet) walk(layer.layers);
        out.push(layer);
      }
    };
    walk(this.layers);
    return out;
  }

  contains(layer: AnyLayer): boolean {
    return this.flat().includes(layer);
  }

  remove(layer: AnyLayer): void {
    detach(layer);
    if (this.activeLayerRef === layer) this.activeLayerRef = this.layers[0] ?? null;
  }

  /** The covered pixels' box [left, top, right, bottom], or null when nothing is selected. */
  selectionBounds(): [number, number, number, number] | null {
    const sel = this.selection;
    if (!sel) return null;
    let [left, top, right, bottom] = [this.width, this.height, 0, 0];
    for (let y = 0; y < this.height; y++) {
      for (let x = 0; x < this.width; x++) {
        if (sel[y * this.width + x] === 0) continue;
        left = Math.min(left, x);
        top = Math.min(top, y);
        right = Math.max(right, x + 1);
        bottom = Math.max(bottom, y + 1);
      }
    }
    return right > left ? [left, top, right, bottom] : null;
  }

  /** Selects the rectangle [left, top, right, bottom) (clipped to the canvas) with `coverage`; a test's Marquee. */
  selectRect(left: number, top: number, right: number, bottom: number, coverage = 255): void {
    const sel = new Uint8ClampedArray(this.width * this.height);
    for (let y = Math.max(0, top); y < Math.min(this.height, bottom); y++) sel.fill(coverage, y * this.width + Math.max(0, left), y * this.width + Math.min(this.width, right));
    this.selection = sel;
  }

  /**
   * A new empty art layer directly above the active layer (in its group), made active: pp.js
   * fx.NE.nV "Layers" "add" posts "new layer" (C.Wf) to the active document and returns its
   * active layer.
   */
  addEmptyLayer(): FakeLayer {
    const above = this.activeLayerRef;
    const parent: Container = above ? above.parent : this;
    const layer = new FakeLayer(`Layer ${++this.newLayers + 1}`, 0, 0, { width: 0, height: 0, data: new Uint8ClampedArray(0) }, parent);
    parent.layers.splice(above ? parent.layers.indexOf(above) : 0, 0, layer);
    this.activeLayerRef = layer;
    return layer;
  }
}

/**
 * Edit › Fill with a colour through the selection on `layer` (pp.js Selection "fill" → E.Qb.s4
 * "Clr", mode "norm", opacity 100 % unless given): each pixel is painted with the selection's
 * coverage as alpha over what the layer had, the layer growing to the selection's box.
 */
export function fillSelection(doc: FakeDocument, layer: FakeLayer, rgb: [number, number, number], opacity: number): void {
  const sel = doc.selection;
  const bounds = doc.selectionBounds();
  if (!sel || !bounds) throw new Error('fillSelection: nothing selected');
  const has = layer.pixels.width > 0 && layer.pixels.height > 0;
  const [left, top] = has ? [Math.min(layer.x, bounds[0]), Math.min(layer.y, bounds[1])] : [bounds[0], bounds[1]];
  const [right, bottom] = has ? [Math.max(layer.x + layer.pixels.width, bounds[2]), Math.max(layer.y + layer.pixels.height, bounds[3])] : [bounds[2], bounds[3]];
  const width = right - left;
  const height = bottom - top;
  const data = new Uint8ClampedArray(width * height * 4);
  for (let y = 0; y < layer.pixels.height; y++) {
    for (let x = 0; x < layer.pixels.width; x++) {
      const s = (y * layer.pixels.width + x) * 4;
      data.set(layer.pixels.data.subarray(s, s + 4), ((layer.y - top + y) * width + (layer.x - left + x)) * 4);
    }
  }
  for (let y = bounds[1]; y < bounds[3]; y++) {
    for (let x = bounds[0]; x < bounds[2]; x++) {
      const a = (sel[y * doc.width + x]! / 255) * opacity;
      if (a === 0) continue;
      const d = ((y - top) * width + (x - left)) * 4;
      const under = data[d + 3]! / 255;
      const out = a + under * (1 - a);
      for (let c = 0; c < 3; c++) data[d + c] = Math.round((rgb[c]! * a + data[d + c]! * under * (1 - a)) / out);
      data[d + 3] = Math.round(out * 255);
    }
  }
  layer.x = left;
  layer.y = top;
  layer.pixels = { width, height, data };
}

/** The visible art layers drawn over a transparent canvas, bottom first (no blend modes). */
export function composite(doc: FakeDocument): Pixels {
  const data = new Uint8ClampedArray(doc.width * doc.height * 4);
  const draw = (layers: AnyLayer[]): void => {
    for (const layer of [...layers].reverse()) {
      if (!layer.visible) continue;
      if (layer instanceof FakeLayerSet) {
        draw(layer.layers);
        continue;
      }
      const p = layer.pixels;
      for (let y = 0; y < p.height; y++) {
        const dy = layer.y + y;
        if (dy < 0 || dy >= doc.height) continue;
        for (let x = 0; x < p.width; x++) {
          const dx = layer.x + x;
          if (dx < 0 || dx >= doc.width) continue;
          const s = (y * p.width + x) * 4;
          const d = (dy * doc.width + dx) * 4;
          const a = p.data[s + 3]! / 255;
          for (let c = 0; c < 3; c++) data[d + c] = p.data[s + c]! * a + data[d + c]! * (1 - a);
          data[d + 3] = Math.max(data[d + 3]!, p.data[s + 3]!);
        }
      }
    }
  };
  draw(doc.layers);
  return { width: doc.width, height: doc.height, data };
}

export function solid(width: number, height: number, rgba: [number, number, number, number]): Pixels {
  const data = new Uint8ClampedArray(width * height * 4);
  for (let i = 0; i < width * height; i++) data.set(rgba, i * 4);
  return { width, height, data };
}

/** What one message's run produced, in order: echoToOE strings and saveToOE files. */
export type Output = { kind: 'file'; pixels: Pixels } | { kind: 'text'; text: string };

/** An app.open(url, null, true) still loading. */
export interface PendingOpen {
  doc: FakeDocument;
  url: string;
}

export class FakeApp {
  documentsList: FakeDocument[] = [];
  active: FakeDocument | null = null;
  outputs: Output[] = [];
  opens: PendingOpen[] = [];
  /** Test knobs (not Photopea API, unreachable from scripts). */
  knobs = { saveToOEFails: false, saveToOECrashes: false };

  addDocument(name: string, width: number, height: number, fill: 'white' | 'transparent'): FakeDocument {
    const doc = new FakeDocument(name, width, height);
    const layer = new FakeLayer(fill === 'white' ? 'Background' : 'Layer 1', 0, 0, solid(width, height, fill === 'white' ? [255, 255, 255, 255] : [0, 0, 0, 0]), doc);
    doc.layers.push(layer);
    doc.activeLayerRef = layer;
    this.documentsList.push(doc);
    this.active = doc;
    return doc;
  }

  closeDocument(doc: FakeDocument): void {
    doc.closed = true;
    this.documentsList = this.documentsList.filter((d) => d !== doc);
    if (this.active === doc) this.active = this.documentsList[this.documentsList.length - 1] ?? null;
  }

  /** Finishes an app.open: above the document's active layer NOW, centred, a smart object, then active. */
  finishOpen(open: PendingOpen, pixels: Pixels, name: string): FakeLayer | null {
    const doc = open.doc;
    if (doc.closed) return null;
    const layer = new FakeLayer(name, Math.round((doc.width - pixels.width) / 2), Math.round((doc.height - pixels.height) / 2), pixels, doc);
    layer.smartObject = true;
    const above = doc.activeLayerRef;
    if (above && doc.contains(above)) {
      layer.parent = above.parent;
      above.parent.layers.splice(above.parent.layers.indexOf(above), 0, layer);
    } else doc.layers.unshift(layer);
    doc.activeLayerRef = layer;
    return layer;
  }
}
