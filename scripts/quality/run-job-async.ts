import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const JOB_SCRIPT = fileURLToPath(new URL('./stylize-job.ts', import.meta.url));

export interface JobOutcome {
  /** The engine's seconds for the job (from its result event: stages, not weights loading). */
  seconds: number;
  /** Seconds from spawn to exit: process start, weights, sessions and the job. */
  processSeconds: number;
  maxRssBytes: number;
}

/** Runs `atelier stylize` in a child process and reads its JSON lines. */
export function runJobAsync(content: string, style: string, output: string, weights: string, flags: readonly string[]): Promise<JobOutcome> {
  const args = ['--import', 'tsx', JOB_SCRIPT, content, style, '-o', output, '--weights', weights, '--json', ...flags];
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => {
      const lines = stdout
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as { type: string; seconds?: number; maxRssBytes?: number; message?: string });
      const result = lines.find((l) => l.type === 'result');
      const rss = lines.find((l) => l.type === 'rss');
      if (code !== 0 || !result || !rss) {
        const why = lines.find((l) => l.type === 'error')?.message ?? stderr.trim().split('\n').slice(-3).join(' ');
        reject(new Error(`stylize ${content} × ${style} failed (exit ${code}): ${why}`));
        return;
      }
      resolve({ seconds: result.seconds!, processSeconds: (performance.now() - started) / 1000, maxRssBytes: rss.maxRssBytes! });
    });
  });
}
