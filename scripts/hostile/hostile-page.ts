/**
 * The hostile page of scripts/hostile-iframe.ts: runs in a sandboxed iframe (Origin "null", as
 * Figma's plugin frame) and, against ws://localhost:<port>, holds sockets past hello, guesses
 * pairing codes by SPAKE2 as fast as the daemon answers (on sockets it keeps, and one guess per
 * fresh socket, each step as late as the daemon still counts its turn), and tries to pass as a
 * paired plugin with made-up key ids. Everything it gets back is tallied in `window.learned`.
 */
import { LIMITS, PROTOCOL_VERSION, Spake2Client, bytesToHex, hexToBytes, spake2Context } from '../../protocol/index.ts';

/** Set by the attacker page in the frame's srcdoc (a srcdoc frame has no URL of its own). */
const params = new URLSearchParams((globalThis as unknown as { HOSTILE_PARAMS?: string }).HOSTILE_PARAMS ?? '');
const port = Number(params.get('port'));
const holders = Number(params.get('holders') ?? '16');
const guessers = Number(params.get('guessers') ?? '4');
const impersonators = Number(params.get('impersonators') ?? '2');
const freshGuessers = Number(params.get('fresh') ?? '0');
/** How long each fresh guesser waits before each step: under the daemon's UNPAIRED_MIN_LIFE_MS (1 s). */
const HOLD_MS = 800;
const url = `ws://localhost:${port}`;
const host = `localhost:${port}`;

interface Learned {
  opened: number;
  refusedOrFailed: number;
  messages: Record<string, number>;
  errors: Record<string, number>;
  closes: Record<string, number>;
  guesses: number;
  confirmationsMatched: number;
  pairedReceived: number;
  welcomesPaired: number;
  /** Welcomes that named the daemon's version or engine (none since issue 28: the page never pairs). */
  daemonDetails: number;
  authChallenges: number;
}
const learned: Learned = { opened: 0, refusedOrFailed: 0, messages: {}, errors: {}, closes: {}, guesses: 0, confirmationsMatched: 0, pairedReceived: 0, welcomesPaired: 0, daemonDetails: 0, authChallenges: 0 };
(globalThis as unknown as { learned: Learned }).learned = learned;
const bump = (table: Record<string, number>, key: string): void => {
  table[key] = (table[key] ?? 0) + 1;
};
const hex = (n: number): string => Array.from(crypto.getRandomValues(new Uint8Array(n)), (b) => b.toString(16).padStart(2, '0')).join('');
const hello = (auth?: { keyId: string; nonce: string }): string =>
  JSON.stringify({ type: 'hello', protocol: PROTOCOL_VERSION, client: { name: 'atelier-figma', version: '0.1.0' }, capabilities: ['daemon-state'], ...(auth ? { auth } : {}) });

function open(target: string, onOpen: (ws: WebSocket) => void, onMessage: (ws: WebSocket, message: Record<string, unknown>) => void): void {
  const ws = new WebSocket(target);
  let opened = false;
  ws.onopen = () => {
    opened = true;
    learned.opened += 1;
    onOpen(ws);
  };
  ws.onmessage = (event) => {
    if (typeof event.data !== 'string') return;
    const message = JSON.parse(event.data) as Record<string, unknown>;
    bump(learned.messages, String(message.type));
    if (message.type === 'error') bump(learned.errors, String(message.code));
    if (message.type === 'paired') learned.pairedReceived += 1;
    if (message.type === 'welcome' && message.paired === true) learned.welcomesPaired += 1;
    if (message.type === 'welcome' && (message.daemon !== undefined || (message.engine ?? null) !== null)) learned.daemonDetails += 1;
    if (message.type === 'auth-challenge') learned.authChallenges += 1;
    onMessage(ws, message);
  };
  ws.onclose = (event) => {
    if (!opened) learned.refusedOrFailed += 1;
    bump(learned.closes, String(event.code));
    // Come back at once: the point is to keep the daemon's slots full.
    setTimeout(() => open(target, onOpen, onMessage), opened ? 0 : 50);
  };
}

// 1. Hold sockets past hello and never say anything more.
for (let i = 0; i < holders; i++) open(url, (ws) => ws.send(hello()), () => undefined);

// 2. Guess codes: one SPAKE2 exchange after another on each socket.
const spakes = new WeakMap<WebSocket, Spake2Client>();
const guess = (ws: WebSocket): void => {
  const code = String(Math.floor(Math.random() * 10 ** LIMITS.PAIRING_CODE_DIGITS)).padStart(LIMITS.PAIRING_CODE_DIGITS, '0');
  const spake = new Spake2Client(code, spake2Context(PROTOCOL_VERSION, 'atelier-figma', host));
  spakes.set(ws, spake);
  learned.guesses += 1;
  ws.send(JSON.stringify({ type: 'pair', share: bytesToHex(spake.share) }));
};
for (let i = 0; i < guessers; i++) {
  open(
    url,
    (ws) => ws.send(hello()),
    (ws, message) => {
      if (message.type === 'welcome') return guess(ws);
      if (message.type === 'pair-response') {
        const done = spakes.get(ws)?.finish(hexToBytes(String(message.share)), hexToBytes(String(message.confirm)));
        if (done) {
          learned.confirmationsMatched += 1;
          ws.send(JSON.stringify({ type: 'pair-confirm', confirm: bytesToHex(done.confirm) }));
          return;
        }
        return guess(ws);
      }
      if (message.type === 'error' && message.code === 'pairing-closed') setTimeout(() => ws.readyState === 1 && guess(ws), 200);
    },
  );
}

// 2b. One guess per fresh socket, each step as late as the daemon still counts its turn, so
//     each socket keeps its slot as long as one guess allows; closed after, and reopened.
for (let i = 0; i < freshGuessers; i++) {
  open(
    url,
    (ws) => setTimeout(() => ws.readyState === 1 && ws.send(hello()), HOLD_MS),
    (ws, message) => {
      if (message.type === 'welcome') setTimeout(() => ws.readyState === 1 && guess(ws), HOLD_MS);
      if (message.type === 'pair-response') setTimeout(() => ws.close(), HOLD_MS);
    },
  );
}

// 3. Pass as a paired plugin: made-up key ids in the upgrade URL and hello, a made-up proof.
for (let i = 0; i < impersonators; i++) {
  const keyId = hex(8);
  open(
    `${url}/?k=${keyId}`,
    (ws) => ws.send(hello({ keyId, nonce: hex(32) })),
    (ws, message) => {
      if (message.type === 'auth-challenge') ws.send(JSON.stringify({ type: 'auth', proof: hex(32) }));
      if (message.type === 'welcome') setTimeout(() => ws.close(), 100);
    },
  );
}
