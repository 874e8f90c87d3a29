import { mainToUiSchema, type MainToUi, type UiToMain } from '../bridge/index.ts';

/** Sends to the main code the way Figma relays it: the parent window with `pluginMessage`. */
export function postToMain(message: UiToMain): void {
  parent.postMessage({ pluginMessage: message }, '*');
}

/**
 * Listens for the main code's messages. Figma relays them from the plugin window's parent
 * frame, the frame `postToMain` writes to; a message from anywhere else (a frame the UI
 * opened, another window holding a reference to this one) is not the main code and is
 * ignored, as is anything that fails the bridge schema.
 */
export function onMainMessage(handler: (message: MainToUi) => void): void {
  window.addEventListener('message', (event: MessageEvent) => {
    if (event.source !== parent) return;
    const data: unknown = event.data;
    if (typeof data !== 'object' || data === null || !('pluginMessage' in data)) return;
    const parsed = mainToUiSchema.safeParse((data as { pluginMessage: unknown }).pluginMessage);
    if (!parsed.success) {
      console.warn('Atelier UI: ignored a malformed message from the main code', parsed.error.issues[0]?.message);
      return;
    }
    handler(parsed.data);
  });
}
