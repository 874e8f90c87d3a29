/**
 * The fake Photopea's script rules (ES5 only, documented names only), and every script the
 * panel sends passing them.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { closeTemporaryScript, describeDocumentScript, exportLayerScript, finishResultScript, placeResultScript, type LayerRef } from '../../photopea/scripts.ts';
import { checkScript } from './fake-photopea/script-rules.ts';

const layer: LayerRef = { name: 'Hero “quoted” \u2028 line', path: [1, 0], box: [10, 20, 110, 80] };

test('every script the panel sends is ES5 and uses documented names only', () => {
  const scripts = [
    describeDocumentScript(64),
    exportLayerScript('Poster.psd', layer),
    placeResultScript('Poster.psd', layer, 'data:image/png;base64,iVBORw0KGgo='),
    finishResultScript('Poster.psd', layer, 'Hero · Starry Night'),
    closeTemporaryScript(),
  ];
  for (const script of scripts) assert.deepEqual(checkScript(script('atelier-end-1')), { ok: true });
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
  ] as const) {
    const verdict = checkScript(source);
    assert.equal(verdict.ok, false, source);
    if (!verdict.ok) assert.ok(verdict.reason.includes(word), verdict.reason);
  }
});
