import {
  ERROR_CODES,
  LIMITS,
  type ClientMessage,
  type ErrorCode,
  type EstimateMessage,
  type ImageRef,
  type StylizeMessage,
} from '../../protocol/index.ts';
import { defaultMemoryBudgetMB, EngineError, estimateJob, resolveOptions, type StyleOptions } from '../engine/index.ts';
import { probeImageAsync } from '../image/index.ts';
import type { JobRegion, RunnerInfo } from './job-runner.ts';
import type { PhaseHost, PhaseOf } from './phase.ts';

/**
 * A paired connection's requests: jobs through the runner (JobRunner: local or a studio's), the
 * queue's status, its kept jobs, and estimates. Bad requests are answered here and never queued.
 */

type Paired = PhaseOf<'paired'>;
type PairedRequest = Exclude<ClientMessage, { type: 'hello' | 'auth' | 'pair' | 'pair-confirm' }>;

class RequestError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/**
 * An error that says what the designer reads: ours (RequestError), or a runner's that rejected
 * with a wire code and its sentence (a team runner while Redis is unreachable: `not-ready`).
 * Anything else is a bug, answered `internal` by the session.
 */
function sayable(error: unknown): { code: ErrorCode; message: string } | null {
  if (!(error instanceof Error)) return null;
  const code: unknown = (error as { code?: unknown }).code;
  return typeof code === 'string' && (ERROR_CODES as readonly string[]).includes(code) ? { code: code as ErrorCode, message: error.message } : null;
}

/** The ids an error about `message` carries, so the client knows which request it answers. */
function idsOf(message: PairedRequest): { requestId?: string; jobId?: string } {
  if ('requestId' in message) return { requestId: message.requestId };
  if ('jobId' in message) return { jobId: message.jobId };
  return {};
}

export async function handleRequestAsync(host: PhaseHost, phase: Paired, message: PairedRequest, images: Map<string, Uint8Array>): Promise<void> {
  try {
    await requestAsync(host, phase, message, images);
  } catch (error) {
    const said = sayable(error);
    if (!said) throw error;
    host.sendError(said.code, said.message, idsOf(message));
  }
}

async function requestAsync(host: PhaseHost, phase: Paired, message: PairedRequest, images: Map<string, Uint8Array>): Promise<void> {
  const { jobs } = host.context;
  switch (message.type) {
    case 'stylize':
      return stylizeAsync(host, phase, message, images);
    case 'cancel': {
      const running = (await jobs.statusAsync(phase.keyId)).running;
      // Logged with the iteration reached, to check that a cancel takes effect within one.
      host.context.logger.log('info', 'cancel-requested', {
        connectionId: host.id,
        jobId: message.jobId,
        iteration: running?.jobId === message.jobId ? running.iteration : null,
      });
      if (!(await jobs.cancelAsync(message.jobId, phase.keyId))) {
        host.sendError('unknown-job', `There is no job "${message.jobId}" of yours to cancel; it may have finished already.`, { jobId: message.jobId });
      }
      return;
    }
    case 'get-status':
      return host.send(await jobs.statusAsync(phase.keyId));
    case 'list-jobs':
      return host.send({ type: 'jobs', document: message.document, jobs: (await jobs.listAsync(phase.keyId, message.document)).slice(-LIMITS.MAX_LISTED_JOBS) });
    case 'reattach':
      if (!(await jobs.reattachAsync(message.jobId, phase.keyId, host.listener))) {
        host.sendError('unknown-job', `There is no job "${message.jobId}" of yours to follow; it may have been placed or dropped already.`, { jobId: message.jobId });
      }
      return;
    case 'placed':
      if (!(await jobs.placedAsync(message.jobId, phase.keyId))) {
        host.sendError('unknown-job', `There is no finished job "${message.jobId}" of yours to forget.`, { jobId: message.jobId });
      }
      return;
    case 'estimate':
      return estimate(host, message);
  }
}

