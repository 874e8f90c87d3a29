import type { IncomingMessage } from 'node:http';
import { LIMITS } from '../../protocol/index.ts';

export type HandshakeVerdict = { ok: true } | { ok: false; status: 400 | 403 | 503; reason: string };

/**
 * Who may open a WebSocket (and load the Photopea page): the Host a request must name, and the
 * browser origins allowed besides `null` (Figma's plugin iframe) and none (the CLI).
 */
export interface HandshakePolicy {
  /** Whether the request's Host names this server (DNS rebinding: a page's own name is refused). */
  isAllowedHost(host: string | undefined): boolean;
  /** Exact origins allowed besides `null`, e.g. the Photopea page's own. */
  allowedOrigins: readonly string[];
}


/**
 * Host must name this machine by a loopback name and our port, so a web page that rebinds
 * its own DNS name to 127.0.0.1 is refused (its Host is still its own name).
 */
export function isAllowedHost(host: string | undefined, port: number): boolean {
  if (!host) return false;
  const lower = host.toLowerCase();
  return LIMITS.LOOPBACK_HOSTS.some((name) => lower === `${name}:${port}`);
}

/**
 * Browsers always send Origin on WebSocket upgrades. Figma's plugin iframe sends "null".
 * No Origin at all means a non-browser client (the CLI, tests), which a web page cannot be.
 */
export function isAllowedOrigin(origin: string | undefined, allowedOrigins: readonly string[]): boolean {
  if (origin === undefined) return true;
  return origin === 'null' || allowedOrigins.includes(origin);
}

/**
 * How many Host lines the request carried. Node keeps the first of repeated Host headers in
 * `headers.host` and drops the others (http.IncomingMessage `message.headers`), so only
 * `rawHeaders` shows them.
 */
function hostLineCount(request: Pick<IncomingMessage, 'rawHeaders'>): number {
  let count = 0;
  for (let i = 0; i < request.rawHeaders.length; i += 2) if (request.rawHeaders[i]!.toLowerCase() === 'host') count += 1;
  return count;
}

/** The local daemon: a loopback name with the port it listens on. */
export function loopbackPolicy(port: () => number, allowedOrigins: () => readonly string[]): HandshakePolicy {
  return {
    isAllowedHost: (host) => isAllowedHost(host, port()),
    get allowedOrigins() {
      return allowedOrigins();
    },
  };
}

/** A Host header's name, lower-cased, without its port (`[v6]` keeps its brackets); null when malformed. */
export function hostNameOf(host: string): string | null {
  const match = /^(\[[0-9a-f:.]+\]|[^\s:[\]/@]+)(?::(\d{1,5}))?$/i.exec(host);
  return match ? match[1]!.toLowerCase() : null;
}

export interface PublicHostOptions {
  /** The names designers reach the server by (DNS names or IP literals, IPv6 in brackets), without ports. */
  hostNames: readonly string[];
  /**
   * The port designers' browsers see (443 behind a reverse proxy): the server's own https
   * origin, its Photopea page's, is `https://NAME` or `https://NAME:PORT`.
   */
  publicPort: number;
  /** Origins allowed besides those and "null". */
  allowedOrigins: readonly string[];
}

/**
 * A team server: Host names one of its public names, with any port (a reverse proxy may or may
 * not pass one on); origins are "null" (Figma), the server's own https origin (the Photopea page
 * it serves) and the configured ones.
 */
export function publicHostPolicy(options: PublicHostOptions): HandshakePolicy {
  const names = new Set(options.hostNames.map((name) => name.toLowerCase()));
  const suffix = options.publicPort === 443 ? '' : `:${options.publicPort}`;
  return {
    isAllowedHost: (host) => {
      const name = host === undefined ? null : hostNameOf(host);
      return name !== null && names.has(name);
    },
    allowedOrigins: [...[...names].map((name) => `https://${name}${suffix}`), ...options.allowedOrigins],
  };
}

/** Decides on an upgrade request before any WebSocket is created. */
export function checkHandshake(request: IncomingMessage, policy: HandshakePolicy): HandshakeVerdict {
  // RFC 9112 §3.2: a request with more than one Host line gets 400. Two Hosts read two ways:
  // the checks here would see the first, while a proxy or another reader may act on the other.
  if (hostLineCount(request) > 1) return { ok: false, status: 400, reason: 'host-repeated' };
  const host = request.headers.host;
  if (!policy.isAllowedHost(host)) {
    return { ok: false, status: 403, reason: 'host-not-local' };
  }
  const origin = request.headers.origin;
  if (!isAllowedOrigin(origin, policy.allowedOrigins)) {
    return { ok: false, status: 403, reason: 'origin-not-allowed' };
  }
  return { ok: true };
}
