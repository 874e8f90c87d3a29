import { z } from 'zod';
import { LIMITS } from '../protocol/sandbox.ts';
import { MAX_TEAM_SERVER_CHARS } from './limits.ts';

/**
 * A studio's shared Atelier server, as a designer types it into a panel's "Team server" field,
 * and what each panel says about it. No DOM here: Figma's sandboxed main code checks what it
 * stores with the same rule the window applies to what the designer typed.
 *
 * Why only `wss://HOST[:PORT]`: both editors are https pages (www.figma.com, www.photopea.com),
 * and browsers refuse a plain `ws://` connection from an https page as mixed content (W3C Mixed
 * Content §4.4; Chromium and Firefox exempt only loopback, "potentially trustworthy" hosts), so
 * `ws://` is taken for this computer only (a team server started on it for a try-out).
 */
export type TeamServerParse = { ok: true; address: string | null } | { ok: false; message: string };

const EXAMPLE = 'wss://atelier.studio.example:8443';
/**
 * A host name (letters, digits and hyphens in dot-separated labels), an IPv4 address or a
 * bracketed IPv6 one, then an optional port. Written out rather than read with `URL`: Figma's
 * sandboxed main code checks stored addresses too, and has no `URL`.
 */
const HOST = String.raw`((?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*|\[[0-9a-f:.]+\])`;
const HOST_PORT = new RegExp(String.raw`^${HOST}(?::(\d{1,5}))?$`, 'i');
/** The whole rest of the address: host, port, at most a closing slash. */
const AUTHORITY = new RegExp(String.raw`^${HOST}(?::(\d{1,5}))?\/?$`, 'i');
const DEFAULT_PORT: Record<'ws' | 'wss', number> = { ws: 80, wss: 443 };

/**
 * The address in its one written form (`wss://host[:port]`, lower-case host, no default port,
 * no slash): pairing keys are kept per address, so two spellings of one server must be one key.
 * Empty text is null: the Atelier app on this computer.
 */
export function parseTeamServerAddress(text: string): TeamServerParse {
  const typed = text.trim();
  if (typed === '') return { ok: true, address: null };
  if (typed.length > MAX_TEAM_SERVER_CHARS) return { ok: false, message: `That address is too long for a server address. A team server address looks like ${EXAMPLE}.` };
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(typed)?.[1]?.toLowerCase() ?? null;
  if (scheme === null) {
    return { ok: false, message: `A team server address starts with wss:// — for example wss://${typed.replace(/^\/+/, '')}. Ask whoever runs your studio’s Atelier server for it.` };
  }
  if (scheme === 'https' || scheme === 'http') {
    return { ok: false, message: `Use wss:// instead of ${scheme}:// (the same host and port): wss://${typed.slice(scheme.length + 3)}.` };
  }
  if (scheme !== 'wss' && scheme !== 'ws') {
    return { ok: false, message: `“${scheme}://” is not a team server address. It starts with wss:// — for example ${EXAMPLE}.` };
  }
  const parts = AUTHORITY.exec(typed.slice(scheme.length + 3));
  if (!parts) {
    // Something after the host: a path, a query, a name and password, or no host at all.
    const host = /^(?:[^@/?#]*@)?([^/?#]*)/.exec(typed.slice(scheme.length + 3))?.[1] ?? '';
    return HOST_PORT.test(host)
      ? { ok: false, message: `Give the server’s address only, with no name, path or “?” part: wss://${host.toLowerCase()}.` }
      : { ok: false, message: `“${typed}” is not a valid address. A team server address looks like ${EXAMPLE}.` };
  }
  const hostname = parts[1]!.toLowerCase();
  const port = parts[2] === undefined ? null : Number(parts[2]);
  if (port !== null && (port < 1 || port > 65535)) return { ok: false, message: `${parts[2]} is not a port (1 to 65535). A team server address looks like ${EXAMPLE}.` };
  // The default port is the same server: one written form, so one pairing key.
  const host = port === null || port === DEFAULT_PORT[scheme] ? hostname : `${hostname}:${port}`;
  if (scheme === 'ws' && !LIMITS.LOOPBACK_HOSTS.includes(hostname)) {
    return {
      ok: false,
      message: `Browsers refuse an unencrypted ws:// connection from figma.com or photopea.com to another computer: use wss://${host} instead (ws:// is only for a server on this computer).`,
    };
  }
  return { ok: true, address: `${scheme}://${host}` };
}

/**
 * An address crossing a boundary (Figma's plugin bridge, clientStorage): only what the field's
 * rule gives back, in its one written form, so a key is never filed under a second spelling.
 */
export const teamServerAddressSchema = z
  .string()
  .max(MAX_TEAM_SERVER_CHARS)
  .refine((text) => {
    const parsed = parseTeamServerAddress(text);
    return parsed.ok && parsed.address === text;
  }, 'not a team server address in its written form (wss://host[:port])');

/** The host (and port) of an address, as the panels name it to designers: "atelier.studio.example:8443". */
export function teamServerHost(address: string): string {
  return address.replace(/^wss?:\/\//, '');
}

/** Where a panel connects: the Atelier app on this computer, or a studio's team server. */
export type ServerTarget = { kind: 'local' } | { kind: 'team'; address: string };

export function serverTarget(address: string | null): ServerTarget {
  return address === null ? { kind: 'local' } : { kind: 'team', address };
}

/** The pairing panel's sentence (the code comes from the tray, or from whoever runs the team server). */
export function pairingSentence(target: ServerTarget): string {
  return target.kind === 'local'
    ? `Pair with Atelier (once per computer and editor). Enter the ${LIMITS.PAIRING_CODE_DIGITS}-digit code shown in the Atelier tray (menu-bar) icon or in the terminal where it runs.`
    : `Pair with your studio’s Atelier server at ${teamServerHost(target.address)} (once per computer and editor). Ask whoever runs the server for an invite code (they run “atelier team invite” with your name) and enter its ${LIMITS.PAIRING_CODE_DIGITS} digits here.`;
}

/** A code the team server's answer did not match (client/daemon-client.ts shows it in place of WRONG_CODE_SENTENCE). */
export const TEAM_WRONG_CODE_SENTENCE =
  'That invite code is wrong (the team server’s answer did not match it). Check the code you were given and enter it again; an invite code works once, for one designer, for a day: ask for a new one if it has run out.';

/** What the team server panel says while the server cannot be reached (connection-view.ts). */
export function teamUnreachableSentence(address: string): string {
  return `Can’t reach your studio’s Atelier server at ${teamServerHost(address)}.`;
}

/** The Apply button's hint while the window is not connected. */
export function connectHint(target: ServerTarget): string {
  return target.kind === 'team' ? 'Connect to the team server to apply a style.' : 'Connect to Atelier to apply a style.';
}
