/**
 * The interpreter fake's rules, each as Photopea's pp.js runs scripts (fx.eval and friends;
 * interpreter.ts cites each), and the Live Messaging host around it (host.ts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runPhotopeaScript } from './fake-photopea/interpreter.ts';
import { FakeDom } from './fake-photopea/dom.ts';
import { FakeApp } from './fake-photopea/model.ts';
import { addPoster, flatLayers } from './fake-photopea/poster.ts';
import { decodeFile, nodePhotopea, sizedDataUrl } from './fake-photopea/node-host.ts';

/** Runs `source` on a fresh poster; answers what it echoed and whether it crashed. */
function run(source: string): { echoed: string[]; crash: string | undefined; app: FakeApp } {
  const app = new FakeApp();
  addPoster(app);
  const result = runPhotopeaScript(source, new FakeDom(app));
  return { echoed: app.outputs.flatMap((o) => (o.kind === 'text' ? [o.text] : [])), crash: result.crash, app };
}

const echoes = (source: string) => {
  const r = run(source);
  assert.equal(r.crash, undefined, `crashed: ${r.crash}`);
  return r.echoed;
};
const crashes = (source: string, pattern: RegExp) => {
  const r = run(source);
  assert.ok(r.crash !== undefined, `expected a crash: ${source}`);
  assert.match(r.crash, pattern);
};

test('|| and && evaluate both sides: a null guard reads null.name and crashes', () => {
  crashes('var l = null; if (!l || l.name) app.echoToOE("x");', /reading “name” of null/);
  crashes('var l = null; if (l && l.name) app.echoToOE("x");', /reading “name” of null/);
  assert.deepEqual(echoes('var l = null; var ok = false; if (l !== null) { if (l.name === "Hero") ok = true; } app.echoToOE(String(ok));'), ['false']);
});

test('throw is skipped and the script goes on; a finally block never runs; catch runs only for DOM errors', () => {
  assert.deepEqual(echoes('throw "stop"; app.echoToOE("after");'), ['after']);
  assert.deepEqual(echoes('try { app.echoToOE("try"); } catch (e) { app.echoToOE("catch"); } finally { app.echoToOE("finally"); }'), ['try']);
  assert.deepEqual(echoes('try { throw "x"; app.echoToOE("a"); } finally { app.echoToOE("b"); }'), ['a']);
});

test('new Error is not supported (the script stops, so Photopea posts no "done")', () => {
  crashes('var e = new Error("x");', /new Error/);
});

test('every read of a layer is a new object: === between two reads is false', () => {
  assert.deepEqual(echoes('var d = app.activeDocument; app.echoToOE(String(d.layers[2] === d.layers[2])); app.echoToOE(String(d.activeLayer === d.layers[2])); app.echoToOE(d.layers[2].name);'), ['false', 'false', 'Hero']);
  crashes('var d = app.activeDocument; if (d.layers[2] == d.activeLayer) app.echoToOE("x");', /== between two Photoshop objects/);
});

test('bounds are UnitValues: typeof says "number", .value is the number, JSON shows the wrapper', () => {
  assert.deepEqual(echoes('var b = app.activeDocument.activeLayer.bounds; app.echoToOE(typeof b[0]); app.echoToOE(String(b[0].value)); app.echoToOE(JSON.stringify(b[0])); app.echoToOE(String(b[2] - b[0]));'), ['number', '96', '{"M":"UnitValue","P":96}', '160']);
  crashes('var b = app.activeDocument.activeLayer.bounds; var x = 0 - b[0];', /sign reversed/);
  crashes('var b = app.activeDocument.activeLayer.bounds; var x = b[0].as("px");', /is not something Photopea does|has no/);
});

test('a called function gets a copy of its caller\'s variables: no closures, outer writes are lost, shared arrays are not', () => {
  assert.deepEqual(echoes('var n = 1; var list = []; function f() { n = 2; list.push(3); } f(); app.echoToOE(String(n) + "," + String(list.length));'), ['1,1']);
  // The return flag is set before its argument: a callee with several statements stops after the first.
  assert.deepEqual(echoes('function g() { var a = 1; return 2; } function f() { return g(); } app.echoToOE(String(f()));'), ['undefined']);
  assert.deepEqual(echoes('function g() { var a = 1; return 2; } function f() { var r = g(); return r; } app.echoToOE(String(f()));'), ['2']);
});

