import WebSocket from 'ws';
import { randomBytes } from 'node:crypto';
import {
  AUTH_NONCE_BYTES,
  PROTOCOL_VERSION,
  Spake2Client,
  bytesToHex,
  encodeMessage,
  equalBytes,
  hexToBytes,
  keyProof,
  parseServerFrame,
  spake2Context,
  type ProofContext,
  type ClientMessage,
  type ServerMessage,
} from '../../protocol/index.ts';

/** A paired client's key, as a plugin keeps it (client/key-store.ts). */
export interface TestKey {
  keyId: string;
  key: string;
}

/** The daemon answered a pairing step with an error. */
export class PairingRefused extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(`${code}: ${message}`);
  }
}

/** The client name TestClient says hello with (bound into SPAKE2 and the proofs). */
export const TEST_CLIENT_NAME = 'test';

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

  private constructor(
    readonly socket: WebSocket,
    /** The Host header the upgrade sent (bound into key proofs). */
    readonly host: string,
  ) {
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
      socket.once('open', () => resolve(new TestClient(socket, headers.host ?? headers.Host ?? new URL(url).host)));
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

  /**
   * `capabilities` as the client announces them; none (an older client) by default. With a
   * key, names it and returns the nonce sent (answer the challenge with `answerChallengeAsync`).
   */
  hello(key?: TestKey, capabilities?: string[]): Uint8Array {
    const nonce = new Uint8Array(randomBytes(AUTH_NONCE_BYTES));
    this.send({
      type: 'hello',
      protocol: PROTOCOL_VERSION,
      client: { name: TEST_CLIENT_NAME, version: '1' },
      ...(key ? { auth: { keyId: key.keyId, nonce: bytesToHex(nonce) } } : {}),
      ...(capabilities ? { capabilities } : {}),
    });
    return nonce;
  }

  /** The proof context of this connection for `key`, as both sides compute it. */
  proofContext(key: TestKey, clientNonce: Uint8Array, daemonNonce: Uint8Array): ProofContext {
    return { protocol: PROTOCOL_VERSION, keyId: key.keyId, host: this.host, clientName: TEST_CLIENT_NAME, clientNonce, daemonNonce };
  }

  /**
   * Waits for the daemon's auth-challenge, checks its proof as the plugin does (throws when it
   * is wrong), and answers with ours. Resolves once sent (the welcome follows).
   */
  async answerChallengeAsync(key: TestKey, clientNonce: Uint8Array): Promise<void> {
    const { message } = await this.waitForAsync('auth-challenge');
    const context = this.proofContext(key, clientNonce, hexToBytes(message.nonce));
    const secret = hexToBytes(key.key);
    if (!equalBytes(keyProof(secret, 'daemon', context), hexToBytes(message.proof))) throw new Error('the daemon\'s proof is wrong');
    this.send({ type: 'auth', proof: bytesToHex(keyProof(secret, 'plugin', context)) });
  }

  /** hello with `key`, the challenge–response, and the welcome. */
  async authenticateAsync(key: TestKey, capabilities?: string[]): Promise<Received & { message: Of<'welcome'> }> {
    const nonce = this.hello(key, capabilities);
    await this.answerChallengeAsync(key, nonce);
    return this.waitForAsync('welcome');
  }

  /**
   * One SPAKE2 exchange on `code`, as the plugin runs it: null when the daemon's confirmation
   * does not match (nothing more is sent), else the key once the daemon says `paired`. `invite`:
   * a team server's invite digits (`pair.invite`).
   */
  async pairAsync(code: string, invite?: string): Promise<TestKey | null> {
    const spake = new Spake2Client(code, spake2Context(PROTOCOL_VERSION, TEST_CLIENT_NAME, this.host));
    this.send({ type: 'pair', share: bytesToHex(spake.share), ...(invite !== undefined ? { invite } : {}) });
    const response = await this.replyAsync('pair-response');
    const done = spake.finish(hexToBytes(response.share), hexToBytes(response.confirm));
    if (!done) return null;
    this.send({ type: 'pair-confirm', confirm: bytesToHex(done.confirm) });
    const paired = await this.replyAsync('paired');
    return { keyId: paired.keyId, key: bytesToHex(done.key) };
  }

  /** The next `type` message, or throws `PairingRefused` when an error comes first. */
  private async replyAsync<T extends 'pair-response' | 'paired'>(type: T): Promise<Of<T>> {
    const { message } = await this.waitAsync((m) => m.type === type || m.type === 'error', WAIT_MS);
    if (message.type === 'error') throw new PairingRefused(message.code, message.message);
    return message as Of<T>;
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
