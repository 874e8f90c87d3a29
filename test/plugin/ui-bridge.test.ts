/**
 * The UI's side of the bridge (plugin/ui/main-bridge.ts). Figma relays the main code's
 * messages into the plugin iframe from its parent frame, the frame `parent.postMessage`
 * reaches (developers.figma.com/docs/plugins/creating-ui); anything else that can post to
 * the iframe (a frame or window the UI opened, which holds a reference to it) must not be
 * able to speak for the main code.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { MainToUi } from '../../plugin/bridge/index.ts';

type Listener = (event: { data: unknown; source: unknown }) => void;

/** The iframe's window and its parent, as far as main-bridge.ts uses them. */
function installFrame() {
  const listeners: Listener[] = [];
  const toParent: unknown[] = [];
  const parentWindow = { postMessage: (message: unknown) => toParent.push(message) };
  const frameWindow = { addEventListener: (type: string, listener: Listener) => type === 'message' && listeners.push(listener) };
  Object.assign(globalThis, { window: frameWindow, parent: parentWindow });
  const deliver = (data: unknown, source: unknown) => {
    for (const listener of listeners) listener({ data, source });
  };
  return { parentWindow, frameWindow, toParent, deliver };
}

test('the UI takes messages only from its parent frame, where Figma relays the main code', async () => {
  const frame = installFrame();
  const { onMainMessage, postToMain } = await import('../../plugin/ui/main-bridge.ts');
  const got: MainToUi[] = [];
  onMainMessage((message) => got.push(message));
  const problem = { pluginMessage: { type: 'problem', code: 'no-style', message: 'Pick a style.' } };

  const opened = { postMessage: () => undefined }; // e.g. a window the UI opened, posting back
  frame.deliver(problem, opened);
  frame.deliver(problem, frame.frameWindow);
  frame.deliver(problem, null);
  assert.deepEqual(got, [], 'messages from anywhere but the parent are ignored');

  frame.deliver(problem, frame.parentWindow);
  assert.deepEqual(got, [problem.pluginMessage]);
  frame.deliver({ pluginMessage: { type: 'problem' } }, frame.parentWindow);
  assert.equal(got.length, 1, 'a malformed message from the parent is dropped too');

  postToMain({ type: 'ui-ready' });
  assert.deepEqual(frame.toParent, [{ pluginMessage: { type: 'ui-ready' } }]);
});
