import { mkdtemp, rm } from 'node:fs/promises';
import { after, before } from 'node:test';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { createEngineAsync, writeRandomWeightsAsync, type Engine, type EngineName } from '../../daemon/engine/index.ts';
import { createMemoryLogger, startDaemonServerAsync, type DaemonServer, type StartDaemonServerOptions } from '../../daemon/server/index.ts';
import type { ImageRef, StylizeMessage } from '../../protocol/index.ts';
import { TestClient, type TestKey } from './test-client.ts';

/** A real engine on small generated weights (few channels: jobs at 32x32 take well under a second). */
export async function createTestEngineAsync(
  engineName: EngineName = 'auto',
): Promise<{ engine: Engine; cleanupAsync: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'atelier-weights-'));
  await writeRandomWeightsAsync(dir, { seed: 1 });
  const engine = await createEngineAsync({ weightsDir: dir, backend: 'cpu', engine: engineName });
  return {
    engine,
    cleanupAsync: async () => {
      engine.dispose();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** One test engine for the whole file (created before its tests, disposed after): its getter. */
export function useTestEngine(): () => Engine {
  let made: Awaited<ReturnType<typeof createTestEngineAsync>> | null = null;
  before(async () => {
    made = await createTestEngineAsync();
  });
  after(async () => {
    await made?.cleanupAsync();
  });
  return () => {
    if (!made) throw new Error('the test engine exists only inside tests');
    return made.engine;
  };
}

export interface TestDaemon {
  server: DaemonServer;
  logger: ReturnType<typeof createMemoryLogger>;
  configDir: string;
  stopAsync(): Promise<void>;
}

/** The real daemon server on an ephemeral port, with a fresh config dir. */
export async function startTestDaemonAsync(
  engine: Engine | undefined,
  options: Partial<Omit<StartDaemonServerOptions, 'engine' | 'logger' | 'configDir'>> = {},
): Promise<TestDaemon> {
  const configDir = await mkdtemp(join(tmpdir(), 'atelier-config-'));
  const logger = createMemoryLogger();
  const server = await startDaemonServerAsync({ port: 0, configDir, ...(engine ? { engine } : {}), logger, pairingAttemptIntervalMs: 0, ...options });
  return {
    server,
    logger,
    configDir,
    stopAsync: async () => {
      await server.close();
      await rm(configDir, { recursive: true, force: true });
    },
  };
}

/** Opens the pairing window, as the designer does from the tray, and returns its code. */
export function openPairingCode(server: DaemonServer): string {
  server.openPairing();
  return server.pairingCode()!;
}

/**
 * Connects, says hello and pairs (SPAKE2) with the daemon's current code; returns the client and
 * its key once the full welcome that follows `paired` has arrived.
 */
export async function pairedClientAsync(server: DaemonServer, capabilities?: string[]): Promise<{ client: TestClient; key: TestKey }> {
  const client = await TestClient.connectAsync(server.url);
  client.hello(undefined, capabilities);
  await client.waitForAsync('welcome');
  const key = await client.pairAsync(openPairingCode(server));
  if (!key) throw new Error('pairing with the daemon\'s own code failed');
  await client.waitForAsync('welcome', (m) => m.paired);
  return { client, key };
}

/** Deterministic test pictures: a gradient (content) and stripes (style). */
export async function testImageAsync(kind: 'content' | 'style', width: number, height: number, format: 'png' | 'jpeg' = 'png'): Promise<Uint8Array> {
  const data = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      if (kind === 'content') {
        data[i] = Math.round((255 * x) / width);
        data[i + 1] = Math.round((255 * y) / height);
        data[i + 2] = 128;
      } else {
        const stripe = (x + y) % 8 < 4;
        data[i] = stripe ? 230 : 20;
        data[i + 1] = stripe ? 200 : 40;
        data[i + 2] = stripe ? 30 : 160;
      }
    }
  }
  const image = sharp(data, { raw: { width, height, channels: 3 } });
  const bytes = format === 'png' ? await image.png().toBuffer() : await image.jpeg().toBuffer();
  return new Uint8Array(bytes);
}

export interface StylizeBuild {
  message: StylizeMessage;
  images: Map<string, Uint8Array>;
}

/** A small, fast stylize request: Adam (so every iteration runs), one stage, 32x32 by default. */
export async function smallStylizeAsync(
  requestId: string,
  options: StylizeMessage['options'] = {},
  side = 32,
): Promise<StylizeBuild> {
  const content = await testImageAsync('content', side, side);
  const style = await testImageAsync('style', side, side, 'jpeg');
  const ref = (id: string, mime: ImageRef['mime']): ImageRef => ({ id, mime, width: side, height: side });
  return {
    message: {
      type: 'stylize',
      requestId,
      content: [ref('c0', 'image/png')],
      styles: [{ image: ref('s0', 'image/jpeg'), weight: 1 }],
      options: { optimizer: 'adam', stages: 1, width: side, height: side, iterations: 4, progressEvery: 1, previewEvery: 2, ...options },
    },
    images: new Map([
      ['c0', content],
      ['s0', style],
    ]),
  };
}
