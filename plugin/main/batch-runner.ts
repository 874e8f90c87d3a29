import type { JobOptions, MainToUi } from '../bridge/index.ts';
import { workingSideFor } from '../../client/job-options.ts';
import { readPngSize } from '../../protocol/sandbox.ts';
import { MAX_WORKING_SIDE } from '../limits.ts';
import { exportRegionOf, type ExportRegion } from './export-region.ts';
import type { HostApi, HostSceneNode } from './figma-host.ts';
import { insertResult } from './insert-result.ts';
import { PluginError } from './plugin-error.ts';
import { planExport } from './working-size.ts';
import { markWaiting, placementFor } from './placement.ts';
import { pageOf } from './style-layers.ts';
import { exportMaskAsync, maskReaches, withMaskLeftOutAsync } from './mask-export.ts';
import { whyNotMask } from './mask-layers.ts';

export interface BatchRequest {
  targets: HostSceneNode[];
  style: HostSceneNode;
  options: JobOptions;
  /** Only the part of each target under this layer is stylised (issue 31); null: whole targets. */
  mask: HostSceneNode | null;
}

/**
 * Refuses a mask that cannot serve before anything is exported or sent: one that is gone or
 * hidden, or that reaches none of the targets (a sentence saying what to do instead).
 */
function checkMask(mask: HostSceneNode | null, targets: ReadonlyArray<HostSceneNode>): void {
  if (!mask) return;
  const reason = whyNotMask(mask, targets);
  if (reason) throw new PluginError('mask-missing', `“${mask.name}” cannot be the mask: ${reason}. Choose another mask, or None.`);
  if (targets.some((t) => maskReaches(mask, t))) return;
  const what = targets.length === 1 ? `“${targets[0]!.name}”` : `any of the ${targets.length} selected layers`;
  throw new PluginError('mask-misses', `The mask “${mask.name}” does not cover ${what}, so nothing was sent. Move the shape over the part to stylise, or set Mask to None.`);
}

interface Batch {
  id: number;
  request: BatchRequest;
  stylePng: { png: Uint8Array; width: number; height: number };
  index: number;
  pendingJobId: string | null;
  /** Where the awaited job's pixels came from on the page: the result covers exactly that. */
  pendingRegion: ExportRegion | null;
  inserted: { nodeId: string; name: string }[];
  failed: { name: string; message: string }[];
  cancelled: boolean;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

interface ExportedPng {
  png: Uint8Array;
  width: number;
  height: number;
  capNote: string | null;
  region: ExportRegion;
}

/** Exports at the options' working side; "Full size" is the layer's own export size at 1×/2× (capped by planExport). */
async function exportPngAsync(node: HostSceneNode, options: JobOptions): Promise<ExportedPng> {
  if (node.removed || !node.exportAsync) throw new PluginError('export-failed', `“${node.name}” can no longer be exported (was it deleted?).`);
  const region = exportRegionOf(node);
  if (!region) throw new PluginError('export-failed', `Nothing of “${node.name}” is drawn (is it hidden?), so there is nothing to stylise.`);
  const plan = planExport(region, workingSideFor(options, region.bounds.width, region.bounds.height));
  let png: Uint8Array;
  try {
    png = await node.exportAsync(plan.settings);
  } catch (error) {
    throw new PluginError('export-failed', `Figma could not export “${node.name}” (${messageOf(error)}).`);
  }
  const size = readPngSize(png);
  if (!size) throw new PluginError('export-failed', `Figma exported “${node.name}” in a form Atelier cannot read.`);
  // Checked on the image Figma really made, before the daemon spends any time on it: the
  // result will be this size, and Figma takes no image over its limit.
  if (Math.max(size.width, size.height) > MAX_WORKING_SIDE) {
    throw new PluginError('too-large', `Figma exported “${node.name}” at ${size.width}×${size.height} px; images can be at most ${MAX_WORKING_SIDE} px on their longest side. Pick a smaller size.`);
  }
  return { png, ...size, capNote: plan.capNote, region };
}

/**
 * Runs a batch: one job per selected layer, one after the other. The main code exports the
 * pixels and inserts results; the UI talks to the daemon. A result is inserted only for the
 * job currently awaited, so a late answer after a cancel or failure never touches the file.
 */
export class BatchRunner {
  private batch: Batch | null = null;
  private nextBatchId = 1;

  constructor(
    private readonly api: HostApi,
    private readonly post: (message: MainToUi) => void,
  ) {}

  get running(): boolean {
    return this.batch !== null;
  }

