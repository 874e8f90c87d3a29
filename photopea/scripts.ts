/**
 * The scripts the panel sends to Photopea. Photopea does not run them as the browser's
 * JavaScript: it walks acorn's syntax tree with its own interpreter (pp.js `fx.eval`; replaced
 * by another engine of its own on 2025-08-30, photopea/photopea#8113), so they are written in
 * the subset both engines run the same way (test/photopea/fake-photopea/interpreter.ts holds
 * each rule with its source):
 * - ES5 only (var, function declarations), no `throw`, `finally`, `continue`, `switch`,
 *   function expressions as values or closures over variables a function writes; `new` only for
 *   `SolidColor`; `try`/`catch` only around a read Photopea answers with its `__throw` (the
 *   bounds of no selection), in the same function, the `catch` setting a flag:
 *   a called function gets a COPY of its caller's variables, so results travel in arrays and
 *   objects it was handed, or as return values;
 * - a call inside a `return` argument only to a function whose body is one `return` (the old
 *   engine sets its return flag before evaluating the argument, and a callee starts with it);
 * - `||` and `&&` evaluate both sides: guards are nested `if`s;
 * - every read of a layer is a new object: layers are found by index paths and checked by name
 *   (and by `itemIndex` within one document), never by `===`;
 * - `bounds` are UnitValues: their number is read through `.value` where present;
 * - errors are returned as values ({"error", "code"}) and echoed, never thrown.
 * Every script echoes its request's start marker, one JSON line, then its end marker: the bridge
 * takes only what comes between the two (Photopea posts every plugin's outputs to every plugin).
 */
import { MASK_LAYER_NAME, TEMP_DOCUMENT_NAME } from './limits.ts';

/** The pair of lines a script's answer sits between (photopea-bridge.ts makes them per request). */
export interface Markers {
  start: string;
  end: string;
}

export type Script = (markers: Markers) => string;

