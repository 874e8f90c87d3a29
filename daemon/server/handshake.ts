import type { IncomingMessage } from 'node:http';

export type HandshakeVerdict = { ok: true } | { ok: false; status: 400 | 403 | 503; reason: string };

export interface HandshakePolicy {
  /** The port the daemon actually listens on (a Host naming another port is refused). */
  port: number;
  /** Exact origins allowed besides `null` (Figma's plugin iframe), e.g. "https://www.figma.com". */
  allowedOrigins: readonly string[];
}

const LOCAL_HOSTNAMES = ['localhost', '127.0.0.1', '[::1]'];

/**
 * Host must name this machine by a loopback name and our port, so a web page that rebinds
 * its own DNS name to 127.0.0.1 is refused (its Host is still its own name).
 */
export function isAllowedHost(host: string | undefined, port: number): boolean {
  if (!host) return false;
  const lower = host.toLowerCase();
  return LOCAL_HOSTNAMES.some((name) => lower === `${name}:${port}`);
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

/** Decides on an upgrade request before any WebSocket is created. */
export function checkHandshake(request: IncomingMessage, policy: HandshakePolicy): HandshakeVerdict {
  // RFC 9112 §3.2: a request with more than one Host line gets 400. Two Hosts read two ways:
  // the checks here would see the first, while a proxy or another reader may act on the other.
  if (hostLineCount(request) > 1) return { ok: false, status: 400, reason: 'host-repeated' };
  const host = request.headers.host;
  if (!isAllowedHost(host, policy.port)) {
    return { ok: false, status: 403, reason: 'host-not-local' };
  }
  const origin = request.headers.origin;
  if (!isAllowedOrigin(origin, policy.allowedOrigins)) {
    return { ok: false, status: 403, reason: 'origin-not-allowed' };
  }
  return { ok: true };
}