  async startAsync(request: BatchRequest): Promise<void> {
    if (this.batch) throw new PluginError('busy', 'Atelier is already stylising. Wait for it to finish or cancel it first.');
    const id = this.nextBatchId++;
    // Claim the slot before the first await so a double click cannot start two batches.
    const placeholder: Batch = {
      id,
      request,
      stylePng: { png: new Uint8Array(), width: 1, height: 1 },
      index: 0,
      pendingJobId: null,
      pendingRegion: null,
      inserted: [],
      failed: [],
      cancelled: false,
    };
    this.batch = placeholder;
    try {
      checkMask(request.mask, request.targets);
      const style = await exportPngAsync(request.style, request.options);
      placeholder.stylePng = { png: style.png, width: style.width, height: style.height };
    } catch (error) {
      this.batch = null;
      throw error;
    }
    if (placeholder.cancelled) return;
    await this.advanceAsync(placeholder);
  }

  /** Inserts the result of the awaited job; returns false when the job is not awaited (ignored). */
  async acceptResultAsync(jobId: string, png: Uint8Array): Promise<boolean> {
    const batch = this.batch;
    if (!batch || batch.cancelled || batch.pendingJobId !== jobId) return false;
    batch.pendingJobId = null;
    const target = batch.request.targets[batch.index]!;
    const region = batch.pendingRegion!;
    try {
      const rect = insertResult(this.api, {
        source: target,
        region: region.bounds,
        styleNodeId: batch.request.style.id,
        styleName: batch.request.style.name,
        options: batch.request.options,
        png,
        ...(batch.request.mask ? { maskNodeId: batch.request.mask.id } : {}),
      });
      batch.inserted.push({ nodeId: rect.id, name: rect.name });
      this.post({ type: 'job-inserted', jobId, nodeId: rect.id, name: rect.name });
    } catch (error) {
      batch.failed.push({ name: target.name, message: messageOf(error) });
    }
    markWaiting(target, false);
    batch.index++;
    await this.advanceAsync(batch);
    return true;
  }

  async acceptFailureAsync(jobId: string, message: string): Promise<boolean> {
    const batch = this.batch;
    if (!batch || batch.cancelled || batch.pendingJobId !== jobId) return false;
    batch.pendingJobId = null;
    const target = batch.request.targets[batch.index]!;
    markWaiting(target, false);
    batch.failed.push({ name: target.name, message });
    batch.index++;
    await this.advanceAsync(batch);
    return true;
  }

  /** Stops the batch; whatever the daemon still sends for it is ignored. */
  cancel(): void {
    const batch = this.batch;
    if (!batch) return;
    batch.cancelled = true;
    // The awaited job is cancelled in Atelier too (the UI says so): nothing will wait for it.
    if (batch.pendingJobId !== null) markWaiting(batch.request.targets[batch.index]!, false);
    batch.pendingJobId = null;
    this.finish(batch);
  }

  private async advanceAsync(batch: Batch): Promise<void> {
    const { targets, options } = batch.request;
    while (batch.index < targets.length && !batch.cancelled) {
      const target = targets[batch.index]!;
      const mask = batch.request.mask;
      try {
        if (mask && !maskReaches(mask, target)) throw new PluginError('mask-misses', `the mask “${mask.name}” does not cover it, so it was not sent`);
        const content = await withMaskLeftOutAsync(mask, target, () => exportPngAsync(target, options));
        const maskPlacement = mask ? await exportMaskAsync(mask, target, content) : undefined;
        if (batch.cancelled || this.batch !== batch) return;
        const jobId = `job-${batch.id}-${batch.index}`;
        batch.pendingJobId = jobId;
        batch.pendingRegion = content.region;
        const placement = placementFor(this.api, target, pageOf(target)?.id ?? this.api.currentPage.id, content.region.bounds, batch.request.style, options, mask);
        // Until its result is in the file: the panel may close, the job goes on in Atelier.
        markWaiting(target, true);
        this.post({
          type: 'job',
          jobId,
          index: batch.index,
          total: targets.length,
          targetName: target.name,
          content: { png: content.png, width: content.width, height: content.height },
          style: batch.stylePng,
          options,
          capNote: content.capNote,
          placement,
          ...(maskPlacement ? { maskPlacement } : {}),
        });
        return;
      } catch (error) {
        batch.failed.push({ name: target.name, message: messageOf(error) });
        batch.index++;
      }
    }
    if (!batch.cancelled) this.finish(batch);
  }

  private finish(batch: Batch): void {
    if (this.batch !== batch) return;
    this.batch = null;
    this.post({ type: 'batch-finished', inserted: batch.inserted, failed: batch.failed, cancelled: batch.cancelled });
    if (batch.inserted.length > 0) {
      const n = batch.inserted.length;
      this.api.notify(n === 1 ? `Added “${batch.inserted[0]!.name}”` : `Added ${n} stylised layers`);
    }
  }
}