/** A JS string/array/number literal: JSON is valid ES5 source once U+2028/2029 are escaped. */
export function literal(value: unknown): string {
  return JSON.stringify(value).replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

/** Helpers every script may use. */
const HELPERS = [
  'function failure(code, message) { return { error: message, code: code }; }',
  // Photoshop and both Photopea engines give UnitValues; a plain number has no .value.
  'function px(v) { return v.value === undefined ? v : v.value; }',
  'function box(l) { var b = l.bounds; var r = [px(b[0]), px(b[1]), px(b[2]), px(b[3])]; return r; }',
  'function docNamed(name) {',
  '  var ds = app.documents; var found = null;',
  '  for (var i = 0; i < ds.length; i++) { var d = ds[i]; if (d.name === name) found = d; }',
  '  return found;',
  '}',
  // The layer at an index path, or null; an art layer has no `layers` to look into.
  'function at(d, p) {',
  '  var n = d; var ok = true;',
  '  for (var i = 0; i < p.length; i++) {',
  '    if (ok) {',
  '      var ls = null;',
  '      if (n.typename !== "ArtLayer") ls = n.layers;',
  '      if (ls === null) ok = false;',
  '      if (ok) { if (p[i] >= ls.length) ok = false; }',
  '      if (ok) n = ls[p[i]];',
  '    }',
  '  }',
  '  var r = null;',
  '  if (ok) r = n;',
  '  return r;',
  '}',
  // Every layer of `parent`, top first, groups entered: name, index path, kind, box and itemIndex.
  'function walk(parent, prefix, all) {',
  '  var ls = parent.layers; var n = ls.length;',
  '  for (var i = 0; i < n; i++) {',
  '    var l = ls[i]; var p = prefix.concat([i]); var kind = l.typename;',
  '    all.push({ name: l.name, path: p, kind: kind, box: box(l), item: l.itemIndex });',
  '    if (kind === "LayerSet") walk(l, p, all);',
  '  }',
  '}',
  'function entryOf(all, item) { var e = null; for (var i = 0; i < all.length; i++) { if (all[i].item === item) e = all[i]; } return e; }',
].join('\n');

/** Wraps `main`'s body: helpers, the start marker, main's result as one JSON line, the end marker. */
function wrap(body: string[]): Script {
  return (markers) =>
    [
      '(function () {',
      HELPERS,
      'function main() {',
      ...body,
      '}',
      `app.echoToOE(${literal(markers.start)});`,
      'var result = main();',
      'app.echoToOE(JSON.stringify(result));',
      `app.echoToOE(${literal(markers.end)});`,
      '})();',
    ].join('\n');
}

/** A layer as the panel knows it: where it is (indices from the document down) and its box. */
export interface LayerRef {
  name: string;
  path: number[];
  box: [number, number, number, number];
}

export interface DocumentSummary {
  document: string;
  active: (LayerRef & { kind: string }) | null;
  /** Art layers (not groups), top first, up to `max`. */
  layers: LayerRef[];
}

/** Finds the document by name and the layer at its path, checked by name; or returns a failure. */
function findLayer(document: string, layer: LayerRef): string[] {
  return [
    `var d = docNamed(${literal(document)});`,
    'if (d === null) return failure("no-document", "document closed");',
    `var l = at(d, ${literal(layer.path)});`,
    'if (l === null) return failure("layer-moved", "layer moved");',
    `if (l.name !== ${literal(layer.name)}) return failure("layer-moved", "layer moved");`,
  ];
}

/** Describes the active document: its name, the active layer, and the art layers a style can come from. */
export function describeDocumentScript(max: number): Script {
  return wrap([
    'if (app.documents.length === 0) return failure("no-document", "no document");',
    'var d = app.activeDocument; var all = [];',
    'walk(d, [], all);',
    'var a = entryOf(all, d.activeLayer.itemIndex);',
    'var active = null;',
    'if (a !== null) active = { name: a.name, path: a.path, box: a.box, kind: a.kind };',
    'var layers = [];',
    'for (var i = 0; i < all.length; i++) {',
    `  if (all[i].kind !== "LayerSet") { if (layers.length < ${literal(max)}) layers.push({ name: all[i].name, path: all[i].path, box: all[i].box }); }`,
    '}',
    'return { document: d.name, active: active, layers: layers };',
  ]);
}

/**
 * Exports `m` onto the box `b` (`w`×`h`) of document `d` (a new transparent temporary document of the
 * box's size, `m` duplicated into it and moved by the box's corner, the document exported):
 * Photopea has no layer-pixel API, and saveToOE exports the ACTIVE document. The temporary
 * document stays open: closeTemporaryScript, run by the panel after every export whatever
 * happened, closes it. Every layer of it is made visible, so a hidden layer exports too.
 */
const EXPORT_ONTO_BOX = [
  `var t = app.documents.add(w, h, 72, ${literal(TEMP_DOCUMENT_NAME)});`,
  // Layer methods act on the active document.
  'app.activeDocument = d;',
  'm.duplicate(t, ElementPlacement.PLACEATBEGINNING);',
  'app.activeDocument = t;',
  'var ls = t.layers;',
  'for (var i = 0; i < ls.length; i++) { var c = ls[i]; c.visible = true; c.translate(-b[0], -b[1]); }',
  't.saveToOE("png");',
  'app.activeDocument = d;',
];

/** Sends one layer's pixels as a PNG the size of the layer (EXPORT_ONTO_BOX on its own box). */
export function exportLayerScript(document: string, layer: LayerRef): Script {
  return wrap([
    ...findLayer(document, layer),
    'var b = box(l); var w = b[2] - b[0]; var h = b[3] - b[1];',
    'if (w < 1) return failure("empty-layer", "empty layer");',
    'if (h < 1) return failure("empty-layer", "empty layer");',
    'var m = l;',
    ...EXPORT_ONTO_BOX,
    'return { width: w, height: h };',
  ]);
}

/** Where a masked job's region comes from (issue 31). */
export type MaskSource = { kind: 'selection' } | { kind: 'layer'; layer: LayerRef };

/**
 * Sends the mask of `source` as a PNG of its box (the content export's shape): its alpha is the
 * region (opaque = stylised). A layer's transparency: that layer exported onto the source's box.
 * The selection: filled white into a new layer directly above the source (Selection.fill paints
 * the active layer), that layer exported onto the source's box, then removed and the source made
 * active again; the selection itself is never changed. With no selection Photopea sets its
 * `__throw` on reading `selection.bounds` (pp.js fx.NE.Pm), which only a `try` in the same
 * function catches; a `return` inside the `catch` would lose its value (TryStatement yields
 * nothing), so the catch sets a flag. A selection (or mask layer) whose box misses the
 * source's box is refused before anything is touched.
 */
export function exportMaskScript(document: string, source: LayerRef, mask: MaskSource): Script {
  const misses = (code: string) => [
    'var mx = [px(mb[0]), px(mb[1]), px(mb[2]), px(mb[3])];',
    // `||` evaluates both sides in Photopea: harmless between numbers.
    `if (mx[2] <= b[0] || mx[0] >= b[2] || mx[3] <= b[1] || mx[1] >= b[3]) return failure(${literal(code)}, "the mask misses the layer");`,
  ];
  const region =
    mask.kind === 'selection'
      ? [
          'var none = false; var mb = null;',
          'try { mb = d.selection.bounds; } catch (e) { none = true; }',
          'if (none) return failure("no-selection", "no selection");',
          ...misses('selection-misses'),
          'd.activeLayer = l;',
          'var m = d.artLayers.add();',
          `m.name = ${literal(MASK_LAYER_NAME)};`,
          'var white = new SolidColor(); white.rgb.red = 255; white.rgb.green = 255; white.rgb.blue = 255;',
          'd.selection.fill(white);',
        ]
      : [
          `var m = at(d, ${literal(mask.layer.path)});`,
          'if (m === null) return failure("layer-moved", "mask layer moved");',
          `if (m.name !== ${literal(mask.layer.name)}) return failure("layer-moved", "mask layer moved");`,
          'var mb = m.bounds;',
          ...misses('mask-misses'),
        ];
  return wrap([
    ...findLayer(document, source),
    'var b = box(l); var w = b[2] - b[0]; var h = b[3] - b[1];',
    'if (w < 1) return failure("empty-layer", "empty layer");',
    'if (h < 1) return failure("empty-layer", "empty layer");',
    'app.activeDocument = d;',
    ...region,
    ...EXPORT_ONTO_BOX,
    ...(mask.kind === 'selection' ? ['m.remove();', 'd.activeLayer = l;'] : []),
    'return { width: w, height: h };',
  ]);
}

/**
 * Closes every temporary export document and makes `document` active again (if still open).
 * A mask layer a stopped exportMaskScript left in `document` is removed, and then `reselect`
 * (the layer that was active before it) is made active again, found by path and name.
 */
export function closeTemporaryScript(document: string | null, reselect: LayerRef | null = null): Script {
  return wrap([
    'var ds = app.documents;',
    'for (var i = ds.length - 1; i >= 0; i--) {',
    `  var t = ds[i]; if (t.name === ${literal(TEMP_DOCUMENT_NAME)}) t.close(SaveOptions.DONOTSAVECHANGES);`,
    '}',
    `var d = docNamed(${literal(document)});`,
    'if (d === null) return { closed: true };',
    'app.activeDocument = d;',
    'var all = []; var gone = 0;',
    'walk(d, [], all);',
    // From the last: removing a layer does not move the ones listed before it.
    'for (var j = all.length - 1; j >= 0; j--) {',
    `  if (all[j].name === ${literal(MASK_LAYER_NAME)}) { var x = at(d, all[j].path); if (x !== null) { x.remove(); gone = gone + 1; } }`,
    '}',
    ...(reselect
      ? [
          `var s = at(d, ${literal(reselect.path)});`,
          `if (gone > 0) { if (s !== null) { if (s.name === ${literal(reselect.name)}) d.activeLayer = s; } }`,
        ]
      : []),
    'return { closed: true };',
  ]);
}

/**
 * Starts placing the result: selects the source (Photopea pastes above the active layer) and
 * asks Photopea to open the image as a smart object. That loads AFTER this message is answered
 * (an XMLHttpRequest: photopea/photopea#6137), so this only reports how many layers the
 * document had; placedCheckScript then looks until there is one more.
 */
export function placeResultScript(document: string, source: LayerRef, dataUrl: string): Script {
  return wrap([
    ...findLayer(document, source),
    'app.activeDocument = d;',
    'd.activeLayer = l;',
    'var all = [];',
    'walk(d, [], all);',
    `app.open(${literal(dataUrl)}, null, true);`,
    'return { placed: true, count: all.length };',
  ]);
}

/**
 * Looks whether the placed image has arrived (the document has `count + 1` layers). Not yet:
 * {"state":"waiting"}, nothing touched. Arrived: the new layer (the active one: Photopea
 * selects what it placed, usually directly above the source) is named, moved directly above
 * the source and onto the source's box; the source is only read, never renamed, moved or hidden.
 */
export function placedCheckScript(document: string, source: LayerRef, count: number, name: string): Script {
  const [left, top, right, bottom] = source.box;
  const path = source.path;
  const below = [...path.slice(0, -1), path[path.length - 1]! + 1];
  return wrap([
    `var d = docNamed(${literal(document)});`,
    'if (d === null) return failure("no-document", "document closed");',
    'var all = [];',
    'walk(d, [], all);',
    `if (all.length === ${literal(count)}) return { state: "waiting" };`,
    `if (all.length !== ${literal(count + 1)}) return failure("layer-moved", "the document changed while the result was placed");`,
    'var ai = d.activeLayer.itemIndex;',
    `var c = at(d, ${literal(path)}); var s = at(d, ${literal(below)});`,
    // Photopea makes the placed layer the active one. The source is where it was, or one further
    // down when the new layer went in above it in the same group.
    'var placed = d.activeLayer; var src = null;',
    `if (c !== null) { if (c.itemIndex === ai) { if (s !== null) { if (s.name === ${literal(source.name)}) src = s; } } }`,
    `if (c !== null) { if (c.itemIndex !== ai) { if (c.name === ${literal(source.name)}) src = c; } }`,
    `if (src === null) { if (s !== null) { if (s.itemIndex !== ai) { if (s.name === ${literal(source.name)}) src = s; } } }`,
    'if (src === null) return failure("layer-moved", "layer moved");',
    'app.activeDocument = d;',
    'placed.move(src, ElementPlacement.PLACEBEFORE);',
    `placed.name = ${literal(name)};`,
    'var b = box(placed); var cw = b[2] - b[0]; var ch = b[3] - b[1];',
    `if (cw !== ${literal(right - left)} || ch !== ${literal(bottom - top)}) { placed.resize(100 * ${literal(right - left)} / cw, 100 * ${literal(bottom - top)} / ch, AnchorPosition.TOPLEFT); b = box(placed); }`,
    `placed.translate(${literal(left)} - b[0], ${literal(top)} - b[1]);`,
    'var after = [];',
    'walk(d, [], after);',
    'var e = entryOf(after, placed.itemIndex);',
    'if (e === null) return failure("layer-moved", "layer moved");',
    'return { state: "placed", name: e.name, path: e.path, box: e.box };',
  ]);
}
