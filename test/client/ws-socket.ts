/**
 * The browser WebSocket's behaviour, on Node's `ws`, in the SocketLike shape the daemon client
 * takes (client/socket-like.ts): events as properties, binary frames as ArrayBuffer (the client
 * sets binaryType 'arraybuffer'), text as string, and `send` refused until open, as the browser
 * throws InvalidStateError (WHATWG WebSockets, send() step 1).
 */
import WebSocket, { type ClientOptions } from 'ws';
import type { SocketLike } from '../../client/index.ts';

/**
 * `tls.ca`: the certificate a wss:// server's test made for itself, trusted as a designer's
 * machine trusts a studio's once its admin installs it (`ws` dials through its own
 * tls.connect, so https.globalAgent's `ca` would not reach it).
 */
export function openWsSocket(url: string, headers: Record<string, string> = {}, tls: Pick<ClientOptions, 'ca'> = {}): SocketLike {
  const ws = new WebSocket(url, { headers, perMessageDeflate: false, ...tls });
  ws.binaryType = 'arraybuffer';
  const socket: SocketLike = {
    binaryType: 'arraybuffer',
    get readyState() {
      return ws.readyState;
    },
    send: (data) => {
      if (ws.readyState !== WebSocket.OPEN) throw new Error('InvalidStateError: the socket is not open');
      ws.send(data);
    },
    close: (code, reason) => ws.close(code, reason),
    onopen: null,
    onmessage: null,
    onclose: null,
    onerror: null,
  };
  ws.on('open', () => socket.onopen?.({}));
  ws.on('message', (data: ArrayBuffer | Buffer, isBinary: boolean) => {
    socket.onmessage?.({ data: isBinary ? data : Buffer.from(data as ArrayBuffer).toString('utf8') });
  });
  ws.on('close', (code: number, reason: Buffer) => socket.onclose?.({ code, reason: reason.toString() }));
  ws.on('error', (error) => socket.onerror?.(error));
  return socket;
}
