/**
 * A stand-in for a studio's team server (issue 30) as the plugins meet it: the Photopea panel
 * page over https at /photopea/ with the daemon's own page headers (daemon/server/photopea-page.ts:
 * CSP connect-src 'self', frame-ancestors Photopea), and the WebSocket on the same host and port.
 * As strict as the front door where the plugins are concerned: it refuses an upgrade whose Host
 * is not its own or whose Origin is neither its own page's nor Figma's plugin window's "null" (the
 * DNS-rebinding and Origin checks every Atelier server makes), parses every frame with the protocol's parser (a frame it refuses fails
 * the test), welcomes with team-invite, takes a share only with the invite that names a code
 * (`pair.invite`), and pairs by the protocol's own SPAKE2 and key proofs, bound to its Host.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { WebSocketServer, type WebSocket } from 'ws';
import {
  AUTH_NONCE_BYTES,
  LIMITS,
  PROTOCOL_VERSION,
  TEAM_INVITE_CAPABILITY,
  bytesToHex,
  encodeMessage,
  equalBytes,
  hexToBytes,
  keyProof,
  parseClientFrame,
  spake2Context,
  spake2Respond,
  type ClientMessage,
  type ServerMessage,
} from '../../protocol/index.ts';
import { pageHeaders } from '../../daemon/server/photopea-page.ts';
import { loadValidFixtures } from '../protocol/load-fixtures.ts';

export interface TeamStandIn {
  readonly origin: string;
  /** `wss://HOST:PORT`: the address in the Team server field's written form. */
  readonly address: string;
  readonly host: string;
  readonly pageUrl: string;
  /** Every upgrade that reached the WebSocket (refused ones too), with its Host and Origin. */
  readonly upgrades: { host: string | undefined; origin: string | undefined; url: string | undefined; refused: string | null }[];
  /** Every message the panel sent, parsed. */
  readonly received: ClientMessage[];
  readonly protocolErrors: string[];
  /** Closes every socket and refuses new ones: the server went away while the page stays loaded. */
  goAway(): void;
  closeAsync(): Promise<void>;
}

