/**
 * The scripts the panel sends to Photopea. Photopea runs old JavaScript only, so every script
 * here is ES5 (no let/const, arrows, template strings, for…of), and it uses only documented
 * API: Photopea's own additions (saveToOE, echoToOE, app.open with asSmart, from
 * photopea.com/learn/scripts and /api/live) and the Photoshop DOM it mirrors (documents,
 * layers, bounds, duplicate, move, translate, resize, close, from Adobe's JavaScript
 * reference). test/photopea/ parses each with acorn at ecmaVersion 5 and refuses other names.
 *
 * Each script reports through echoToOE: one JSON line, then the bridge's end marker.
 */
import { TEMP_DOCUMENT_NAME } from './limits.ts';

/** A JS string/array/number literal: JSON is valid ES5 source once U+2028/2029 are escaped. */
export function literal(value: unknown): string {
  return JSON.stringify(value).replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

/** Helpers every script may use: pixel values of bounds, a layer's path of indices, and back. */
const HELPERS = [
  // Photoshop returns UnitValues; Photopea plain numbers.
  'function px(v) { return typeof v === "number" ? v : v.value; }',
  'function box(l) { var b = l.bounds; return [px(b[0]), px(b[1]), px(b[2]), px(b[3])]; }',
  'function pathOf(l) {',
  '  var p = [], n = l, guard = 0;',
  '  while (n.typename !== "Document" && guard++ < 64) {',
  '    var s = n.parent, i = 0;',
  '    while (i < s.layers.length && s.layers[i] !== n) i++;',
  '    if (i === s.layers.length) throw new Error("layer not found in its parent");',
  '    p.unshift(i); n = s;',
  '  }',
  '  return p;',
  '}',
  'function at(d, p) { var n = d; for (var i = 0; i < p.length; i++) { if (!n.layers || p[i] >= n.layers.length) return null; n = n.layers[p[i]]; } return n; }',
  'function docNamed(name) { for (var i = 0; i < app.documents.length; i++) if (app.documents[i].name === name) return app.documents[i]; return null; }',
  'function fail(code, message) { var e = new Error(message); e.code = code; throw e; }',
].join('\n');

/** Wraps a body: helpers, errors reported as {"error":…}, then the end marker (always). */
function wrap(body: string): (marker: string) => string {
  return (marker) =>
    [
      '(function () {',
      HELPERS,
      'try {',
      body,
      '} catch (e) { app.echoToOE(JSON.stringify({ error: String(e && e.message ? e.message : e), code: e && e.code ? e.code : "script-failed" })); }',
      `app.echoToOE(${literal(marker)});`,
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

/** Describes the active document: its name, the active layer, and the art layers a style can come from. */
export function describeDocumentScript(max: number): (marker: string) => string {
  return wrap(
    [
      'if (app.documents.length === 0) fail("no-document", "no document");',
      'var d = app.activeDocument, out = [];',
      'function walk(parent) {',
      '  for (var i = 0; i < parent.layers.length && out.length < ' + literal(max) + '; i++) {',
      '    var l = parent.layers[i];',
      '    if (l.typename === "LayerSet") walk(l);',
      '    else out.push({ name: l.name, path: pathOf(l), box: box(l) });',
      '  }',
      '}',
      'walk(d);',
      'var a = d.activeLayer;',
      'app.echoToOE(JSON.stringify({ document: d.name, active: a ? { name: a.name, path: pathOf(a), box: box(a), kind: a.typename } : null, layers: out }));',
    ].join('\n'),
  );
}

/**
 * Sends one layer's pixels as a PNG the size of the layer: Photopea has no layer-pixel API, so
 * the layer is duplicated into a temporary document, moved to its corner, exported and the
 * document closed (in `finally`: also when the export fails). A hidden layer exports too.
 */
export function exportLayerScript(document: string, layer: LayerRef): (marker: string) => string {
  return wrap(
    [
      `var d = docNamed(${literal(document)});`,
      'if (!d) fail("no-document", "document closed");',
      `var l = at(d, ${literal(layer.path)});`,
      `if (!l || l.name !== ${literal(layer.name)}) fail("layer-moved", "layer moved");`,
      'var b = box(l), w = b[2] - b[0], h = b[3] - b[1];',
      'if (w < 1 || h < 1) fail("empty-layer", "empty layer");',
      `var t = app.documents.add(w, h, 72, ${literal(TEMP_DOCUMENT_NAME)});`,
      'try {',
      '  app.activeDocument = d;',
      '  l.duplicate(t, ElementPlacement.PLACEATBEGINNING);',
      '  app.activeDocument = t;',
      '  while (t.layers.length > 1) t.layers[t.layers.length - 1].remove();',
      '  var c = t.layers[0];',
      '  c.visible = true;',
      '  c.translate(-b[0], -b[1]);',
      '  t.saveToOE("png");',
      '} finally {',
      '  t.close(SaveOptions.DONOTSAVECHANGES);',
      '  app.activeDocument = d;',
      '}',
      'app.echoToOE(JSON.stringify({ width: w, height: h }));',
    ].join('\n'),
  );
}

/**
 * Places the result as a smart object above the source (app.open with asSmart: Photopea puts
 * it into the active document, above the active layer). Its position and name are set by
 * the next message, once Photopea has answered "done" for this one (opening is not
 * finished while this script still runs).
 */
export function placeResultScript(document: string, source: LayerRef, dataUrl: string): (marker: string) => string {
  return wrap(
    [
      `var d = docNamed(${literal(document)});`,
      'if (!d) fail("no-document", "document closed");',
      `var l = at(d, ${literal(source.path)});`,
      `if (!l || l.name !== ${literal(source.name)}) fail("layer-moved", "layer moved");`,
      'app.activeDocument = d;',
      'd.activeLayer = l;',
      `app.open(${literal(dataUrl)}, null, true);`,
      'app.echoToOE(JSON.stringify({ placed: true }));',
    ].join('\n'),
  );
}

/**
 * Names the placed layer, puts it directly above the source and on the source's box (scaled
 * if Photopea fitted it to the canvas), then reports where it ended up.
 */
export function finishResultScript(document: string, source: LayerRef, name: string): (marker: string) => string {
  const [left, top, right, bottom] = source.box;
  return wrap(
    [
      `var d = docNamed(${literal(document)});`,
      'if (!d) fail("no-document", "document closed");',
      'var c = d.activeLayer;',
      // The source moved down by one when the result was placed above it.
      `var p = ${literal(source.path)};`,
      'var below = p.slice(0, p.length - 1).concat([p[p.length - 1] + 1]);',
      'var l = at(d, below);',
      `if (!l || l === c || l.name !== ${literal(source.name)}) l = at(d, p);`,
      `if (!l || l === c || l.name !== ${literal(source.name)}) fail("layer-moved", "layer moved");`,
      'c.move(l, ElementPlacement.PLACEBEFORE);',
      `c.name = ${literal(name)};`,
      'var b = box(c);',
      `var w = ${literal(right - left)}, h = ${literal(bottom - top)};`,
      'if (b[2] - b[0] !== w || b[3] - b[1] !== h) { c.resize(100 * w / (b[2] - b[0]), 100 * h / (b[3] - b[1]), AnchorPosition.TOPLEFT); b = box(c); }',
      `c.translate(${literal(left)} - b[0], ${literal(top)} - b[1]);`,
      'app.echoToOE(JSON.stringify({ name: c.name, path: pathOf(c), box: box(c) }));',
    ].join('\n'),
  );
}

/** Closes any temporary export document left open (a script that stopped half-way). */
export function closeTemporaryScript(): (marker: string) => string {
  return wrap(
    [
      'for (var i = app.documents.length - 1; i >= 0; i--) {',
      `  if (app.documents[i].name === ${literal(TEMP_DOCUMENT_NAME)}) app.documents[i].close(SaveOptions.DONOTSAVECHANGES);`,
      '}',
      'app.echoToOE(JSON.stringify({ closed: true }));',
    ].join('\n'),
  );
}