test('what the interpreter does not run is refused, not guessed', () => {
  crashes('var f = function () { return 1; };', /FunctionExpression/);
  crashes('switch (1) { case 1: break; }', /SwitchStatement/);
  crashes('for (var i = 0; i < 3; i++) { if (i === 1) continue; }', /continue/);
  crashes('var a = []; var i = 0; a[i] = 1;', /a\[expression\]/);
  crashes('undeclared = 1;', /undeclared/);
  crashes('window.alert(1);', /“window” is not defined/);
  crashes('app.activeDocument.exportLayerPixels();', /exportLayerPixels/);
  crashes('var x = app.activeDocument.selectedLayers;', /selectedLayers/);
  crashes('var a = [1]; a.forEach(function (x) {});', /FunctionExpression|function passed/);
  crashes('(function (x) { app.echoToOE("x"); })(1);', /parameters/);
  crashes('var x = "a"; while (x) { x = ""; }', /bare name as a loop test/);
});

test('layer methods act on the active document; saveToOE exports the ACTIVE document; new documents are transparent', () => {
  crashes('var d = app.activeDocument; var l = d.layers[2]; var t = app.documents.add(10, 10, 72, "T"); l.translate(1, 1);', /not the active one/);
  const r = run('var d = app.activeDocument; var t = app.documents.add(4, 3, 72, "T"); app.activeDocument = d; t.saveToOE("png");');
  assert.equal(r.crash, undefined);
  const file = r.app.outputs.find((o) => o.kind === 'file');
  assert.ok(file && file.kind === 'file');
  assert.deepEqual([file.pixels.width, file.pixels.height], [320, 240], 'the poster (active) was exported, not T');
  const blank = run('var t = app.documents.add(4, 3, 72, "T"); t.saveToOE("png");').app.outputs.find((o) => o.kind === 'file');
  assert.ok(blank && blank.kind === 'file');
  assert.ok(blank.pixels.data.every((v) => v === 0), 'a new document is transparent');
});

test('duplicate returns the active layer of the active document, not the copy', () => {
  assert.deepEqual(echoes('var d = app.activeDocument; var t = app.documents.add(4, 3, 72, "T"); app.activeDocument = d; var c = d.layers[0].duplicate(t, ElementPlacement.PLACEATBEGINNING); app.echoToOE(c.name);'), ['Hero']);
});

test('host: outputs and "done" go to every frame; a crashed script posts what it echoed and no "done"; "{" messages are ignored', async () => {
  const p = nodePhotopea();
  p.other.post('app.echoToOE("from the other plugin"); app.activeDocument.saveToOE("png");');
  await p.host.idle();
  assert.deepEqual(p.parentPage.received.map((x) => (typeof x === 'string' ? x : 'file')), ['from the other plugin', 'file', 'done']);
  assert.deepEqual(p.other.received.map((x) => (typeof x === 'string' ? x : 'file')), ['from the other plugin', 'file', 'done']);
  assert.deepEqual(decodeFile(p.other.received[1] as ArrayBuffer).width, 320);
  p.other.post('app.echoToOE("before"); var e = new Error("x"); app.echoToOE("after");');
  p.other.post('{"not":"a script"}');
  await p.host.idle();
  assert.deepEqual(p.other.received.slice(3), ['before']);
  assert.equal(p.host.crashes.length, 1);
});

test('host: app.open(url, null, true) lands after "done", above the active layer, as the active smart object', async () => {
  const p = nodePhotopea({ openDelayMs: 30 });
  p.other.post(`app.open(${JSON.stringify(sizedDataUrl(20, 10))}, null, true); app.echoToOE(String(app.activeDocument.layers.length));`);
  await p.host.idle();
  assert.deepEqual(p.other.received, ['5', 'done'], 'no new layer while the script runs, nor at "done"');
  assert.equal(flatLayers(p.host.model.documentsList[0]!).length, 6);
  await new Promise((resolve) => setTimeout(resolve, 80));
  await p.host.idle();
  const layers = flatLayers(p.host.model.documentsList[0]!);
  assert.deepEqual(layers.map((l) => l.name), ['Caption', 'Extras', 'Great Wave', 'Layer 2', 'Hero', 'Starry Night', 'Background']);
  assert.equal(layers[3]!.smart, true);
  assert.equal(p.host.model.documentsList[0]!.activeLayerRef?.name, 'Layer 2');
});

