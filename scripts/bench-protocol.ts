/**
 * Round-trip overhead of the daemon's protocol for one image (default 512x512):
 *   - request -> first progress: from the client sending `stylize` to it receiving the first
 *     `progress`, split into the engine's own work and the rest (framing, checks, decoding,
 *     queueing, sending);
 *   - last iteration -> result: from the engine yielding its last iteration to the client
 *     holding the result PNG, split into the engine's finishing work and the rest (PNG
 *     encoding, sending, parsing).
 * The client runs in this process against the real server on an ephemeral port.
 *
 *   node --import tsx scripts/bench-protocol.ts [--size 512] [--iterations 3] [--runs 3]
 *        [--weights DIR] [--backend cpu|wasm|tensorflow|auto] [--preview-every 0]
 *
 * Without --weights it generates small random VGG-19-shaped weights (so the engine is fast
 * and the protocol's share is easy to see); with real weights the engine parts grow, the
 * protocol parts should not.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import WebSocket from 'ws';
import { BACKEND_NAMES, createEngineAsync, writeRandomWeightsAsync, type BackendName, type Engine, type StylizeEvent } from '../daemon/engine/index.ts';
import { createMemoryLogger, startDaemonServerAsync } from '../daemon/server/index.ts';
import { PROTOCOL_VERSION, Spake2Client, bytesToHex, encodeMessage, hexToBytes, parseServerFrame, spake2Context, type ClientMessage, type ServerMessage } from '../protocol/index.ts';

const { values } = parseArgs({
  options: {
    size: { type: 'string', default: '512' },
    iterations: { type: 'string', default: '3' },
    runs: { type: 'string', default: '3' },
    weights: { type: 'string' },
    backend: { type: 'string', default: 'cpu' },
    'preview-every': { type: 'string', default: '0' },
  },
});
const size = Number(values.size);
const iterations = Number(values.iterations);
const runs = Number(values.runs);
const previewEvery = Number(values['preview-every']);
const backend = values.backend as BackendName;
if (!BACKEND_NAMES.includes(backend)) throw new Error(`--backend must be one of ${BACKEND_NAMES.join(', ')}`);

/** Wraps the engine to note when it yields each event (same process, same clock as the client). */
function timedEngine(engine: Engine, marks: Array<{ type: StylizeEvent['type']; at: number; iteration?: number }>): Pick<Engine, 'info' | 'stylize'> {
  return {
    info: engine.info,
    async *stylize(request) {
      marks.push({ type: 'start', at: performance.now(), iteration: -1 });
      for await (const event of engine.stylize(request)) {
        marks.push({ type: event.type, at: performance.now(), ...(event.type === 'progress' ? { iteration: event.iteration } : {}) });
        yield event;
      }
    },
  };
}

async function imageAsync(kind: 'content' | 'style', format: 'png' | 'jpeg'): Promise<Uint8Array> {
  const data = Buffer.alloc(size * size * 3);
  for (let i = 0; i < size * size; i++) {
    const x = i % size;
    const y = Math.floor(i / size);
    data[i * 3] = kind === 'content' ? (x * 255) / size : (x + y) % 16 < 8 ? 230 : 20;
    data[i * 3 + 1] = kind === 'content' ? (y * 255) / size : 60;
    data[i * 3 + 2] = kind === 'content' ? 128 : (x * y) % 255;
  }
  const image = sharp(data, { raw: { width: size, height: size, channels: 3 } });
  return new Uint8Array(format === 'png' ? await image.png().toBuffer() : await image.jpeg({ quality: 90 }).toBuffer());
}

function connectAsync(url: string): Promise<{ socket: WebSocket; next: () => Promise<{ message: ServerMessage; at: number }> }> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, { perMessageDeflate: false });
    const inbox: Array<{ message: ServerMessage; at: number }> = [];
    let wake: (() => void) | null = null;
    socket.on('message', (data: Buffer, isBinary: boolean) => {
      const parsed = parseServerFrame(isBinary ? new Uint8Array(data) : data.toString('utf8'));
      if (!parsed.ok) throw new Error(`invalid daemon frame: ${parsed.message}`);
      inbox.push({ message: parsed.value.message, at: performance.now() });
      wake?.();
    });
    const next = async (): Promise<{ message: ServerMessage; at: number }> => {
      while (inbox.length === 0) await new Promise<void>((r) => (wake = r));
      return inbox.shift()!;
    };
    socket.once('open', () => resolve({ socket, next }));
    socket.once('error', reject);
  });
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const ms = (x: number): string => `${x.toFixed(1)} ms`;

