/**
 * The Photoshop-like objects a script sees, as pp.js hands them out: plain wrappers
 * `{M: kind, P: payload}` made afresh on EVERY read (fx.NE.Pm builds a new `{M:"Layer",P:a}`
 * for each `layers[i]`, `activeLayer` or `parent`), so two reads of one layer are never `===`.
 * get = fx.NE.Pm, call = fx.NE.nV, set = fx.NE.aiW; anything those functions do not handle
 * (they log it and yield undefined, or `throw`) is refused here with a ScriptCrash.
 */
import { DomThrow, ScriptCrash, isDom, isUnitValue, type DomObject, type PhotopeaDom } from './interpreter.ts';
import { ANCHOR_TOP_LEFT, FakeDocument, FakeLayer, FakeLayerSet, PLACE_AFTER, PLACE_BEFORE, composite, fillSelection, place, type AnyLayer, type FakeApp } from './model.ts';

function crash(message: string): never {
  throw new ScriptCrash(message);
}

const wrap = (M: string, P: unknown): DomObject => ({ M, P });
/** pp.js fx.NE.ri: a pixel value as a UnitValue. */
const unit = (value: number): DomObject => wrap('UnitValue', value);

/** A layer list; `owner` is where it was read (pp.js keeps it as `nl`). */
type LayerList = DomObject & { owner: FakeDocument };

function layersOf(container: FakeDocument | FakeLayerSet, artOnly = false): LayerList {
  // pp.js fx.NE.Pm "layers"/"artLayers": a new list of new wrappers, top first; `artLayers`
  // leaves the groups out (`if(l&&h=="artLayers"…)continue`).
  const layers = artOnly ? container.layers.filter((l) => l instanceof FakeLayer) : container.layers;
  return { M: 'Layers', P: layers.map((l) => wrap('Layer', l)), owner: container instanceof FakeDocument ? container : container.document() };
}

/** pp.js RGBColor "red"/"green"/"blue": the SolidColor's channels 1..3, as 0..1. */
const CHANNELS: Record<string, number> = { red: 1, green: 2, blue: 3 };

function colorChannels(value: unknown): number[] {
  if (!isDom(value) || value.M !== 'SolidColor' || !Array.isArray(value.P)) crash('a SolidColor expected');
  return value.P as number[];
}

function number(value: unknown, what: string): number {
  const n = isUnitValue(value) ? value.P : value;
  if (typeof n !== 'number' || !Number.isFinite(n)) crash(`${what}: a number expected`);
  return n;
}

export class FakeDom implements PhotopeaDom {
  constructor(private readonly model: FakeApp) {}

  app(): DomObject {
    return wrap('Application', null);
  }

  private document(target: DomObject): FakeDocument {
    const doc = target.P;
    // pp.js reads the document's fields directly: `app.activeDocument.name` with none open reads `null.name`.
    if (!(doc instanceof FakeDocument) || doc.closed) crash('no such document (none open, or it was closed)');
    return doc;
  }

  private layer(target: DomObject): AnyLayer {
    const layer = target.P;
    if (!(layer instanceof FakeLayer) && !(layer instanceof FakeLayerSet)) crash('no such layer (pp.js reads a field of undefined)');
    return layer;
  }

  /** Layer methods and setters find the layer in the ACTIVE document (pp.js: `l=H.IC()`, `d=l.R.indexOf(m)`). */
  private layerInActive(target: DomObject, what: string): AnyLayer {
    const layer = this.layer(target);
    const active = this.model.active;
    if (!active || !active.contains(layer)) crash(`${what} on a layer of a document that is not the active one (pp.js acts on the active document)`);
    return layer;
  }

