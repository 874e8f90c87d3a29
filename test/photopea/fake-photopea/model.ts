/**
 * A small Photopea-like document model: documents with layers (top first, as Photoshop's
 * `layers` collection), each art layer with RGBA pixels at a position. What it implements and
 * how, and where that is documented:
 * - app.activeDocument (get/set), app.documents (add, length, index): Photoshop reference;
 *   documents.add(width, height, resolution, name) makes a document with a white Background
 *   layer and makes it active (Photoshop's default fill, which is why photopea-rembg removes
 *   the placeholder after duplicating into it).
 * - Document: name, width, height, layers, activeLayer (get/set), close(SaveOptions), typename.
 * - Layer: name, bounds ([left, top, right, bottom]), visible, parent, typename,
 *   duplicate(relativeObject?, ElementPlacement?) (into another document, or above itself),
 *   move(relativeObject, ElementPlacement), translate(dx, dy), resize(%w, %h, AnchorPosition),
 *   remove().
 * - Document.saveToOE("png") and app.echoToOE(s): Photopea's Live Messaging (api/live): the
 *   file, then (after the whole message) "done".
 * - app.open(url, as, asSmart): learn/scripts: asSmart pastes the image into the current
 *   document as a smart object; here above the active layer, centred on the canvas, loading
 *   after the script has returned (so a script must not use the placed layer in the same
 *   message), and it becomes the active layer.
 * Anything else is refused before the script runs (script-rules.ts).
 */

export interface Pixels {
  width: number;
  height: number;
  data: Uint8ClampedArray;
}

export type Container = FakeDocument | FakeLayerSet;

let nextId = 1;

export class FakeLayer {
  readonly typename: string = 'ArtLayer';
  readonly id = nextId++;
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

  duplicate(relativeObject?: FakeDocument | FakeLayer, placement?: string): FakeLayer {
    const copy = new FakeLayer(this.name, this.x, this.y, { ...this.pixels, data: this.pixels.data.slice() }, this.parent);
    copy.visible = this.visible;
    if (relativeObject instanceof FakeDocument) {
      if (placement !== undefined && placement !== 'PLACEATBEGINNING' && placement !== 'INSIDE') throw new Error(`duplicate into a document: placement ${placement} not modelled`);
      copy.parent = relativeObject;
      relativeObject.layers.unshift(copy);
    } else if (relativeObject === undefined) {
      insertAt(this.parent, this.parent.layers.indexOf(this), copy);
    } else {
      copy.parent = relativeObject.parent;
      place(copy, relativeObject, placement ?? 'PLACEBEFORE');
    }
    return copy;
  }

  move(relativeObject: FakeLayer, placement: string): void {
    if (!(relativeObject instanceof FakeLayer)) throw new Error('move: relativeObject must be a layer');
    if (relativeObject.document() !== this.document()) throw new Error('move: the layers are in different documents');
    detach(this);
    this.parent = relativeObject.parent;
    place(this, relativeObject, placement);
  }

  translate(dx: number, dy: number): void {
    if (typeof dx !== 'number' || typeof dy !== 'number' || !Number.isFinite(dx) || !Number.isFinite(dy)) throw new Error('translate: numbers expected');
    this.x += Math.round(dx);
    this.y += Math.round(dy);
  }

  /** Nearest-neighbour scaling by percentages, anchored at the top left (the only anchor modelled). */
  resize(percentWidth: number, percentHeight: number, anchor: string): void {
    if (anchor !== 'TOPLEFT') throw new Error(`resize: anchor ${anchor} not modelled`);
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

  remove(): void {
    const doc = this.document();
    detach(this);
    if (doc.activeLayerRef === this) doc.activeLayerRef = doc.layers[0] ?? null;
  }

  document(): FakeDocument {
    let node: Container = this.parent;
    while (node instanceof FakeLayerSet) node = node.parent;
    return node;
  }
}

export class FakeLayerSet {
  readonly typename = 'LayerSet';
  visible = true;
  layers: (FakeLayer | FakeLayerSet)[] = [];
  constructor(
    public name: string,
    public parent: Container,
  ) {}
  get bounds(): number[] {
    const boxes = this.layers.map((l) => l.bounds);
    return [Math.min(...boxes.map((b) => b[0]!)), Math.min(...boxes.map((b) => b[1]!)), Math.max(...boxes.map((b) => b[2]!)), Math.max(...boxes.map((b) => b[3]!))];
  }
}

function detach(layer: FakeLayer): void {
  const siblings = layer.parent.layers;
  const index = siblings.indexOf(layer);
  if (index >= 0) siblings.splice(index, 1);
}

function insertAt(parent: Container, index: number, layer: FakeLayer): void {
  layer.parent = parent;
  parent.layers.splice(index, 0, layer);
}

function place(layer: FakeLayer, relative: FakeLayer, placement: string): void {
  const index = relative.parent.layers.indexOf(relative);
  if (placement === 'PLACEBEFORE') insertAt(relative.parent, index, layer);
  else if (placement === 'PLACEAFTER') insertAt(relative.parent, index + 1, layer);
  else throw new Error(`placement ${placement} not modelled`);
}

export class FakeDocument {
  readonly typename = 'Document';
  layers: (FakeLayer | FakeLayerSet)[] = [];
  activeLayerRef: FakeLayer | FakeLayerSet | null = null;
  closed = false;
  constructor(
    readonly app: FakeApp,
    public name: string,
    readonly width: number,
    readonly height: number,
  ) {}

