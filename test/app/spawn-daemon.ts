import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface SpawnedDaemon {
  child: ChildProcessWithoutNullStreams;
  /** Everything printed so far. */
  stdout(): string;
  stderr(): string;
  /** Resolves with the first match of `pattern` in stdout; rejects if the process exits first. */
  waitForAsync(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /** Resolves with the exit code. */
  exitedAsync(): Promise<number | null>;
}

/**
 * Starts the daemon exactly as `npm start` does (`node --import tsx daemon/main.ts`), with its
 * own environment: tests point XDG_CONFIG_HOME/XDG_CACHE_HOME at temporary folders and drop
 * DISPLAY so the daemon runs headless.
 */
export function spawnDaemon(args: string[], env: Record<string, string | undefined>): SpawnedDaemon {
  const cleanEnv: Record<string, string> = {};
  for (const [k, v] of Object.entries({ ...process.env, ...env })) {
    if (v !== undefined && k !== 'DISPLAY' && k !== 'WAYLAND_DISPLAY') cleanEnv[k] = v;
  }
  const child = spawn(process.execPath, ['--import', 'tsx', 'daemon/main.ts', ...args], { cwd: ROOT, env: cleanEnv });
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    exitedAsync: () => exited,
    waitForAsync(pattern, timeoutMs = 90_000) {
      return new Promise((resolve, reject) => {
        const check = (): boolean => {
          const match = pattern.exec(out);
          if (match) {
            cleanup();
            resolve(match);
          }
          return match !== null;
        };
        const onData = (): void => void check();
        const onExit = (code: number | null): void => {
          if (check()) return;
          cleanup();
          reject(new Error(`daemon exited (${code}) before printing ${pattern}.\nstdout:\n${out}\nstderr:\n${err}`));
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`daemon did not print ${pattern} in ${timeoutMs} ms.\nstdout:\n${out}\nstderr:\n${err}`));
        }, timeoutMs);
        const cleanup = (): void => {
          clearTimeout(timer);
          child.stdout.off('data', onData);
          child.off('exit', onExit);
        };
        if (check()) return;
        child.stdout.on('data', onData);
        child.on('exit', onExit);
      });
    },
  };
}