  get(target: DomObject, name: string | number): unknown {
    if (name === 'typename') {
      if (target.M === 'Layer') return this.layer(target).typename;
      return target.M;
    }
    switch (target.M) {
      case 'Application':
        if (name === 'activeDocument') return wrap('Document', this.model.active);
        if (name === 'documents') return wrap('Documents', this.model.documentsList.map((d) => wrap('Document', d)));
        break;
      case 'Documents':
      case 'Layers': {
        const list = target.P as DomObject[];
        if (name === 'length') return list.length;
        // pp.js: `Number.isInteger(h)` → `b.P[h]` (undefined past the end).
        if (typeof name === 'number' && Number.isInteger(name)) return list[name];
        break;
      }
      case 'Document': {
        const doc = this.document(target);
        if (name === 'name') return doc.name;
        if (name === 'width') return doc.width;
        if (name === 'height') return doc.height;
        if (name === 'resolution') return 72;
        if (name === 'layers') return layersOf(doc);
        if (name === 'artLayers') return layersOf(doc, true);
        // pp.js fx.NE.Pm Document "selection": `{M:"Selection"}`, no document in it: every
        // read and call on it acts on the ACTIVE document (`j=G.IC()`).
        if (name === 'selection') return wrap('Selection', null);
        // pp.js: `{M:"Layer",P:j.R[j.T[0]]}`: with no layer selected, a wrapper of undefined.
        if (name === 'activeLayer') return wrap('Layer', doc.activeLayerRef ?? undefined);
        break;
      }
      case 'Layer': {
        const layer = this.layer(target);
        const doc = layer.document();
        if (name === 'name') return layer.name;
        if (name === 'visible') return layer.visible;
        if (name === 'opacity') return layer.opacity;
        if (name === 'bounds') return layer.bounds.map(unit);
        if (name === 'layers') return layer instanceof FakeLayerSet ? layersOf(layer) : null;
        if (name === 'parent') return layer.parent instanceof FakeDocument ? wrap('Document', layer.parent) : wrap('Layer', layer.parent);
        if (name === 'itemIndex') return doc.flat().indexOf(layer) + 1;
        // fx.NE.q6: 1 = smart object (LayerKind.SMARTOBJECT), 0 = normal.
        if (name === 'kind') return layer instanceof FakeLayer && layer.smartObject ? 1 : 0;
        break;
      }
      case 'Selection': {
        const active = this.model.active;
        if (!active) crash('selection of no document (pp.js reads `null.e`)');
        if (name === 'bounds') {
          const bounds = active.selectionBounds();
          // pp.js: `if(j.e==null)H.__throw={message:"no selection"}` (catchable; Photoshop throws too).
          if (!bounds) throw new DomThrow({ message: 'no selection' });
          return bounds.map(unit);
        }
        break;
      }
      case 'SolidColor':
        // pp.js: `if(h=="rgb")return{M:"RGBColor",P:b.P}`: the same channels, so writes reach the colour.
        if (name === 'rgb') return wrap('RGBColor', target.P);
        break;
      case 'RGBColor':
        if (name in CHANNELS) return Math.round(255 * (target.P as number[])[CHANNELS[name]!]!);
        break;
      case 'UnitValue':
        if (name === 'value') return target.P;
        // pp.js: `else throw "e"`.
        return crash(`UnitValue has no “${String(name)}”`);
    }
    return crash(`${target.M} has no property “${String(name)}” Photopea answers (pp.js fx.NE.Pm logs it)`);
  }

  set(target: DomObject, name: string, value: unknown): void {
    switch (target.M) {
      case 'Application':
        if (name === 'activeDocument') {
          if (!isDom(value) || value.M !== 'Document') crash('activeDocument = a document expected');
          this.model.active = this.document(value);
          return;
        }
        break;
      case 'Document': {
        const doc = this.document(target);
        if (name === 'activeLayer') {
          // pp.js: `U.T=[U.R.indexOf(G.P)]`: a layer of another document selects nothing.
          if (!isDom(value) || value.M !== 'Layer' || !doc.contains(this.layer(value))) crash('activeLayer = a layer of this document expected');
          doc.activeLayerRef = this.layer(value);
          return;
        }
        if (name === 'name') {
          doc.name = String(value);
          return;
        }
        break;
      }
      case 'RGBColor':
        // pp.js fx.NE.aiW: `if(h=="red")b.P[1]=G/255` (green, blue alike).
        if (name in CHANNELS) {
          (target.P as number[])[CHANNELS[name]!] = number(value, `RGBColor.${name}`) / 255;
          return;
        }
        break;
      case 'Layer': {
        const layer = this.layerInActive(target, `setting ${name}`);
        if (name === 'name') {
          layer.name = String(value);
          return;
        }
        if (name === 'visible') {
          layer.visible = Boolean(value);
          return;
        }
        if (name === 'opacity') {
          layer.opacity = number(value, 'opacity');
          return;
        }
        break;
      }
    }
    crash(`${target.M}.${name} cannot be set in Photopea (pp.js fx.NE.aiW logs it)`);
  }

