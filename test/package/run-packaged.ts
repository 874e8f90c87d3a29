import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { join } from 'node:path';

/**
 * The environment a designer's machine gives the packaged `atelier`: a PATH with neither node
 * nor npm (an empty folder), its own HOME and config/cache folders, no desktop.
 */
export function designerEnv(home: string, emptyBin: string): Record<string, string> {
  return {
    HOME: home,
    PATH: emptyBin,
    XDG_CONFIG_HOME: join(home, '.config'),
    XDG_CACHE_HOME: join(home, '.cache'),
    LANG: 'C.UTF-8',
  };
}

export interface CommandResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `<folder>/atelier …` to the end. */
export function runAtelier(folder: string, args: string[], env: Record<string, string>, timeoutMs = 300_000): CommandResult {
  const result = spawnSync(join(folder, 'atelier'), args, { env, encoding: 'utf8', timeout: timeoutMs });
  if (result.error) throw result.error;
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

export interface RunningAtelier {
  child: ChildProcessWithoutNullStreams;
  stdout(): string;
  /** The first match of `pattern` in stdout; rejects when the process exits or the time is up first. */
  waitForAsync(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /** Sends SIGTERM and resolves with the exit code. */
  stopAsync(): Promise<number | null>;
}

/** Starts `<folder>/atelier start …` and reads its terminal output. */
export function startAtelier(folder: string, args: string[], env: Record<string, string>): RunningAtelier {
  const child = spawn(join(folder, 'atelier'), ['start', ...args], { env });
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  let done = false;
  void exited.then(() => (done = true));
  return {
    child,
    stdout: () => out,
    async waitForAsync(pattern, timeoutMs = 120_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const match = pattern.exec(out);
        if (match) return match;
        if (done) throw new Error(`atelier start exited before printing ${pattern}.\nstdout:\n${out}\nstderr:\n${err}`);
        if (Date.now() > deadline) throw new Error(`atelier start did not print ${pattern} in ${timeoutMs} ms.\nstdout:\n${out}\nstderr:\n${err}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
    async stopAsync() {
      if (!done) child.kill('SIGTERM');
      return exited;
    },
  };
}
