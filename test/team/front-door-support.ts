import { execFileSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { StatusMessage } from '../../protocol/index.ts';
import type { JobListener, JobRunner, JobSpec, RunnerInfo, SubmitResult } from '../../daemon/server/index.ts';

/**
 * A JobRunner that computes nothing, for the front door's pairing and revoke tests (jobs and
 * their faults run on the real BullMQ runner in front-door-faults.test.ts). As strict as the
 * seam (daemon/server/job-runner.ts): refusals carry code and sentence, a job belongs to its
 * owner (another owner's cancel/reattach is false), a revoke drops the owner's jobs.
 */
export class IdleRunner implements JobRunner {
  readonly revoked: string[] = [];
  private readonly jobs = new Map<string, { owner: string; listener: JobListener }>();
  private counter = 0;
  constructor(private readonly workerInfo: RunnerInfo | null = { engine: 'onnx', backend: 'cpu', device: 'test', convention: 'caffe' }) {}
  info(): RunnerInfo | null {
    return this.workerInfo;
  }
  async submitAsync(spec: JobSpec): Promise<SubmitResult> {
    if (!this.workerInfo) return { ok: false, code: 'not-ready', message: 'No GPU worker is running.' };
    const jobId = `job-${++this.counter}`;
    this.jobs.set(jobId, { owner: spec.owner, listener: spec.listener });
    return { ok: true, jobId, position: this.jobs.size };
  }
  async cancelAsync(jobId: string, owner: string): Promise<boolean> {
    const job = this.jobs.get(jobId);
    if (!job || job.owner !== owner) return false;
    this.jobs.delete(jobId);
    return true;
  }
  connectionClosed(): number {
    return 0;
  }
  async listAsync(): Promise<[]> {
    return [];
  }
  async reattachAsync(jobId: string, owner: string): Promise<boolean> {
    return this.jobs.get(jobId)?.owner === owner;
  }
  async placedAsync(): Promise<boolean> {
    return false;
  }
  async statusAsync(): Promise<StatusMessage> {
    return { type: 'status', running: null, queued: [], maxQueuedJobs: 0 };
  }
  async revokeOwnerAsync(owner: string): Promise<void> {
    this.revoked.push(owner);
    for (const [id, job] of this.jobs) if (job.owner === owner) this.jobs.delete(id);
  }
  jobsOf(owner: string): number {
    return [...this.jobs.values()].filter((j) => j.owner === owner).length;
  }
  async closeAsync(): Promise<void> {}
}

/** A self-signed certificate for localhost and 127.0.0.1 (openssl, as an admin would make one), in `dir`. */
export async function selfSignedAsync(dir: string): Promise<{ certFile: string; keyFile: string; cert: Buffer; key: Buffer }> {
  const certFile = join(dir, 'cert.pem');
  const keyFile = join(dir, 'key.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', keyFile, '-out', certFile, '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1'], { stdio: 'ignore' });
  return { certFile, keyFile, cert: await readFile(certFile), key: await readFile(keyFile) };
}

export function opensslMissing(): string | null {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return null;
  } catch {
    return 'openssl is not installed: the TLS tests make their self-signed certificate with it';
  }
}