async function stylizeAsync(host: PhaseHost, phase: Paired, message: StylizeMessage, images: Map<string, Uint8Array>): Promise<void> {
  const { requestId } = message;
  const info = host.context.jobs.info();
  if (info === null) return host.sendError('not-ready', host.context.notReadySentence(), { requestId });
  const masks = (message.regions ?? []).map((r) => r.mask);
  await Promise.all([...message.content, ...message.styles.map((s) => s.image), ...masks].map((ref) => checkImageAsync(ref, images.get(ref.id)!)));
  // The client may have gone while its images were checked: queue nothing for it.
  if (host.isClosed) return;
  const { options, progressEvery } = jobOptions(host, message, info.convention);
  const queued = await host.context.jobs.submitAsync({
    requestId,
    owner: phase.keyId,
    clientName: phase.client.name,
    connectionId: host.id,
    placement: message.placement ?? null,
    contents: message.content.map((ref) => images.get(ref.id)!),
    styles: message.styles.map((s) => ({ bytes: images.get(s.image.id)!, weight: s.weight })),
    regions: jobRegions(message, images),
    featherPx: message.featherPx ?? null,
    options,
    progressEvery,
    listener: host.listener,
  });
  if (!queued.ok) return host.sendError(queued.code, queued.message, { requestId });
  host.context.logger.log('info', 'job-accepted', {
    connectionId: host.id,
    jobId: queued.jobId,
    requestId,
    position: queued.position,
    contents: message.content.length,
    styles: message.styles.length,
    regions: message.regions?.length ?? 0,
  });
  host.send({ type: 'accepted', requestId, jobId: queued.jobId, position: queued.position });
}

/** The request's regions by index (the protocol has checked that every id names one of its images). */
function jobRegions(message: StylizeMessage, images: Map<string, Uint8Array>): JobRegion[] {
  const styleIds = message.styles.map((s) => s.image.id);
  return (message.regions ?? []).map((region) => ({
    content: message.content.findIndex((c) => c.id === region.content),
    mask: images.get(region.mask.id)!,
    styles: (region.styles ?? styleIds).map((id) => styleIds.indexOf(id)),
  }));
}

/** JPEG sizes (and anything the protocol's quick PNG check cannot see) are checked here. */
async function checkImageAsync(ref: ImageRef, bytes: Uint8Array): Promise<void> {
  const probe = await probeImageAsync(bytes, { maxPixels: LIMITS.MAX_INPUT_PIXELS });
  if (!probe.ok) throw new RequestError('bad-image', `Image "${ref.id}" cannot be read (${probe.message}).`);
  const mime = `image/${probe.format}`;
  if (mime !== ref.mime) throw new RequestError('image-mismatch', `Image "${ref.id}" is declared as ${ref.mime} but is ${mime}.`);
  if (probe.width !== ref.width || probe.height !== ref.height) {
    throw new RequestError('image-mismatch', `Image "${ref.id}" is declared as ${ref.width}x${ref.height} but is ${probe.width}x${probe.height}.`);
  }
}

/** The engine's options for this request, checked now (in the runner's convention) so that a bad preset fails before queueing. */
function jobOptions(host: PhaseHost, message: StylizeMessage, convention: RunnerInfo['convention']): { options: Partial<StyleOptions>; progressEvery: number } {
  const limits = host.context.options;
  const options: Partial<StyleOptions> = { previewEvery: limits.previewEvery, previewMaxSide: limits.previewMaxSide, ...message.options };
  try {
    let progressEvery = 1;
    for (const content of message.content) progressEvery = resolveOptions(options, convention, content).progressEvery;
    return { options, progressEvery };
  } catch (error) {
    if (error instanceof EngineError) throw new RequestError('bad-options', error.message);
    throw error;
  }
}

/** The engine's plan for such a job under the server's budget; nothing is queued. */
function estimate(host: PhaseHost, message: EstimateMessage): void {
  const { requestId } = message;
  const info = host.context.jobs.info();
  if (info === null) return host.sendError('not-ready', host.context.notReadySentence(), { requestId });
  const options: Partial<StyleOptions> = { ...message.options };
  let resolved: StyleOptions;
  try {
    resolved = resolveOptions(options, info.convention, { width: message.width, height: message.height });
  } catch (error) {
    if (error instanceof EngineError) return host.sendError('bad-options', error.message, { requestId });
    throw error;
  }
  const budgetMB = host.context.options.memoryBudgetMB ?? defaultMemoryBudgetMB();
  host.send({ type: 'estimate-result', requestId, budgetMB, ...estimateJob(resolved, budgetMB, message.regions ?? 0) });
}