  get activeLayer(): FakeLayer | FakeLayerSet | null {
    return this.activeLayerRef;
  }
  set activeLayer(layer: FakeLayer | FakeLayerSet | null) {
    if (!(layer instanceof FakeLayer) || layer.document() !== this) throw new Error('activeLayer: a layer of this document expected');
    this.activeLayerRef = layer;
  }

  saveToOE(format: string): void {
    if (this.app.failNextSaveToOE) {
      this.app.failNextSaveToOE = false;
      throw new Error('export failed (injected by the test)');
    }
    if (format !== 'png') throw new Error(`saveToOE: only "png" is modelled (got ${format})`);
    this.app.queueFile(composite(this));
  }

  close(option: string): void {
    if (option !== 'DONOTSAVECHANGES') throw new Error('close: only SaveOptions.DONOTSAVECHANGES is modelled');
    this.app.closeDocument(this);
  }
}

/** The visible art layers drawn over a transparent canvas, bottom first (no blend modes). */
export function composite(doc: FakeDocument): Pixels {
  const data = new Uint8ClampedArray(doc.width * doc.height * 4);
  const draw = (layers: (FakeLayer | FakeLayerSet)[]): void => {
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

/** What one message's run produced, in order, for the relay to post before "done". */
export type Output = { kind: 'file'; pixels: Pixels } | { kind: 'text'; text: string };

export interface PendingPlacement {
  doc: FakeDocument;
  above: FakeLayer | FakeLayerSet | null;
  url: string;
}

export class FakeApp {
  documentsList: FakeDocument[] = [];
  private active: FakeDocument | null = null;
  outputs: Output[] = [];
  placements: PendingPlacement[] = [];
  /** Test knob (not Photopea API, unreachable from scripts): the next saveToOE throws. */
  failNextSaveToOE = false;

  get activeDocument(): FakeDocument {
    if (!this.active) throw new Error('no active document');
    return this.active;
  }
  set activeDocument(doc: FakeDocument) {
    if (!(doc instanceof FakeDocument) || doc.closed) throw new Error('activeDocument: an open document expected');
    this.active = doc;
  }

  /** Photoshop's Documents collection: indexable, `length`, `add`. */
  get documents(): FakeDocument[] & { add(width: number, height: number, resolution?: number, name?: string): FakeDocument } {
    const list = [...this.documentsList] as FakeDocument[] & { add(width: number, height: number, resolution?: number, name?: string): FakeDocument };
    list.add = (width, height, _resolution, name) => this.addDocument(name ?? 'Untitled', width, height, true);
    return list;
  }

  addDocument(name: string, width: number, height: number, withBackground: boolean): FakeDocument {
    if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) throw new Error('documents.add: whole positive sizes expected');
    const doc = new FakeDocument(this, name, width, height);
    if (withBackground) {
      const background = new FakeLayer('Background', 0, 0, solid(width, height, [255, 255, 255, 255]), doc);
      doc.layers.push(background);
      doc.activeLayerRef = background;
    }
    this.documentsList.push(doc);
    this.active = doc;
    return doc;
  }

  closeDocument(doc: FakeDocument): void {
    doc.closed = true;
    this.documentsList = this.documentsList.filter((d) => d !== doc);
    if (this.active === doc) this.active = this.documentsList[this.documentsList.length - 1] ?? null;
  }

  echoToOE(text: unknown): void {
    this.outputs.push({ kind: 'text', text: String(text) });
  }

  queueFile(pixels: Pixels): void {
    this.outputs.push({ kind: 'file', pixels });
  }

  open(url: string, _as: unknown, asSmart?: boolean): void {
    if (typeof url !== 'string') throw new Error('open: a URL string expected');
    if (asSmart !== true) throw new Error('open: only asSmart = true (paste into the current document) is modelled');
    const doc = this.activeDocument;
    this.placements.push({ doc, above: doc.activeLayerRef, url });
  }

  /** Finishes a placement once its image is decoded (after the script returned, before "done"). */
  finishPlacement(placement: PendingPlacement, pixels: Pixels, name: string): FakeLayer {
    const doc = placement.doc;
    const layer = new FakeLayer(name, Math.round((doc.width - pixels.width) / 2), Math.round((doc.height - pixels.height) / 2), pixels, doc);
    layer.smartObject = true;
    const above = placement.above;
    if (above && !above.parent.layers.includes(above as never)) throw new Error('the layer to place above is gone');
    if (above instanceof FakeLayer) insertAt(above.parent, above.parent.layers.indexOf(above), layer);
    else doc.layers.unshift(layer);
    doc.activeLayerRef = layer;
    return layer;
  }
}

/** The constants scripts may name (ElementPlacement.PLACEBEFORE is the string "PLACEBEFORE" here). */
export const CONSTANTS = {
  ElementPlacement: { PLACEATBEGINNING: 'PLACEATBEGINNING', PLACEBEFORE: 'PLACEBEFORE', PLACEAFTER: 'PLACEAFTER', INSIDE: 'INSIDE' },
  SaveOptions: { DONOTSAVECHANGES: 'DONOTSAVECHANGES' },
  AnchorPosition: { TOPLEFT: 'TOPLEFT' },
} as const;