/** One certificate for 127.0.0.1 and localhost (the browser is told to accept it, as for the other stand-ins). */
async function certificateAsync(): Promise<{ key: Buffer; cert: Buffer }> {
  const dir = await mkdtemp(join(tmpdir(), 'atelier-team-cert-'));
  try {
    await promisify(execFile)('openssl', ['req', '-x509', '-nodes', '-newkey', 'rsa:2048', '-days', '1', '-subj', '/CN=atelier team stand-in', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost', '-keyout', join(dir, 'k.pem'), '-out', join(dir, 'c.pem')]);
    return { key: await readFile(join(dir, 'k.pem')), cert: await readFile(join(dir, 'c.pem')) };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function welcomeFixture(name: string): Extract<ServerMessage, { type: 'welcome' }> {
  return loadValidFixtures().find((f) => f.name === name)!.fixture.message as Extract<ServerMessage, { type: 'welcome' }>;
}

export interface TeamStandInOptions {
  /** The name the plugins dial it by (its Host): Figma's allowedDomains takes `localhost`, not an IP address. */
  hostname?: 'localhost' | '127.0.0.1';
  /** The built Photopea panel it serves (photopea/dist/index.html), if any. */
  pageFile?: string;
  frameAncestors?: readonly string[];
  /** The invite codes open: `pair.invite` must name one by its first digits. */
  inviteCodes: readonly string[];
}

export async function startTeamStandInAsync(options: TeamStandInOptions): Promise<TeamStandIn> {
  const html = options.pageFile ? await readFile(options.pageFile, 'utf8') : null;
  let gone = false;
  const upgrades: TeamStandIn['upgrades'] = [];
  const received: ClientMessage[] = [];
  const protocolErrors: string[] = [];
  /** Keys paired here, by their lookup id. */
  const keys = new Map<string, Uint8Array>();
  const server: Server = createServer(await certificateAsync(), (request, response) => {
    if (request.headers.host !== host) {
      response.writeHead(403).end();
      return;
    }
    if (html === null || (request.url ?? '').split('?')[0] !== LIMITS.PHOTOPEA_PAGE_PATH) {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, pageHeaders(html, ["'self'"], options.frameAncestors ?? [])).end(html);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const host = `${options.hostname ?? '127.0.0.1'}:${port}`;
  const origin = `https://${host}`;
  const sockets = new WebSocketServer({ noServer: true, maxPayload: LIMITS.MAX_TEXT_MESSAGE_BYTES });
  server.on('upgrade', (request, socket, head) => {
    const seen = { host: request.headers.host, origin: request.headers.origin, url: request.url, refused: null as string | null };
    upgrades.push(seen);
    // Figma's plugin window is a sandboxed srcdoc frame: its Origin is "null".
    seen.refused = gone ? 'gone' : seen.host !== host ? 'host' : seen.origin !== origin && seen.origin !== 'null' ? 'origin' : null;
    if (seen.refused) {
      socket.destroy();
      return;
    }
    sockets.handleUpgrade(request, socket, head, (ws) => serve(ws));
  });

  const serve = (ws: WebSocket): void => {
    const send = (message: ServerMessage) => ws.send(encodeMessage(message));
    const unpaired = { ...welcomeFixture('daemon-welcome-unpaired.json'), capabilities: [TEAM_INVITE_CAPABILITY] };
    const full = (): ServerMessage => {
      const ready = welcomeFixture('daemon-welcome-ready.json');
      return { ...ready, capabilities: [...ready.capabilities, TEAM_INVITE_CAPABILITY], paired: true };
    };
    let clientName = '';
    let auth: { keyId: string; context: Parameters<typeof keyProof>[2] } | null = null;
    let pairing: { key: Uint8Array; expectedConfirm: Uint8Array } | null = null;
    ws.on('message', (data, isBinary) => {
      const parsed = parseClientFrame(isBinary ? new Uint8Array(data as Buffer) : (data as Buffer).toString('utf8'));
      if (!parsed.ok) {
        protocolErrors.push(parsed.message);
        ws.close(1008, 'bad frame');
        return;
      }
      const message = parsed.value.message;
      received.push(message);
      switch (message.type) {
        case 'hello': {
          clientName = message.client.name;
          const key = message.auth ? keys.get(message.auth.keyId) : undefined;
          if (!message.auth || !key) return send(unpaired);
          const daemonNonce = crypto.getRandomValues(new Uint8Array(AUTH_NONCE_BYTES));
          const context = { protocol: PROTOCOL_VERSION, keyId: message.auth.keyId, host, clientName, clientNonce: hexToBytes(message.auth.nonce), daemonNonce };
          auth = { keyId: message.auth.keyId, context };
          return send({ type: 'auth-challenge', nonce: bytesToHex(daemonNonce), proof: bytesToHex(keyProof(key, 'daemon', context)) });
        }
        case 'auth': {
          const key = auth ? keys.get(auth.keyId) : undefined;
          if (!auth || !key || !equalBytes(hexToBytes(message.proof), keyProof(key, 'plugin', auth.context))) return void ws.close(4001, 'bad proof');
          return send(full());
        }
        case 'pair': {
          // Which designer's invite: without it a team server cannot tell whose code to try.
          const code = message.invite === undefined ? undefined : options.inviteCodes.find((c) => c.startsWith(message.invite!));
          if (code === undefined) return send({ type: 'error', code: 'bad-pairing-code', message: 'No invite starts with those digits.' });
          const answer = spake2Respond(code, spake2Context(PROTOCOL_VERSION, clientName, host), hexToBytes(message.share));
          if (!answer) return void ws.close(1008, 'bad share');
          pairing = { key: answer.key, expectedConfirm: answer.expectedConfirm };
          return send({ type: 'pair-response', share: bytesToHex(answer.share), confirm: bytesToHex(answer.confirm) });
        }
        case 'pair-confirm': {
          if (!pairing || !equalBytes(hexToBytes(message.confirm), pairing.expectedConfirm)) return send({ type: 'error', code: 'bad-pairing-code', message: 'That code is wrong.' });
          const keyId = bytesToHex(crypto.getRandomValues(new Uint8Array(LIMITS.KEY_HINT_HEX_LENGTH / 2)));
          keys.set(keyId, pairing.key);
          send({ type: 'paired', keyId });
          return send(full());
        }
        default:
          return;
      }
    });
  };

  return {
    origin,
    address: `wss://${host}`,
    host,
    pageUrl: `${origin}${LIMITS.PHOTOPEA_PAGE_PATH}`,
    upgrades,
    received,
    protocolErrors,
    goAway: () => {
      gone = true;
      for (const client of sockets.clients) client.terminate();
    },
    closeAsync: async () => {
      for (const client of sockets.clients) client.terminate();
      sockets.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
