/**
 * Entry point of the panel bundle inlined into photopea/dist/index.html, which the daemon
 * serves at http://localhost:<port>/photopea/ (a studio's team server at https://<host>/photopea/)
 * and Photopea frames as a plugin panel.
 */
import type { StorageLike } from '../client/key-store.ts';
import { indexedDbKeyStore, indexedDbStore, memoryStore, type KeyValueStore } from '../client/indexeddb-key-store.ts';
import { openBrowserSocket } from '../client/socket-like.ts';
import { PhotopeaApp } from './photopea-app.ts';
import { PhotopeaBridge } from './photopea-bridge.ts';
import { KEY_DATABASE_NAME, KEY_STORAGE_NAME } from './limits.ts';
import { panelDaemonUrl, panelTarget } from './panel-server.ts';

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

/** The key's IndexedDB (partitioned under photopea.com like localStorage); blocked, it lasts as long as the panel. */
function keyDatabase(): KeyValueStore {
  try {
    if (window.indexedDB) return indexedDbStore(window.indexedDB, KEY_DATABASE_NAME);
  } catch {
    // Third-party storage blocked.
  }
  return memoryStore();
}

const storage = panelStorage();
const app = new PhotopeaApp({
  photopea: new PhotopeaBridge(window.parent, window),
  createSocket: openBrowserSocket,
  // The server that served this page (the app on this computer, or a team server over https).
  daemonUrl: panelDaemonUrl(window.location),
  target: panelTarget(window.location),
  // Another server's panel replaces this one in Photopea's frame (panel-server.ts).
  navigate: (url) => window.location.assign(url),
  storage,
  // The pairing key as non-extractable WebCrypto keys; a key an older panel left in localStorage moves there once.
  keyStore: indexedDbKeyStore({ db: keyDatabase(), legacy: { storage, name: KEY_STORAGE_NAME } }),
  clientVersion: ATELIER_PLUGIN_VERSION,
});
app.start();
