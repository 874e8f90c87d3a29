import WebSocket from 'ws';
import {
  PROTOCOL_VERSION,
  encodeMessage,
  parseServerFrame,
  type ClientMessage,
  type ServerMessage,
} from '../../protocol/index.ts';

export interface Received {
  message: ServerMessage;
  images: Map<string, Uint8Array>;
}

type Of<T extends ServerMessage['type']> = Extract<ServerMessage, { type: T }>;

const WAIT_MS = 60_000;

/**
 * A real `ws` client that validates every daemon frame against the protocol (an invalid
 * frame fails the next wait), and reads messages in order through a cursor.
 */
export class TestClient {
  readonly received: Received[] = [];
  readonly invalid: string[] = [];
  closeCode: number | null = null;
  private cursor = 0;
  private wake: (() => void) | null = null;

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data: Buffer, isBinary: boolean) => {
      const parsed = parseServerFrame(isBinary ? new Uint8Array(data) : data.toString('utf8'));
      if (parsed.ok) this.received.push(parsed.value);
      else this.invalid.push(`${parsed.code}: ${parsed.message}`);
      this.wake?.();
    });
    socket.on('close', (code) => {
      this.closeCode = code;
      this.wake?.();
    });
  }

  static connectAsync(url: string, headers: Record<string, string> = {}): Promise<TestClient> {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(url, { headers, perMessageDeflate: false });
      socket.once('open', () => resolve(new TestClient(socket)));
      socket.once('error', reject);
      socket.once('unexpected-response', (_request, response) => {
        reject(Object.assign(new Error(`handshake refused: ${response.statusCode}`), { statusCode: response.statusCode }));
      });
    });
  }

  send(message: ClientMessage, images?: ReadonlyMap<string, Uint8Array>): void {
    this.socket.send(encodeMessage(message, images));
  }

  sendRaw(frame: string | Uint8Array): void {
    this.socket.send(frame);
  }

  /** `capabilities` as the client announces them; none (an older client) by default. */
  hello(token?: string, capabilities?: string[]): void {
    this.send({ type: 'hello', protocol: PROTOCOL_VERSION, client: { name: 'test', version: '1' }, ...(token ? { token } : {}), ...(capabilities ? { capabilities } : {}) });
  }

  /** The next unread message, whatever it is. */
  async nextAsync(timeoutMs = WAIT_MS): Promise<Received> {
    return this.waitAsync(() => true, timeoutMs);
  }

  /** Skips ahead to the first unread message of `type` matching `predicate`. */
  async waitForAsync<T extends ServerMessage['type']>(
    type: T,
    predicate: (m: Of<T>) => boolean = () => true,
    timeoutMs = WAIT_MS,
  ): Promise<Received & { message: Of<T> }> {
    return (await this.waitAsync((m) => m.type === type && predicate(m as Of<T>), timeoutMs)) as Received & { message: Of<T> };
  }

  /** Every message received so far (read or not). */
  messages(): ServerMessage[] {
    return this.received.map((r) => r.message);
  }

  private async waitAsync(match: (m: ServerMessage) => boolean, timeoutMs: number): Promise<Received> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (this.invalid.length > 0) throw new Error(`the daemon sent an invalid frame: ${this.invalid[0]}`);
      while (this.cursor < this.received.length) {
        const item = this.received[this.cursor++]!;
        if (match(item.message)) return item;
      }
      if (this.closeCode !== null) throw new Error(`connection closed (${this.closeCode}) while waiting`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out; last messages: ${JSON.stringify(this.messages().slice(-3))}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = null;
    }
  }

  /** Resolves with the close code once the socket has closed. */
  closedAsync(): Promise<number> {
    if (this.closeCode !== null) return Promise.resolve(this.closeCode);
    return new Promise((resolve) => this.socket.once('close', (code) => resolve(code)));
  }

  close(): void {
    this.socket.close();
  }

  /** Drops the TCP connection without a closing handshake, as a crashed plugin would. */
  vanish(): void {
    this.socket.terminate();
  }
}
