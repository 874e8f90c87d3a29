import { createServer, type RequestListener, type Server } from 'node:http';
import { LOOPBACK_HOSTS, LISTEN_PORT_ATTEMPTS } from './limits.ts';

/** Why the daemon cannot listen, with a sentence for the designer (printed at start). */
export class ListenError extends Error {
  constructor(
    readonly code: 'port_in_use' | 'listen_failed',
    message: string,
  ) {
    super(message);
    this.name = 'ListenError';
  }
}

export interface LoopbackListeners {
  servers: Server[];
  port: number;
  /** The addresses listened on, as URL hosts ("127.0.0.1", "[::1]"). */
  hosts: string[];
}

/** Errors that mean "this machine has no IPv6 loopback": the daemon then serves 127.0.0.1 alone. */
const NO_IPV6 = new Set(['EADDRNOTAVAIL', 'EAFNOSUPPORT', 'EPROTONOSUPPORT']);

function listenOnceAsync(server: Server, port: number, host: string): Promise<NodeJS.ErrnoException | null> {
  return new Promise((resolve) => {
    const onError = (error: NodeJS.ErrnoException): void => resolve(error);
    server.once('error', onError);
    server.listen({ port, host, exclusive: true }, () => {
      server.off('error', onError);
      resolve(null);
    });
  });
}

function urlHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

/**
 * Listens on every loopback address on one port: 127.0.0.1 and, where the machine has IPv6,
 * ::1. Browsers resolve `localhost` (the only name Figma's manifest allows) to ::1 first, so
 * a daemon on 127.0.0.1 alone would leave ::1 to any other local process, which would then
 * receive the plugin's connections. Another process on either address is an error that says
 * which; with port 0 (tests), a port free on both is found.
 */
export async function listenLoopbackAsync(port: number, onRequest: RequestListener): Promise<LoopbackListeners> {
  for (let attempt = 0; attempt < (port === 0 ? LISTEN_PORT_ATTEMPTS : 1); attempt++) {
    const servers: Server[] = [];
    const hosts: string[] = [];
    let chosen = port;
    let retry = false;
    for (const host of LOOPBACK_HOSTS) {
      const server = createServer(onRequest);
      const error = await listenOnceAsync(server, chosen, host);
      if (error === null) {
        const address = server.address();
        if (chosen === 0 && typeof address === 'object' && address) chosen = address.port;
        servers.push(server);
        hosts.push(urlHost(host));
        continue;
      }
      if (host !== LOOPBACK_HOSTS[0] && error.code && NO_IPV6.has(error.code)) continue;
      await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
      if (error.code === 'EADDRINUSE' && port === 0) {
        retry = true;
        break;
      }
      if (error.code === 'EADDRINUSE') {
        throw new ListenError(
          'port_in_use',
          `Another program already listens on ${urlHost(host)}:${port}, so the Figma plugin might reach it instead of Atelier. Quit that program (or start Atelier with --port and another port), then start Atelier again.`,
        );
      }
      throw new ListenError('listen_failed', `Atelier cannot listen on ${urlHost(host)}:${port} (${error.code ?? error.message}).`);
    }
    if (!retry) return { servers, port: chosen, hosts };
  }
  throw new ListenError('port_in_use', `No port was free on every loopback address after ${LISTEN_PORT_ATTEMPTS} tries.`);
}
