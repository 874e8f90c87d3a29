/**
 * Every script the panel sends, checked twice: the ES5 and documented-names rules
 * (fake-photopea/script-rules.ts), and a run through Photopea's interpreter (interpreter.ts)
 * that must end with the script's end marker (a crash would leave Photopea silent).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { closeTemporaryScript, describeDocumentScript, exportLayerScript, exportMaskScript, placeResultScript, placedCheckScript, type LayerRef, type Script } from '../../photopea/scripts.ts';
import { checkScript } from './fake-photopea/script-rules.ts';
import { runPhotopeaScript } from './fake-photopea/interpreter.ts';
import { FakeDom } from './fake-photopea/dom.ts';
import { FakeApp } from './fake-photopea/model.ts';
import { addPoster } from './fake-photopea/poster.ts';
import { sizedDataUrl } from './fake-photopea/node-host.ts';

const layer: LayerRef = { name: 'Hero “quoted” \u2028 line', path: [1, 0], box: [10, 20, 110, 80] };
const hero: LayerRef = { name: 'Hero', path: [2], box: [96, 60, 256, 180] };
const markers = { start: 'atelier-x-1-start', end: 'atelier-x-1-end' };

/** Every script the panel sends, with arguments it could send (the real layer, and an odd name). */
function allScripts(of: LayerRef): [string, Script][] {
  return [
    ['describe', describeDocumentScript(64)],
    ['export', exportLayerScript('Poster.psd', of)],
    ['clean-up', closeTemporaryScript('Poster.psd')],
    ['mask clean-up', closeTemporaryScript('Poster.psd', of)],
    ['selection mask', exportMaskScript('Poster.psd', of, { kind: 'selection' })],
    ['layer mask', exportMaskScript('Poster.psd', of, { kind: 'layer', layer: hero })],
    ['place', placeResultScript('Poster.psd', of, sizedDataUrl(16, 16))],
    ['placed?', placedCheckScript('Poster.psd', of, 6, 'Hero · Starry Night')],
  ];
}

test('every script the panel sends is ES5 and uses documented names only', () => {
  for (const [name, script] of allScripts(layer)) assert.deepEqual(checkScript(script(markers)), { ok: true }, name);
});

test('every script the panel sends runs in Photopea\'s interpreter to its end marker, with an odd layer name too', () => {
  for (const of of [hero, layer]) {
    for (const [name, script] of allScripts(of)) {
      const app = new FakeApp();
      // Something selected over Hero, so the selection mask runs to its export.
      addPoster(app).selectRect(100, 70, 200, 150);
      const result = runPhotopeaScript(script(markers), new FakeDom(app));
      assert.equal(result.crash, undefined, `${name}: ${result.crash}`);
      const echoed = app.outputs.flatMap((o) => (o.kind === 'text' ? [o.text] : []));
      assert.equal(echoed[0], markers.start, name);
      assert.equal(echoed[echoed.length - 1], markers.end, name);
      assert.equal(echoed.length, 3, `${name}: one JSON line between the markers`);
      JSON.parse(echoed[1]!);
    }
  }
});

test('syntax newer than ES5 is refused', () => {
  for (const source of ['let a = 1;', 'const a = 1;', 'var f = () => 1;', 'var s = `x`;', 'for (var x of []) {}', 'class A {}', 'var o = { a };', 'function f(a = 1) {}', 'var a = [...b];', 'async function f() {}']) {
    const verdict = checkScript(source);
    assert.equal(verdict.ok, false, source);
    if (!verdict.ok) assert.match(verdict.reason, /not ES5/, source);
  }
});

test('undocumented globals and properties are refused; declared names and documented ones pass', () => {
  assert.deepEqual(checkScript('var d = app.activeDocument; d.layers[0].visible = false; app.echoToOE(JSON.stringify({ n: d.layers.length }));'), { ok: true });
  for (const [source, word] of [
    ['window.alert(1);', 'window'],
    ['app.activeDocument.exportLayerPixels();', 'exportLayerPixels'],
    ['fetch("https://example.com");', 'fetch'],
    ['app.activeDocument["getPixels"]();', 'getPixels'],
    ['eval("1");', 'eval'],
    ['with (app) {}', 'with'],
    ['var e = new Error("x");', 'Error'],
  ] as const) {
    const verdict = checkScript(source);
    assert.equal(verdict.ok, false, source);
    if (!verdict.ok) assert.ok(verdict.reason.includes(word), verdict.reason);
  }
});
