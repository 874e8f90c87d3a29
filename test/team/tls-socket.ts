/**
 * Temporary (until test/client/ws-socket.ts takes TLS options, requested of its owner): the
 * browser WebSocket's shape on Node's `ws`, trusting the test's self-signed certificate as a
 * designer's machine trusts the studio's once its admin installs it.
 */
import WebSocket from 'ws';
import type { SocketLike } from '../../client/index.ts';

export function openTlsSocket(url: string, ca: Buffer, headers: Record<string, string> = {}): SocketLike {
  const ws = new WebSocket(url, { headers, perMessageDeflate: false, ca });
  ws.binaryType = 'arraybuffer';
  const socket: SocketLike = {
    binaryType: 'arraybuffer',
    get readyState() {
      return ws.readyState;
    },
    send: (data) => {
      // As the browser throws InvalidStateError (WHATWG WebSockets, send() step 1).
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
  ws.on('message', (data: ArrayBuffer | Buffer, isBinary: boolean) => socket.onmessage?.({ data: isBinary ? data : Buffer.from(data as ArrayBuffer).toString('utf8') }));
  ws.on('close', (code: number, reason: Buffer) => socket.onclose?.({ code, reason: reason.toString() }));
  ws.on('error', (error) => socket.onerror?.(error));
  return socket;
}
