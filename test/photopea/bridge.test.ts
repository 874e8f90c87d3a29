/**
 * The panel's side of Photopea's Live Messaging: one message at a time, "done" ends only the
 * script that echoed its marker, other windows ignored, a silent Photopea times out.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PhotopeaBridge, PhotopeaError } from '../../photopea/photopea-bridge.ts';

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

const markerOf = (script: string) => /"(atelier-end-[^"]+)"/.exec(script)![1]!;

test('a second script waits for the first one\'s done; outputs come back without the marker', async () => {
  const w = fakeWindows();
  const bridge = new PhotopeaBridge(w.parent as unknown as Window, w.host as unknown as Window, 5000);
  const first = bridge.run((m) => `app.echoToOE("${m}");`);
  const second = bridge.run((m) => `app.echoToOE("${m}");`);
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(w.posted.length, 1, 'the second message is not posted before the first is answered');
  w.send('done'); // Photopea's "ready", or a late answer: no marker yet, ignored
  w.send('{"a":1}');
  w.send(new ArrayBuffer(3));
  w.send('{"a":2}', { postMessage() {} }); // another window: ignored
  w.send(markerOf(w.posted[0]!));
  w.send('done');
  const outputs = await first;
  assert.equal(outputs.length, 2);
  assert.equal(outputs[0], '{"a":1}');
  assert.ok(outputs[1] instanceof ArrayBuffer);
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(w.posted.length, 2);
  w.send(markerOf(w.posted[1]!));
  w.send('done');
  assert.deepEqual(await second, []);
});

test('a Photopea that never answers times out with a sentence, and the next script still runs', async () => {
  const w = fakeWindows();
  const bridge = new PhotopeaBridge(w.parent as unknown as Window, w.host as unknown as Window, 50);
  const lost = bridge.run((m) => `app.echoToOE("${m}");`);
  const next = bridge.run((m) => `app.echoToOE("${m}");`);
  await assert.rejects(lost, (error: unknown) => error instanceof PhotopeaError && error.code === 'timeout' && /inside Photopea/.test(error.message));
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(w.posted.length, 2);
  w.send(markerOf(w.posted[1]!));
  w.send('done');
  assert.deepEqual(await next, []);
});