const work = await mkdtemp(join(tmpdir(), 'atelier-bench-'));
try {
  let weightsDir = values.weights;
  if (!weightsDir) {
    weightsDir = join(work, 'weights');
    await writeRandomWeightsAsync(weightsDir, { seed: 1 });
  }
  const engine = await createEngineAsync({ weightsDir, backend });
  const marks: Array<{ type: StylizeEvent['type']; at: number; iteration?: number }> = [];
  const server = await startDaemonServerAsync({ port: 0, configDir: join(work, 'config'), engine: timedEngine(engine, marks), logger: createMemoryLogger() });
  const { socket, next } = await connectAsync(server.url);
  const send = (m: ClientMessage, images?: Map<string, Uint8Array>): void => socket.send(encodeMessage(m, images));
  send({ type: 'hello', protocol: PROTOCOL_VERSION, client: { name: 'bench', version: '1' } });
  await next();
  // SPAKE2 on the code, as the plugin pairs (protocol/spake2.ts).
  const spake = new Spake2Client(server.pairingCode()!, spake2Context(PROTOCOL_VERSION, 'bench', new URL(server.url).host));
  send({ type: 'pair', share: bytesToHex(spake.share) });
  const response = (await next()).message;
  if (response.type !== 'pair-response') throw new Error(`pairing refused: ${JSON.stringify(response)}`);
  const done = spake.finish(hexToBytes(response.share), hexToBytes(response.confirm));
  if (!done) throw new Error('pairing failed');
  send({ type: 'pair-confirm', confirm: bytesToHex(done.confirm) });
  await next();

  const content = await imageAsync('content', 'png');
  const style = await imageAsync('style', 'jpeg');
  console.log(`engine ${engine.info.backend} (${engine.info.device}), weights ${engine.info.weightsSource}`);
  console.log(`${size}x${size}: content PNG ${content.length} B, style JPEG ${style.length} B, ${iterations} iterations, previewEvery ${previewEvery}`);

  const rows: Array<Record<string, number>> = [];
  for (let run = 0; run <= runs; run++) {
    marks.length = 0;
    const requestId = `bench-${run}`;
    const sentAt = performance.now();
    send(
      {
        type: 'stylize',
        requestId,
        content: [{ id: 'c', mime: 'image/png', width: size, height: size }],
        styles: [{ image: { id: 's', mime: 'image/jpeg', width: size, height: size }, weight: 1 }],
        options: { width: size, height: size, stages: 1, iterations, optimizer: 'adam', progressEvery: 1, previewEvery },
      },
      new Map([['c', content], ['s', style]]),
    );
    let firstProgressAt = 0;
    let lastProgressAt = 0;
    let resultAt = 0;
    let encodeSeconds = 0;
    for (;;) {
      const { message, at } = await next();
      if (message.type === 'progress') {
        if (!firstProgressAt) firstProgressAt = at;
        lastProgressAt = at;
      } else if (message.type === 'result') {
        resultAt = at;
        encodeSeconds = message.timings.encodeSeconds;
      } else if (message.type === 'completed') break;
      else if (message.type === 'error') throw new Error(`${message.code}: ${message.message}`);
    }
    const engineStart = marks.find((m) => m.type === 'start')!.at;
    const engineFirst = marks.find((m) => m.type === 'progress')!.at;
    const engineLast = marks.filter((m) => m.type === 'progress').at(-1)!.at;
    const engineResult = marks.find((m) => m.type === 'result')!.at;
    rows.push({
      requestToFirstProgress: firstProgressAt - sentAt,
      beforeEngine: engineStart - sentAt,
      engineToFirstProgress: engineFirst - engineStart,
      firstProgressDelivery: firstProgressAt - engineFirst,
      lastIterationToResult: resultAt - engineLast,
      engineFinishing: engineResult - engineLast,
      resultDelivery: resultAt - engineResult,
      resultPngEncode: encodeSeconds * 1000,
      lastProgressToResult: resultAt - lastProgressAt,
    });
  }
  // Run 0 warms up the kernels and is left out.
  const measured = rows.slice(1);
  console.log(`median of ${measured.length} runs (a warm-up run left out):`);
  const col = (k: string): number => median(measured.map((r) => r[k]!));
  console.log(`request -> first progress        ${ms(col('requestToFirstProgress'))}`);
  console.log(`  before the engine starts       ${ms(col('beforeEngine'))}   (client framing, ws, parse, probe, queue, decode)`);
  console.log(`  engine: setup + iteration 1    ${ms(col('engineToFirstProgress'))}`);
  console.log(`  progress delivery              ${ms(col('firstProgressDelivery'))}`);
  console.log(`  protocol overhead              ${ms(col('beforeEngine') + col('firstProgressDelivery'))}`);
  console.log(`engine's last iteration -> result at client  ${ms(col('lastIterationToResult'))}`);
  console.log(`  engine: final image to pixels  ${ms(col('engineFinishing'))}`);
  console.log(`  result delivery                ${ms(col('resultDelivery'))}   (of which PNG encode ${ms(col('resultPngEncode'))})`);
  console.log(`  protocol overhead              ${ms(col('resultDelivery'))}`);
  socket.close();
  await server.close();
  engine.dispose();
} finally {
  await rm(work, { recursive: true, force: true });
}
