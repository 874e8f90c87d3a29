/**
 * Which server a panel page talks to: the one that served it. The page and its server always
 * match (a panel is served by the daemon on this computer at http://localhost:7878/photopea/, or
 * by a studio's team server over https), so the panel derives its WebSocket from its own
 * location, and moving to another server means loading that server's own panel page: the page's
 * CSP lets it connect only to its own server ('self'), and its storage (the pairing key in
 * IndexedDB, under that page's origin) is that server's alone, so no key is ever offered to
 * another server.
 */
import { DEFAULT_DAEMON_PORT, LIMITS } from '../protocol/index.ts';
import { serverTarget, type ServerTarget } from '../client/team-server.ts';

/** What the panel reads of `window.location`. */
export interface PageLocation {
  protocol: string;
  host: string;
  hostname: string;
}

/**
 * The WebSocket of the server that served this page, under the name the browser used for it:
 * `wss://` for an https page (a team server: browsers refuse `ws://` from an https page as mixed
 * content), `ws://` for the http page of the app on this computer.
 */
export function panelDaemonUrl(location: PageLocation): string {
  return `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/`;
}

/**
 * The app on this computer serves its page over http on loopback (at whatever port it was
 * started on); a team server serves it over https. (A team server tried out on this computer
 * over plain http reads as local: only the panel's sentences differ, what pairing sends follows
 * the server's welcome.)
 */
export function panelTarget(location: PageLocation): ServerTarget {
  const local = location.protocol === 'http:' && LIMITS.LOOPBACK_HOSTS.includes(location.hostname);
  return local ? { kind: 'local' } : serverTarget(panelDaemonUrl(location).replace(/\/$/, ''));
}

/** The panel page of the server at `address` (client/team-server.ts's written form; null: the app on this computer). */
export function panelPageUrl(address: string | null): string {
  if (address === null) return `http://localhost:${DEFAULT_DAEMON_PORT}${LIMITS.PHOTOPEA_PAGE_PATH}`;
  return `${address.replace(/^ws/, 'http')}${LIMITS.PHOTOPEA_PAGE_PATH}`;
}
