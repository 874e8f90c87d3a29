/**
 * Entry point of the UI bundle inlined into plugin/dist/ui.html.
 */
import { onMainMessage, postToMain } from './main-bridge.ts';
import { openBrowserSocket } from '../../client/socket-like.ts';
import { UiApp } from './ui-app.ts';

declare const ATELIER_PLUGIN_VERSION: string;

const app = new UiApp({
  post: postToMain,
  createSocket: openBrowserSocket,
  clientVersion: ATELIER_PLUGIN_VERSION,
});
onMainMessage((message) => app.handleMain(message));
app.render();
postToMain({ type: 'ui-ready' });
