/**
 * Entry point of the panel bundle inlined into photopea/dist/index.html, which the daemon
 * serves at http://localhost:<port>/photopea/ and Photopea frames as a plugin panel.
 */
import type { StorageLike } from '../client/key-store.ts';
import { openBrowserSocket } from '../client/socket-like.ts';
import { PhotopeaApp } from './photopea-app.ts';
import { PhotopeaBridge } from './photopea-bridge.ts';

declare const ATELIER_PLUGIN_VERSION: string;

/** The panel's storage; a browser that blocks it (third-party storage off) still runs, unpaired each time. */
function panelStorage(): StorageLike {
  try {
    window.localStorage.getItem('atelier.probe');
    return window.localStorage;
  } catch {
    const memory = new Map<string, string>();
    return { getItem: (k) => memory.get(k) ?? null, setItem: (k, v) => void memory.set(k, v), removeItem: (k) => void memory.delete(k) };
  }
}

const app = new PhotopeaApp({
  photopea: new PhotopeaBridge(window.parent, window),
  createSocket: openBrowserSocket,
  // The daemon that served this page, under the name the browser used for it.
  daemonUrl: `ws://${window.location.host}/`,
  storage: panelStorage(),
  clientVersion: ATELIER_PLUGIN_VERSION,
});
app.start();
