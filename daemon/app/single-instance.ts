import { createHash } from 'node:crypto';
import { lstat, mkdir, rm } from 'node:fs/promises';
import { createConnection, createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, isAbsolute, join } from 'node:path';
import { z } from 'zod';
import { StartError } from './start-error.ts';

/** What a running daemon tells a second start about itself. */
export const instanceInfoSchema = z.object({
  pid: z.number().int(),
  /** `starting` until the server listens (the first run may be downloading weights). */
  state: z.enum(['starting', 'ready']),
  url: z.string().nullable(),
  /** Where its log is, so the second start can point the designer at the pairing code. */
  logFile: z.string(),
  ui: z.enum(['tray', 'terminal']),
  startedAt: z.string(),
});
export type InstanceInfo = z.infer<typeof instanceInfoSchema>;

export type InstanceLock =
  | { kind: 'acquired'; endpoint: string; update(info: Partial<InstanceInfo>): void; releaseAsync(): Promise<void> }
  | { kind: 'running'; endpoint: string; info: InstanceInfo | null };

/** A Unix socket path is limited to ~104 bytes; longer cache paths use a per-user runtime folder. */
const MAX_SOCKET_PATH = 100;
/** How long a second start waits for the running one to describe itself. */
const QUERY_TIMEOUT_MS = 2000;

type Env = Readonly<Record<string, string | undefined>>;

/**
 * The lock endpoint for a cache folder: a Unix socket inside it, or a named pipe on Windows.
 * One per cache folder, which is one per user (tests get their own by pointing XDG_CACHE_HOME
 * elsewhere). When the cache path is too long for a socket, the socket goes in a folder only
 * this user can write: `$XDG_RUNTIME_DIR` (the session's own, 0700), else `<tmp>/atelier-<uid>`
 * (created 0700 and checked by `checkPrivateDirAsync`), never straight in the shared /tmp,
 * where another user could squat a predictable name and pose as the running daemon.
 */
export function instanceEndpoint(cacheDir: string, platform: NodeJS.Platform = process.platform, env: Env = process.env): string {
  const key = createHash('sha256').update(cacheDir).digest('hex').slice(0, 16);
  if (platform === 'win32') return `\\\\.\\pipe\\atelier-${key}`;
  const inCache = join(cacheDir, 'daemon.sock');
  if (Buffer.byteLength(inCache) <= MAX_SOCKET_PATH) return inCache;
  return join(runtimeDir(env), `atelier-${key}.sock`);
}

/** `$XDG_RUNTIME_DIR` when set (absolute), else a per-user folder in the temp folder. */
function runtimeDir(env: Env): string {
  const runtime = env.XDG_RUNTIME_DIR;
  if (runtime && isAbsolute(runtime)) return runtime;
  return join(env.TMPDIR || tmpdir(), `atelier-${process.getuid?.() ?? 'user'}`);
}

/**
 * The folder holding the socket must be this user's alone: owned by them, a real folder (not
 * a link someone else planted), and writable by nobody else. Created so when missing.
 */
async function checkPrivateDirAsync(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const info = await lstat(dir);
  const uid = process.getuid?.();
  const problem = !info.isDirectory()
    ? 'it is not a folder'
    : uid !== undefined && info.uid !== uid
      ? `it belongs to another user (uid ${info.uid})`
      : (info.mode & 0o022) !== 0
        ? 'others can write to it'
        : null;
  if (problem) {
    throw new StartError(
      'instance_dir_unsafe',
      `Atelier will not put its lock in ${dir}: ${problem}, so another user could pose as Atelier. Remove that folder, or set XDG_RUNTIME_DIR to a folder only you can write, and start Atelier again.`,
    );
  }
}

/**
 * One daemon per user: the first start listens on a per-user socket (the operating system
 * guarantees only one listener, and frees it when the process dies, however it dies); a
 * second start finds it taken, asks the running daemon where it is, and reports that.
 * A socket file left by a crashed daemon refuses connections and is replaced.
 */
export async function acquireSingleInstanceAsync(cacheDir: string, info: InstanceInfo, env: Env = process.env): Promise<InstanceLock> {
  const endpoint = instanceEndpoint(cacheDir, process.platform, env);
  if (process.platform !== 'win32') await checkPrivateDirAsync(dirname(endpoint));
  let current = { ...info };
  const server = createServer((socket) => {
    socket.on('error', () => socket.destroy());
    socket.end(`${JSON.stringify(current)}\n`);
  });

  for (let attempt = 0; attempt < 2; attempt++) {
    const listened = await listenAsync(server, endpoint);
    if (listened === 'ok') {
      server.unref();
      return {
        kind: 'acquired',
        endpoint,
        update(change) {
          current = { ...current, ...change };
        },
        releaseAsync: () => new Promise<void>((resolve) => server.close(() => resolve())),
      };
    }
    const running = await queryRunningAsync(endpoint);
    if (running !== 'stale') return { kind: 'running', endpoint, info: running };
    // Nobody answers: a crashed daemon's socket file. Remove it and listen again.
    if (process.platform !== 'win32') await rm(endpoint, { force: true });
  }
  return { kind: 'running', endpoint, info: null };
}

function listenAsync(server: Server, endpoint: string): Promise<'ok' | 'in-use'> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException): void => {
      server.off('listening', onListening);
      if (error.code === 'EADDRINUSE') resolve('in-use');
      else reject(error);
    };
    const onListening = (): void => {
      server.off('error', onError);
      resolve('ok');
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(endpoint);
  });
}

/** The running daemon's description; null if it answered nonsense; 'stale' if nobody answers. */
function queryRunningAsync(endpoint: string): Promise<InstanceInfo | null | 'stale'> {
  return new Promise((resolve) => {
    let text = '';
    let settled = false;
    const finish = (result: InstanceInfo | null | 'stale'): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(result);
    };
    const socket = createConnection(endpoint);
    const timer = setTimeout(() => finish(null), QUERY_TIMEOUT_MS);
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      text += chunk;
      if (text.length > 64 * 1024) finish(null);
    });
    socket.on('end', () => {
      try {
        const parsed = instanceInfoSchema.safeParse(JSON.parse(text));
        finish(parsed.success ? parsed.data : null);
      } catch {
        finish(null);
      }
    });
    socket.on('error', (error: NodeJS.ErrnoException) => {
      finish(error.code === 'ECONNREFUSED' || error.code === 'ENOENT' ? 'stale' : null);
    });
  });
}