test('issue 31: reading the bounds of no selection sets Photopea\'s __throw: a try in the same function catches it, a caller\'s does not, and outside a try the script stops quietly', () => {
  assert.deepEqual(echoes('var none = false; try { var b = app.activeDocument.selection.bounds; app.echoToOE("read"); } catch (e) { none = true; app.echoToOE(e.message); } app.echoToOE(String(none));'), ['no selection', 'true']);
  // pp.js copies the caller's variables into a callee and never copies its flags back.
  assert.deepEqual(echoes('function b() { return app.activeDocument.selection.bounds; } var r = "none"; try { r = b(); } catch (e) { r = "caught"; } app.echoToOE(String(r));'), ['undefined']);
  // No try: every block ends, "done" still comes (no crash), nothing after it runs.
  assert.deepEqual(echoes('app.echoToOE("before"); var b = app.activeDocument.selection.bounds; app.echoToOE("after");'), ['before']);
  // A `return` inside the catch loses its value (TryStatement yields nothing).
  assert.deepEqual(echoes('function f() { try { var b = app.activeDocument.selection.bounds; } catch (e) { return "lost"; } return "kept"; } app.echoToOE(String(f()));'), ['undefined']);
});

test('issue 31: selection bounds are the selected pixels\' box as UnitValues, read from the ACTIVE document whichever document is named', () => {
  const app = new FakeApp();
  const doc = addPoster(app);
  doc.selectRect(10, 20, 30, 50);
  app.addDocument('Other', 40, 40, 'white');
  const source = 'var d = app.documents[0]; var b = d.selection.bounds; app.echoToOE(String(b[0].value) + "," + String(b[3].value)); app.activeDocument = d; var c = d.selection.bounds; app.echoToOE(String(c[0].value) + "," + String(c[3].value));';
  const result = runPhotopeaScript(source, new FakeDom(app));
  // The first read is on "Other" (active, nothing selected): the script stops there.
  assert.equal(result.crash, undefined);
  assert.equal(app.outputs.length, 0);
  app.active = doc;
  runPhotopeaScript(source, new FakeDom(app));
  assert.deepEqual(app.outputs.map((o) => (o.kind === 'text' ? o.text : '')), ['10,50', '10,50']);
});

test('issue 31: new SolidColor() is black and its rgb channels are written through; fill paints the active layer through the selection; what pp.js would ignore is refused', () => {
  const app = new FakeApp();
  const doc = addPoster(app);
  doc.selectRect(0, 0, 4, 2, 255);
  const fill = 'var d = app.activeDocument; var m = d.artLayers.add(); var c = new SolidColor(); c.rgb.green = 200; app.echoToOE(String(c.rgb.red) + "," + String(c.rgb.green)); d.selection.fill(c); app.echoToOE(m.name);';
  const result = runPhotopeaScript(fill, new FakeDom(app));
  assert.equal(result.crash, undefined);
  assert.deepEqual(app.outputs.map((o) => (o.kind === 'text' ? o.text : '')), ['0,200', 'Layer 2']);
  const added = doc.activeLayerRef as unknown as { bounds: number[]; pixels: { data: Uint8ClampedArray } };
  assert.deepEqual(added.bounds, [0, 0, 4, 2]);
  assert.deepEqual([...added.pixels.data.slice(0, 4)], [0, 200, 0, 255]);
  assert.deepEqual(flatLayers(doc).map((l) => l.name).slice(2, 5), ['Great Wave', 'Layer 2', 'Hero'], 'directly above the active layer');
  for (const [source, pattern] of [
    ['var c = new SolidColor(); app.activeDocument.selection.fill(c, "norm", 100, true);', /ignores preserveTransparency/],
    ['var c = new SolidColor(); app.activeDocument.selection.fill(c, "mul ");', /normal blend mode/],
    ['var c = new SolidColor(255);', /new SolidColor is not supported/],
    ['var d = app.activeDocument; var c = new SolidColor(); d.activeLayer = d.layers[1]; d.selection.fill(c);', /not a pixel layer/],
    ['var d = app.activeDocument; app.documents.add(10, 10); d.artLayers.add();', /not the active one/],
  ] as const) crashes(source, pattern);
  crashes('app.activeDocument.selection.fill(new SolidColor());', /nothing selected/);
});