  call(target: DomObject, name: string, args: unknown[]): unknown {
    switch (target.M) {
      case 'Application':
        if (name === 'echoToOE') {
          if (typeof args[0] !== 'string') crash('echoToOE: a string expected');
          this.model.outputs.push({ kind: 'text', text: args[0] });
          return null;
        }
        if (name === 'open') {
          if (typeof args[0] !== 'string') crash('open: a URL expected');
          // Only "paste into the current document" (asSmart) is modelled: pp.js sets `CI.gb` (the
          // target document) only when `G[2]` is true and a document is open.
          if (args[2] !== true || !this.model.active) crash('open: only app.open(url, null, true) into an open document is modelled');
          this.model.opens.push({ doc: this.model.active, url: args[0] });
          return null;
        }
        break;
      case 'Documents':
        if (name === 'add') {
          const [width, height, , docName, , fill] = args;
          const w = number(width, 'documents.add width');
          const h = number(height, 'documents.add height');
          if (!Number.isInteger(w) || !Number.isInteger(h) || w < 1 || h < 1) crash('documents.add: whole positive sizes expected');
          // pp.js: `["Wht","Trns","BckC"][G[5] ?? 1]`: transparent unless asked.
          const doc = this.model.addDocument(typeof docName === 'string' ? docName : 'Untitled', w, h, fill === 0 ? 'white' : 'transparent');
          return wrap('Document', doc);
        }
        if (name === 'getByName') return wrap('Document', this.model.documentsList.find((d) => d.name === args[0]) ?? crash('getByName: not modelled for a missing name'));
        break;
      case 'Layers':
        if (name === 'add') {
          // pp.js fx.NE.nV "Layers" "add": "new layer" goes to the ACTIVE document (`l=H.IC()`),
          // whichever document's list it was called on [refused: another document's list].
          const active = this.model.active;
          if (!active || active !== (target as LayerList).owner) crash('layers.add on a document that is not the active one (pp.js adds to the active document)');
          if (args.length > 0) crash('layers.add takes no arguments');
          return wrap('Layer', active.addEmptyLayer());
        }
        break;
      case 'Selection':
        if (name === 'fill') {
          const active = this.model.active;
          if (!active) crash('selection.fill with no document');
          const [color, mode, opacity, preserve] = args;
          const channels = colorChannels(color);
          // pp.js passes G[1] (blend mode) and G[2] (opacity %) on, and drops G[3]: a
          // "preserve transparency" argument would silently be ignored [refused].
          if (mode !== undefined && mode !== 'norm') crash('selection.fill: only the normal blend mode is modelled');
          if (preserve !== undefined) crash('selection.fill: Photopea ignores preserveTransparency (pp.js passes only colour, mode and opacity)');
          const layer = active.activeLayerRef;
          // The fill tool paints the active layer's pixels: a group or smart object has none.
          if (!(layer instanceof FakeLayer) || layer.smartObject) crash('selection.fill: the active layer is not a pixel layer');
          // [refused: no selection] Photopea would fill the whole layer; the scripts never ask it.
          if (!active.selectionBounds()) crash('selection.fill with nothing selected is not modelled');
          const rgb = [1, 2, 3].map((i) => Math.round(255 * channels[i]!)) as [number, number, number];
          fillSelection(active, layer, rgb, opacity === undefined ? 1 : number(opacity, 'fill opacity') / 100);
          return null;
        }
        break;
      case 'Document': {
        const doc = this.document(target);
        if (name === 'close') {
          if (args[0] !== 0) crash('close: only SaveOptions.DONOTSAVECHANGES is modelled');
          this.model.closeDocument(doc);
          return null;
        }
        if (name === 'saveToOE') {
          if (args[0] !== 'png') crash(`saveToOE: only "png" is modelled (got ${String(args[0])})`);
          if (this.model.knobs.saveToOECrashes) {
            this.model.knobs.saveToOECrashes = false;
            crash('export crashed (injected by the test)');
          }
          if (this.model.knobs.saveToOEFails) {
            // pp.js w.p.my: when the format cannot be written (`zm`) nothing is sent; "done" still comes.
            this.model.knobs.saveToOEFails = false;
            return null;
          }
          const active = this.model.active;
          if (!active) crash('saveToOE: no active document');
          this.model.outputs.push({ kind: 'file', pixels: composite(active) });
          return null;
        }
        break;
      }
      case 'Layer': {
        const layer = this.layerInActive(target, name);
        const doc = layer.document();
        if (name === 'duplicate') {
          const [into] = args;
          if (!isDom(into) || into.M !== 'Document') crash('duplicate: only duplicate(document, …) is modelled');
          if (!(layer instanceof FakeLayer)) crash('duplicate: a group is not modelled');
          layer.duplicateInto(this.document(into));
          // pp.js: returns the ACTIVE document's active layer, not the copy.
          return wrap('Layer', doc.activeLayerRef ?? undefined);
        }
        if (name === 'remove') {
          doc.remove(layer);
          return null;
        }
        if (name === 'move') {
          const [relative, placement] = args;
          if (!isDom(relative) || relative.M !== 'Layer') crash('move: a layer expected');
          const other = this.layer(relative);
          if (!doc.contains(other)) crash('move: the layers are in different documents');
          if (placement !== PLACE_BEFORE && placement !== PLACE_AFTER) crash('move: only PLACEBEFORE and PLACEAFTER are modelled');
          if (other !== layer) place(layer, other, placement);
          return null;
        }
        if (name === 'translate') {
          if (!(layer instanceof FakeLayer)) crash('translate: a group is not modelled');
          layer.translate(number(args[0], 'translate dx'), number(args[1], 'translate dy'));
          return null;
        }
        if (name === 'resize') {
          if (!(layer instanceof FakeLayer)) crash('resize: a group is not modelled');
          if (args[2] !== ANCHOR_TOP_LEFT) crash('resize: only AnchorPosition.TOPLEFT is modelled');
          layer.resize(number(args[0], 'resize width %'), number(args[1], 'resize height %'));
          return null;
        }
        break;
      }
    }
    return crash(`${target.M}.${name}() is not something Photopea does (pp.js fx.NE.nV logs it)`);
  }
}
