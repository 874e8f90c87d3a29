import { DaemonClient, hostKeyStore, type ConnectionState, type StoredKey } from '../../client/index.ts';
import { openWsSocket } from '../client/ws-socket.ts';

/** The real daemon client as a plugin window runs it, with what it showed and stored. */
export interface Plugin {
  client: DaemonClient;
  states: ConnectionState[];
  saved: (StoredKey | null)[];
  waitForAsync(predicate: (state: ConnectionState) => boolean, what: string): Promise<ConnectionState>;
}

/** Starts the real daemon client (Origin `null`, as Figma's plugin frame) with `key` stored, or none. */
export function startPlugin(url: string, key: StoredKey | null): Plugin {
  const states: ConnectionState[] = [];
  const saved: (StoredKey | null)[] = [];
  let wake: (() => void) | null = null;
  const client = new DaemonClient({
    url,
    keyStore: hostKeyStore(key, (next) => saved.push(next)),
    clientVersion: '0.1.0',
    createSocket: (target) => openWsSocket(target, { origin: 'null' }),
    onState: (state) => {
      states.push(state);
      wake?.();
    },
    onJobMessage: () => undefined,
    onConnectionLost: () => undefined,
  });
  client.start();
  return {
    client,
    states,
    saved,
    async waitForAsync(predicate, what) {
      const deadline = Date.now() + 30_000;
      for (;;) {
        const found = states.find(predicate);
        if (found) return found;
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; states: ${JSON.stringify(states.map((s) => s.kind))}`);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, 200);
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        wake = null;
      }
    },
  };
}
