/**
 * The panel's side of Photopea's Live Messaging: one message at a time; only what comes between
 * this request's start and end markers is taken (Photopea posts every plugin's outputs to every
 * plugin: item 5 of issue 27); "done" ends a request only after its end marker; other windows
 * are ignored; a silent Photopea times out.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PhotopeaBridge, PhotopeaError } from '../../photopea/photopea-bridge.ts';
import type { Markers } from '../../photopea/scripts.ts';

function fakeWindows() {
  const posted: string[] = [];
  let listener: ((event: MessageEvent) => void) | null = null;
  const parent = { postMessage: (message: unknown) => posted.push(String(message)) };
  const host = {
    addEventListener: (_type: string, fn: (event: MessageEvent) => void) => {
      listener = fn;
    },
  };
  const send = (data: unknown, source: unknown = parent) => listener!({ data, source } as MessageEvent);
  return { parent, host, posted, send };
}

const markersOf = (script: string): Markers => JSON.parse(script) as Markers;
const echoMarkers = (m: Markers) => JSON.stringify(m);
const tick = () => new Promise((resolve) => setImmediate(resolve));

test('a second script waits for the first one\'s done; only outputs between its markers are taken', async () => {
  const w = fakeWindows();
  const bridge = new PhotopeaBridge(w.parent as unknown as Window, w.host as unknown as Window, 5000);
  const first = bridge.run(echoMarkers);
  const second = bridge.run(echoMarkers);
  await tick();
  assert.equal(w.posted.length, 1, 'the second message is not posted before the first is answered');
  const m = markersOf(w.posted[0]!);
  w.send('done'); // Photopea's "ready", or another plugin's answer: ignored
  w.send('{"width":7,"height":5}'); // another plugin's output, before ours: ignored
  w.send(new ArrayBuffer(7));
  w.send(m.start);
  w.send('{"a":1}');
  w.send(new ArrayBuffer(3));
  w.send('{"a":2}', { postMessage() {} }); // another window: ignored
  w.send(m.end);
  w.send('{"late":true}'); // after our end marker: ignored
  w.send('done');
  const outputs = await first;
  assert.equal(outputs.length, 2);
  assert.equal(outputs[0], '{"a":1}');
  assert.ok(outputs[1] instanceof ArrayBuffer && outputs[1].byteLength === 3);
  await tick();
  assert.equal(w.posted.length, 2);
  const m2 = markersOf(w.posted[1]!);
  assert.notEqual(m2.start, m.start);
  w.send(m2.start);
  w.send(m2.end);
  w.send('done');
  assert.deepEqual(await second, []);
});

test('a "done" without our end marker (another plugin\'s, or ours from a script that stopped) does not end the request', async () => {
  const w = fakeWindows();
  const bridge = new PhotopeaBridge(w.parent as unknown as Window, w.host as unknown as Window, 80);
  const lost = bridge.run(echoMarkers);
  await tick();
  const m = markersOf(w.posted[0]!);
  w.send(m.start);
  w.send('{"half":true}');
  w.send('done');
  await assert.rejects(lost, (error: unknown) => error instanceof PhotopeaError && error.code === 'timeout');
});

test('a Photopea that never answers times out with a sentence, and the next script still runs', async () => {
  const w = fakeWindows();
  const bridge = new PhotopeaBridge(w.parent as unknown as Window, w.host as unknown as Window, 50);
  const lost = bridge.run(echoMarkers);
  const next = bridge.run(echoMarkers);
  await assert.rejects(lost, (error: unknown) => error instanceof PhotopeaError && error.code === 'timeout' && /inside Photopea/.test(error.message));
  await tick();
  assert.equal(w.posted.length, 2);
  const m = markersOf(w.posted[1]!);
  w.send(m.start);
  w.send(m.end);
  w.send('done');
  assert.deepEqual(await next, []);
});
