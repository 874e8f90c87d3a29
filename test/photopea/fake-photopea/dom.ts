/**
 * The Photoshop-like objects a script sees, as pp.js hands them out: plain wrappers
 * `{M: kind, P: payload}` made afresh on EVERY read (fx.NE.Pm builds a new `{M:"Layer",P:a}`
 * for each `layers[i]`, `activeLayer` or `parent`), so two reads of one layer are never `===`.
 * get = fx.NE.Pm, call = fx.NE.nV, set = fx.NE.aiW; anything those functions do not handle
 * (they log it and yield undefined, or `throw`) is refused here with a ScriptCrash.
 */
import { ScriptCrash, isDom, isUnitValue, type DomObject, type PhotopeaDom } from './interpreter.ts';
import { ANCHOR_TOP_LEFT, FakeDocument, FakeLayer, FakeLayerSet, PLACE_AFTER, PLACE_BEFORE, composite, place, type AnyLayer, type FakeApp } from './model.ts';

function crash(message: string): never {
  throw new ScriptCrash(message);
}

const wrap = (M: string, P: unknown): DomObject => ({ M, P });
/** pp.js fx.NE.ri: a pixel value as a UnitValue. */
const unit = (value: number): DomObject => wrap('UnitValue', value);

function layersOf(container: FakeDocument | FakeLayerSet): DomObject {
  // pp.js fx.NE.Pm "layers": a new list of new wrappers, top first.
  return wrap('Layers', container.layers.map((l) => wrap('Layer', l)));
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
