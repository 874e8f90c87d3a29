import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { HandshakePolicy } from './handshake.ts';
import { LOCAL_PAGE_HOSTS, PHOTOPEA_PAGE_PATH, PHOTOPEA_ICON_PATH } from './limits.ts';
import type { Logger } from './logger.ts';

/**
 * The daemon's only HTTP surface: the Photopea plugin page (one HTML file, built by
 * `npm run build` into photopea/dist/) and its icon, on the WebSocket's own port. Photopea
 * frames the page from https://www.photopea.com (see photopea/README.md for why http on
 * loopback may be framed there). Everything else is 404; methods other than GET/HEAD 405;
 * a Host that is not this machine's loopback name and port 403, as at the WebSocket
 * handshake (DNS rebinding: a page that points its own name at 127.0.0.1 still sends its name).
 */
export interface PhotopeaPageOptions {
  /** The built page (photopea/dist/index.html). */
  pageFile: string;
  /** The icon Photopea shows on the plugin button. */
  iconFile: string;
  /** Origins allowed to frame the page (CSP frame-ancestors). */
  frameAncestors: readonly string[];
  logger: Logger;
}

/** The page's own origins (every loopback name the daemon answers to), allowed at the WebSocket Origin check. */
export function pageOrigins(port: number): string[] {
  return LOCAL_PAGE_HOSTS.map((host) => `http://${host}:${port}`);
}

/** Where the page is served and whom its script may connect to. */
export interface PageSite {
  /** The Host check of the WebSocket handshake, for the page too. */
  isAllowedHost: HandshakePolicy['isAllowedHost'];
  /** CSP connect-src: the server's WebSocket. */
  socketSources(): string[];
}

/**
 * The local daemon's: loopback names and its port. 'self' is the page's own origin with ws:
 * (CSP3), which covers [::1] too: an IPv6 literal is not a valid CSP host source, so it cannot
 * be listed.
 */
export function loopbackPageSite(policy: HandshakePolicy, port: () => number): PageSite {
  return {
    isAllowedHost: (host) => policy.isAllowedHost(host),
    socketSources: () => ["'self'", ...LOCAL_PAGE_HOSTS.filter((host) => !host.startsWith('[')).map((host) => `ws://${host}:${port()}`)],
  };
}

/** A team server's: its public names over https, whose 'self' (CSP3) is its own wss: origin. */
export function publicPageSite(policy: HandshakePolicy): PageSite {
  return { isAllowedHost: (host) => policy.isAllowedHost(host), socketSources: () => ["'self'"] };
}

/** Hashes of the inline scripts, so the CSP allows exactly the bundle and nothing injected. */
function inlineScriptHashes(html: string): string[] {
  const hashes: string[] = [];
  for (const match of html.matchAll(/<script>([\s\S]*?)<\/script>/g)) {
    hashes.push(`'sha256-${createHash('sha256').update(match[1]!, 'utf8').digest('base64')}'`);
  }
  return hashes;
}

/**
 * Headers for the page: it must be framed by Photopea (so no X-Frame-Options, and CSP
 * frame-ancestors names Photopea), may run only its own inline bundle, may connect only to
 * this daemon's WebSocket, and loads nothing from anywhere (images are blobs and data URLs).
 */
export function pageHeaders(html: string, socketSources: readonly string[], frameAncestors: readonly string[]): Record<string, string> {
  const sockets = socketSources.join(' ');
  const csp = [
    "default-src 'none'",
    `script-src ${inlineScriptHashes(html).join(' ') || "'none'"}`,
    // The bundle sets element styles (progress bar widths); the template has one <style>.
    "style-src 'unsafe-inline'",
    'img-src blob: data:',
    `connect-src ${sockets}`,
    `frame-ancestors ${frameAncestors.join(' ')}`,
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
  return {
    'content-type': 'text/html; charset=utf-8',
    'content-security-policy': csp,
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'cache-control': 'no-store',
  };
}

const ICON_HEADERS = {
  'content-type': 'image/svg+xml',
  // An SVG opened on its own runs no script and loads nothing.
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'",
  'x-content-type-options': 'nosniff',
  'cache-control': 'no-store',
};

function plain(response: ServerResponse, status: number, text: string, extra: Record<string, string> = {}): void {
  response.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'x-content-type-options': 'nosniff', 'cache-control': 'no-store', ...extra });
  response.end(`${text}\n`);
}

/** The request listener of the daemon's HTTP servers (WebSocket upgrades never reach it). */
export function createPhotopeaPageHandler(options: PhotopeaPageOptions, site: PageSite): (request: IncomingMessage, response: ServerResponse) => void {
  let page: Promise<string | null> | null = null;
  let icon: Promise<Buffer | null> | null = null;
  const readPage = (): Promise<string | null> =>
    (page ??= readFile(options.pageFile, 'utf8').catch(() => {
      page = null; // built later: try again next time
      options.logger.log('warn', 'photopea-page-missing', { file: options.pageFile });
      return null;
    }));
  const readIcon = (): Promise<Buffer | null> => (icon ??= readFile(options.iconFile).catch(() => ((icon = null), null)));

  return (request, response) => {
    const send = async (): Promise<void> => {
      if (!site.isAllowedHost(request.headers.host)) {
        options.logger.log('warn', 'http-rejected', { reason: 'host-not-local', host: request.headers.host?.slice(0, 100) });
        plain(response, 403, 'host-not-local', { connection: 'close' });
        return;
      }
      const method = request.method ?? 'GET';
      if (method !== 'GET' && method !== 'HEAD') {
        plain(response, 405, 'method-not-allowed', { allow: 'GET, HEAD' });
        return;
      }
      const path = (request.url ?? '').split('?')[0];
      const head = method === 'HEAD';
      if (path === PHOTOPEA_PAGE_PATH) {
        const html = await readPage();
        if (html === null) {
          plain(response, 404, 'The Photopea plugin page is not built yet: run `npm run build` in the Atelier folder, then reload Photopea.');
          return;
        }
        response.writeHead(200, pageHeaders(html, site.socketSources(), options.frameAncestors));
        response.end(head ? undefined : html);
        return;
      }
      if (path === PHOTOPEA_ICON_PATH) {
        const svg = await readIcon();
        if (svg === null) {
          plain(response, 404, 'not-found');
          return;
        }
        response.writeHead(200, ICON_HEADERS);
        response.end(head ? undefined : svg);
        return;
      }
      plain(response, 404, 'not-found');
    };
    send().catch((error: unknown) => {
      options.logger.log('error', 'internal-error', { detail: String(error) });
      if (!response.headersSent) plain(response, 500, 'internal-error');
      else response.destroy();
    });
  };
}
