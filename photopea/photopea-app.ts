import type { WelcomeMessage } from '../protocol/index.ts';
import { welcomeAfter, type ConnectionState } from '../client/connection-state.ts';
import { renderConnectionPanels, wireConnectionPanels } from '../client/connection-view.ts';
import { DaemonClient, type JobMessage } from '../client/daemon-client.ts';
import type { KeyStore, StorageLike } from '../client/key-store.ts';
import { byId, pngUrl, releasePng } from '../client/dom.ts';
import { trackJobStep } from '../client/job-progress.ts';
import { DEFAULT_JOB_OPTIONS, jobOptionsSchema, workingSideFor, type JobOptions } from '../client/job-options.ts';
import type { SocketLike } from '../client/socket-like.ts';
import { buildStylizeRequest, colorsApply, regionsApply, strengthApplies } from '../client/style-request.ts';
import { EstimateTracker } from '../client/estimate.ts';
import { dataUrlAsync, fitWithin, pngBlob, resizeToPngAsync, rgbaAtSizeAsync, rgbaPngAsync, type Png } from './images.ts';
import { MAX_CLIENT_SIDE, MAX_DROPPED_FILE_BYTES, MAX_EDGE_SOFTNESS_PX, MAX_LISTED_LAYERS, OPTIONS_KEY, QUALITY_PRESETS, STYLE_MAX_SIDE, type QualityName } from './limits.ts';
import { PhotopeaError, type PhotopeaBridge } from './photopea-bridge.ts';
import { readReply, summarySchema } from './replies.ts';
import { describeDocumentScript, type DocumentSummary, type LayerRef, type MaskSource } from './scripts.ts';
import { LatestRead } from './latest-read.ts';
import { exportLayerAsync, exportMaskAsync, placeResultAsync } from './steps.ts';
import { featherForResult, keepOriginalOutside, keepPastPx, maskFromAlpha } from '../client/mask-pixels.ts';
import { WaitingJobs, type WaitingJob } from '../client/waiting-jobs.ts';
import { renderWaitingJobs, wireWaitingJobs } from '../client/waiting-view.ts';
import { documentKey, placementOf, readPhotopeaPlacement, resultLayerName } from './placement.ts';
import { renderServerSetting, wireServerSetting } from '../client/server-setting-view.ts';
import { connectHint, type ServerTarget } from '../client/team-server.ts';
import { panelPageUrl } from './panel-server.ts';

type Style = { kind: 'layer'; layer: LayerRef } | { kind: 'file'; name: string; image: Png };

/** The panel's Mask choice (issue 31): none, Photopea's selection, or a layer's transparency (once picked). */
type MaskChoice = { kind: 'none' } | { kind: 'selection' } | { kind: 'layer'; layer: LayerRef | null };

/** What a masked run keeps to put the original back outside the region at the layer's size. */
interface MaskedRun {
  /** The layer's own pixels and the region, both exported at the layer's size (PNG). */
  original: ArrayBuffer;
  region: ArrayBuffer;
  /** The feather the daemon was asked for (result pixels) and the sizes it relates. */
  featherResultPx: number;
  workingSide: number;
}

interface ActiveJob {
  requestId: string;
  daemonJobId: string | null;
  cancelRequested: boolean;
  document: string;
  source: LayerRef;
  styleName: string;
  masked: MaskedRun | null;
}

type Outcome = { kind: 'added'; name: string } | { kind: 'cancelled' } | { kind: 'failed'; message: string };

export interface PhotopeaAppOptions {
  photopea: PhotopeaBridge;
  createSocket(url: string): SocketLike;
  /** The WebSocket of the server that served this page (panel-server.ts). */
  daemonUrl: string;
  /** Which server that is: the app on this computer or a team server (its sentences differ). */
  target: ServerTarget;
  /** Loads another page in the panel's frame: another server's panel (the Team server setting). */
  navigate(url: string): void;
  /** The panel's options (localStorage). */
  storage: StorageLike;
  /** Where the pairing key lives (entry.ts: non-extractable keys in IndexedDB). */
  keyStore: KeyStore;
  clientVersion: string;
}

/**
 * The Photopea panel: connection and pairing (shared with Figma through client/), the active
 * layer as the source, a style from another layer or a dropped image, the options, and a run:
 * export → daemon → a new layer above the source. Photopea is only ever talked to through
 * the bridge, one script at a time.
 */
export class PhotopeaApp {
  private connection: ConnectionState = { kind: 'connecting', reconnecting: false };
  private welcome: WelcomeMessage | null = null;
  private client: DaemonClient | null = null;
  private summary: DocumentSummary | null = null;
  private photopeaProblem: string | null = null;
  private style: Style | null = null;
  private mask: MaskChoice = { kind: 'none' };
  private options: JobOptions;
  private phase: 'idle' | 'exporting' | 'running' | 'placing' = 'idle';
  private active: ActiveJob | null = null;
  private progress = { fraction: 0, detail: '', preview: null as Uint8Array | null };
  private outcome: Outcome | null = null;
  private counter = 0;
  /** The daemon's estimate for the active layer with the current options (client/estimate.ts). */
  private readonly estimate = new EstimateTracker('pp-est-');
  /** Document reads: one in flight at most, the latest ask wins (latest-read.ts). */
  private readonly reads = new LatestRead(() => this.readSummaryAsync());
  /** The active document's jobs that ran on while the panel was closed (issue 32). */
  private readonly waiting = new WaitingJobs({
    client: () => this.client,
    place: (job) => void this.placeWaitingAsync(job),
    dismiss: () => undefined,
    changed: () => this.render(),
  });

  constructor(private readonly deps: PhotopeaAppOptions) {
    const saved = this.readStored(OPTIONS_KEY);
    const parsed = saved === null ? null : jobOptionsSchema.safeParse(saved);
    this.options = parsed?.success ? parsed.data : DEFAULT_JOB_OPTIONS;
    this.wire();
  }

  start(): void {
    this.client = new DaemonClient({
      url: this.deps.daemonUrl,
      keyStore: this.deps.keyStore,
      clientName: 'atelier-photopea',
      team: this.deps.target.kind === 'team',
      clientVersion: this.deps.clientVersion,
      createSocket: this.deps.createSocket,
      onState: (state) => {
        const wasReady = this.connection.kind === 'ready';
        this.connection = state;
        // Each new connection asks again: jobs may have finished (or the daemon restarted) meanwhile.
        if (state.kind === 'ready' && !wasReady) this.waiting.refresh();
        this.welcome = welcomeAfter(state, this.welcome);
        this.render();
      },
      onJobMessage: (message, images) => {
        this.handleJobMessage(message, images);
        this.render();
      },
      onConnectionLost: () => {
        if (this.active && this.phase === 'running') {
          const goesOn = this.client?.keepsJobs && this.active.daemonJobId;
          // A daemon that keeps jobs runs it on: the panel lists it (From earlier) when it reconnects.
          this.finish({ kind: 'failed', message: goesOn ? 'The connection to Atelier was lost; the job goes on there and is added when the panel reconnects.' : 'The connection to Atelier was lost, so nothing was added. Apply again once it is back.' });
        }
      },
      onProtocolError: (text) => console.warn('Atelier panel: daemon message ignored:', text),
    });
    this.client.start();
    void this.refreshAsync();
    this.render();
  }

  // ---- Photopea ----

  /** Reads the active document again (Photopea tells plugins nothing about selection changes). */
  async refreshAsync(): Promise<void> {
    if (this.phase !== 'idle') return;
    await this.reads.request();
  }

  private async readSummaryAsync(): Promise<void> {
    try {
      this.summary = readReply(await this.deps.photopea.run(describeDocumentScript(MAX_LISTED_LAYERS)), summarySchema);
      this.photopeaProblem = null;
      const key = documentKey(this.summary.document);
      if (key !== this.waiting.document) {
        this.waiting.document = key;
        this.waiting.refresh();
      }
      const style = this.style;
      // A style layer keeps its place in the choice when layers above it come and go (found
      // by its name when that is unique); one that is gone or renamed is dropped.
      if (style?.kind === 'layer' && !this.summary.layers.some((l) => sameLayer(l, style.layer))) {
        const named = this.summary.layers.filter((l) => l.name === style.layer.name);
        this.style = named.length === 1 ? { kind: 'layer', layer: named[0]! } : null;
      }
      const mask = this.mask;
      if (mask.kind === 'layer' && mask.layer && !this.summary.layers.some((l) => sameLayer(l, mask.layer!))) {
        const named = this.summary.layers.filter((l) => l.name === mask.layer!.name);
        this.mask = { kind: 'layer', layer: named.length === 1 ? named[0]! : null };
      }
    } catch (error) {
      this.summary = null;
      this.photopeaProblem = error instanceof PhotopeaError ? error.message : String(error);
    }
    this.render();
  }

  private exportAsync(document: string, layer: LayerRef): Promise<ArrayBuffer> {
    return exportLayerAsync(this.deps.photopea, document, layer);
  }

  // ---- a run ----

  private canApply(): boolean {
    return this.phase === 'idle' && this.connection.kind === 'ready' && !!this.summary?.active && this.style !== null && !this.isStyleTheSource() && this.maskBlocks() === null && this.estimate.blocksApply() === null;
  }

  /** Why the chosen mask cannot be sent, or null. A daemon without `regions` would paint the whole layer. */
  private maskBlocks(): string | null {
    if (this.mask.kind === 'none') return null;
    if (this.welcome && !regionsApply(this.welcome)) return 'This Atelier cannot keep part of a layer unstyled: update Atelier on the computer that runs it, or set Mask to None.';
    if (this.mask.kind === 'layer' && !this.mask.layer) return 'Choose the layer whose transparency is the mask, or set Mask to None.';
    return null;
  }

  /** The chosen mask as the export script takes it, or null for the whole layer. */
  private maskSource(): MaskSource | null {
    const mask = this.mask;
    if (mask.kind === 'selection') return { kind: 'selection' };
    if (mask.kind === 'layer' && mask.layer) return { kind: 'layer', layer: mask.layer };
    return null;
  }

  /** Asks the daemon, once per size and options, what the active layer's job would take. */
  private refreshEstimate(): void {
    const box = this.summary?.active?.box;
    if (this.phase !== 'idle') return;
    if (!box || this.connection.kind !== 'ready') {
      this.estimate.clear();
      return;
    }
    // The size the job will send: the layer's box, only ever scaled down (fitWithin).
    const [w, h] = [Math.max(1, box[2] - box[0]), Math.max(1, box[3] - box[1])];
    const working = Math.min(workingSideFor(this.options, w, h), MAX_CLIENT_SIDE);
    const size = fitWithin(working)(w, h);
    this.estimate.request(size.width, size.height, this.options, this.welcome, this.client, this.mask.kind === 'none' ? 0 : 1);
  }

  private isStyleTheSource(): boolean {
    const active = this.summary?.active;
    return !!active && this.style?.kind === 'layer' && sameLayer(this.style.layer, active);
  }

  private async applyAsync(): Promise<void> {
    if (!this.canApply()) return;
    this.phase = 'exporting';
    this.outcome = null;
    this.setPreview(null);
    this.progress = { fraction: 0, detail: 'Exporting the layer from Photopea…', preview: null };
    this.render();
    try {
      // The active layer now, not when the panel last looked (after any read in flight).
      await this.reads.request();
      const summary = this.summary;
      const source = summary?.active;
      const style = this.style;
      if (!summary || !source || !style || this.isStyleTheSource()) {
        this.phase = 'idle';
        this.render();
        return;
      }
      const styleName = style.kind === 'layer' ? style.layer.name : style.name;
      const requestId = `pp-${Date.now().toString(36)}-${++this.counter}`;
      this.active = { requestId, daemonJobId: null, cancelRequested: false, document: summary.document, source, styleName, masked: null };
      this.render();
      const [layerWidth, layerHeight] = [source.box[2] - source.box[0], source.box[3] - source.box[1]];
      // "Full size": the layer's own pixel size (its box), capped like every working size.
      const working = Math.min(workingSideFor(this.options, layerWidth, layerHeight), MAX_CLIENT_SIDE);
      // The region first: a missing selection is told before anything else is exported.
      const maskSource = this.maskSource();
      const region = maskSource ? await exportMaskAsync(this.deps.photopea, summary.document, source, maskSource) : null;
      const original = await this.exportAsync(summary.document, source);
      const content = await resizeToPngAsync(pngBlob(original), fitWithin(working));
      let mask: Png | undefined;
      let options = this.options;
      if (region) {
        const { mask: pixels, covered } = maskFromAlpha(await rgbaAtSizeAsync(pngBlob(region), content.width, content.height));
        if (!covered) throw new PhotopeaError('empty-mask', maskSource?.kind === 'selection' ? `The selection covers none of “${source.name}”’s pixels. Select part of the layer, or set Mask to None.` : 'The mask layer is transparent over the layer being stylised. Choose a layer that covers part of it, or set Mask to None.');
        mask = await rgbaPngAsync(pixels);
        // Edge softness is set in the layer's pixels; the daemon feathers in the result's.
        const [layerSide, workingSide] = [Math.max(layerWidth, layerHeight), Math.max(content.width, content.height)];
        options = { ...options, edgeSoftness: featherForResult(options.edgeSoftness, layerSide, workingSide) };
        this.active.masked = { original, region, featherResultPx: options.edgeSoftness, workingSide };
      }
      const styleImage =
        style.kind === 'file' ? style.image : await resizeToPngAsync(pngBlob(await this.exportAsync(summary.document, style.layer)), fitWithin(STYLE_MAX_SIDE));
      if (this.active?.cancelRequested) {
        this.finish({ kind: 'cancelled' });
        return;
      }
      this.phase = 'running';
      this.progress.detail = 'Sending to Atelier…';
      const placement = placementOf(summary.document, source, styleName);
      const request = buildStylizeRequest({ jobId: requestId, content, style: styleImage, options, placement, ...(mask ? { mask } : {}) }, this.welcome);
      if (!this.client?.stylize(request.message, request.images)) {
        this.finish({ kind: 'failed', message: 'Atelier is not connected, so nothing was added. Reconnect and apply again.' });
      }
    } catch (error) {
      this.finish({ kind: 'failed', message: error instanceof PhotopeaError ? error.message : `Exporting from Photopea failed (${String(error)}).` });
    }
    this.render();
  }

  private handleJobMessage(message: JobMessage, images: Map<string, Uint8Array>): void {
    if (this.estimate.take(message)) return;
    if (message.type === 'jobs') {
      this.waiting.takeList(message, (jobId) => jobId === this.active?.daemonJobId);
      return;
    }
    if (this.waiting.take(message, images)) return;
    const active = this.active;
    if (!active || this.phase !== 'running') return;
    const mine = ('requestId' in message && message.requestId === active.requestId) || ('jobId' in message && message.jobId !== undefined && message.jobId === active.daemonJobId);
    if (!mine) return;
    const step = trackJobStep(message, images, active, (jobId) => this.client?.cancel(jobId));
    if (step) {
      this.progress.detail = step.detail;
      if (step.fraction !== undefined) this.progress.fraction = step.fraction;
      if (step.preview) this.setPreview(step.preview.slice());
      return;
    }
    switch (message.type) {
      case 'result': {
        const png = images.get(message.image.id);
        if (png) void this.placeAsync(active, png.slice());
        return;
      }
      case 'cancelled':
        this.finish(active.cancelRequested ? { kind: 'cancelled' } : { kind: 'failed', message: 'Atelier cancelled the run, so nothing was added.' });
        return;
      case 'error':
        this.finish({ kind: 'failed', message: message.message });
        return;
      default:
        return;
    }
  }

  /** The result, scaled back to the source's size, becomes a layer directly above the source. */
  private async placeAsync(active: ActiveJob, png: Uint8Array): Promise<void> {
    this.phase = 'placing';
    this.progress = { ...this.progress, fraction: 1, detail: 'Adding the layer in Photopea…' };
    this.setPreview(png);
    this.render();
    try {
      const [left, top, right, bottom] = active.source.box;
      const sized = active.masked ? await this.keepOriginalAsync(png, active.masked, right - left, bottom - top) : await resizeToPngAsync(pngBlob(png), () => ({ width: right - left, height: bottom - top }));
      const done = await placeResultAsync(this.deps.photopea, active.document, active.source, await dataUrlAsync(sized.png), resultLayerName(active.source, active.styleName));
      // In the document now: the daemon may forget it (else the next panel would add it again).
      if (active.daemonJobId) this.client?.placed(active.daemonJobId);
      this.finish({ kind: 'added', name: done.name });
    } catch (error) {
      this.finish({ kind: 'failed', message: error instanceof PhotopeaError ? error.message : `Adding the layer failed (${String(error)}).` });
    }
  }

  /** A masked result at the layer's size, with the layer's own pixels past the region's feather (mask-pixels.ts). */
  private async keepOriginalAsync(png: Uint8Array, masked: MaskedRun, width: number, height: number): Promise<Png> {
    const [result, original, region] = await Promise.all([rgbaAtSizeAsync(pngBlob(png), width, height), rgbaAtSizeAsync(pngBlob(masked.original), width, height), rgbaAtSizeAsync(pngBlob(masked.region), width, height)]);
    return rgbaPngAsync(keepOriginalOutside(result, original, region, keepPastPx(masked.featherResultPx, Math.max(width, height), masked.workingSide)));
  }

  /**
   * A result that waited in Atelier, placed above its source in the active document, as one made
   * with the panel open. Where its source is gone (Photopea finds layers by path, checked by
   * name), it is not placed and the panel says so; the designer dismisses it or applies again.
   */
  private async placeWaitingAsync(job: WaitingJob): Promise<void> {
    const record = readPhotopeaPlacement(job.data);
    const png = job.pngs[0];
    if (!record || !png) return this.waiting.notPlaced(job.jobId, 'This result cannot be placed by this version of the panel; apply the style again.');
    try {
      const [left, top, right, bottom] = record.source.box;
      const sized = await resizeToPngAsync(pngBlob(png), () => ({ width: right - left, height: bottom - top }));
      await placeResultAsync(this.deps.photopea, record.document, record.source, await dataUrlAsync(sized.png), resultLayerName(record.source, record.styleName));
      this.waiting.placed(job.jobId);
    } catch (error) {
      const why = error instanceof PhotopeaError ? error.message : String(error);
      this.waiting.notPlaced(job.jobId, `It could not be added above “${record.source.name}” (${why}). Dismiss it, or select the layer and apply again.`);
    }
    void this.refreshAsync();
  }

  private finish(outcome: Outcome): void {
    this.phase = 'idle';
    this.active = null;
    this.outcome = outcome;
    this.render();
    void this.refreshAsync();
  }

  private cancel(): void {
    const active = this.active;
    if (!active) return;
    active.cancelRequested = true;
    if (active.daemonJobId) this.client?.cancel(active.daemonJobId);
    this.progress.detail = 'Cancelling…';
  }

  private async chooseFileAsync(file: File): Promise<void> {
    if (file.size > MAX_DROPPED_FILE_BYTES || !/^image\/(png|jpeg|webp)$/.test(file.type)) {
      this.outcome = { kind: 'failed', message: 'Drop a PNG, JPEG or WebP image (at most 48 MB) to use it as the style.' };
      this.render();
      return;
    }
    try {
      const image = await resizeToPngAsync(file, fitWithin(STYLE_MAX_SIDE));
      this.style = { kind: 'file', name: file.name.replace(/\.[a-z0-9]+$/i, '').slice(0, 100) || 'Dropped image', image };
      this.outcome = null;
    } catch {
      this.outcome = { kind: 'failed', message: `The browser could not read “${file.name}” as an image.` };
    }
    this.render();
  }

  // ---- storage and options ----

  private readStored(key: string): unknown {
    try {
      const raw = this.deps.storage.getItem(key);
      return raw === null ? null : (JSON.parse(raw) as unknown);
    } catch {
      return null;
    }
  }

  private setOptions(patch: Partial<JobOptions>): void {
    this.options = { ...this.options, ...patch };
    try {
      this.deps.storage.setItem(OPTIONS_KEY, JSON.stringify(this.options));
    } catch {
      // Storage refused (private window): the choice lasts until the panel closes.
    }
    this.render();
  }

  private setPreview(png: Uint8Array | null): void {
    if (this.progress.preview !== png) releasePng(this.progress.preview);
    this.progress.preview = png;
  }

  // ---- the page ----

  private wire(): void {
    wireConnectionPanels(() => this.client, () => this.deps.target);
    wireServerSetting((address) => {
      if (this.phase !== 'idle') return 'Wait for the run to finish (or cancel it) before changing the server.';
      const current = this.deps.target.kind === 'team' ? this.deps.target.address : null;
      // Each server serves its own panel, which talks to it alone and keeps its own key.
      if (address !== current) this.deps.navigate(panelPageUrl(address));
      return null;
    });
    // "Apply again" leaves the panel as it is: Apply works on the active layer.
    wireWaitingJobs(this.waiting, () => undefined, () => this.render());
    byId('refresh').addEventListener('click', () => void this.refreshAsync());
    // Photopea sends no selection events: look again whenever the designer comes to the panel.
    document.documentElement.addEventListener('pointerenter', () => void this.refreshAsync());
    window.addEventListener('focus', () => void this.refreshAsync());
    byId<HTMLSelectElement>('style-layer').addEventListener('change', (event) => {
      const value = (event.target as HTMLSelectElement).value;
      const layer = this.summary?.layers.find((l) => l.path.join('/') === value);
      this.style = layer ? { kind: 'layer', layer } : null;
      this.render();
    });
    const drop = byId('style-drop');
    drop.addEventListener('dragover', (event) => {
      event.preventDefault();
      drop.classList.add('over');
    });
    drop.addEventListener('dragleave', () => drop.classList.remove('over'));
    drop.addEventListener('drop', (event) => {
      event.preventDefault();
      drop.classList.remove('over');
      const file = event.dataTransfer?.files[0];
      if (file) void this.chooseFileAsync(file);
    });
    byId<HTMLInputElement>('style-file').addEventListener('change', (event) => {
      const file = (event.target as HTMLInputElement).files?.[0];
      if (file) void this.chooseFileAsync(file);
    });
    for (const button of Array.from(byId('quality').querySelectorAll<HTMLButtonElement>('button[data-quality]'))) {
      button.addEventListener('click', () => {
        const quality = button.dataset.quality as QualityName;
        this.setOptions({ quality, size: QUALITY_PRESETS[quality].size, iterations: QUALITY_PRESETS[quality].iterations });
      });
    }
    byId<HTMLSelectElement>('mask-kind').addEventListener('change', (event) => {
      const kind = (event.target as HTMLSelectElement).value;
      this.mask = kind === 'selection' ? { kind: 'selection' } : kind === 'layer' ? { kind: 'layer', layer: null } : { kind: 'none' };
      this.outcome = null;
      this.render();
    });
    byId<HTMLSelectElement>('mask-layer').addEventListener('change', (event) => {
      const value = (event.target as HTMLSelectElement).value;
      this.mask = { kind: 'layer', layer: this.summary?.layers.find((l) => l.path.join('/') === value) ?? null };
      this.render();
    });
    byId<HTMLInputElement>('opt-edge').addEventListener('change', (event) => {
      const value = Number((event.target as HTMLInputElement).value);
      if (Number.isFinite(value)) this.setOptions({ edgeSoftness: Math.max(0, Math.min(MAX_EDGE_SOFTNESS_PX, Math.round(value))) });
      else this.render();
    });
    byId<HTMLInputElement>('opt-strength').addEventListener('change', (event) => this.setOptions({ styleStrength: Number((event.target as HTMLInputElement).value) }));
    byId<HTMLInputElement>('opt-keep-colors').addEventListener('change', (event) => this.setOptions({ keepColors: (event.target as HTMLInputElement).checked }));
    byId('apply').addEventListener('click', () => void this.applyAsync());
    byId('cancel').addEventListener('click', () => {
      this.cancel();
      this.render();
    });
  }

  render(): void {
    this.refreshEstimate();
    renderConnectionPanels(this.connection, this.deps.target);
    renderServerSetting(this.deps.target, null, this.phase !== 'idle');
    renderWaitingJobs(this.waiting);
    const summary = this.summary;
    const source = summary?.active ?? null;
    byId('source-title').textContent = source ? source.name : 'No layer selected';
    byId('source-detail').textContent = source
      ? `${summary!.document} · ${source.box[2] - source.box[0]}×${source.box[3] - source.box[1]}`
      : (this.photopeaProblem ?? 'Select a layer in Photopea’s Layers panel, then come back here.');

    const select = byId<HTMLSelectElement>('style-layer');
    const layers = summary?.layers ?? [];
    const key = layers.map((l) => `${l.path.join('/')}=${l.name}`).join('|');
    if (select.dataset.key !== key) {
      select.dataset.key = key;
      select.replaceChildren(new Option('Choose a layer…', ''), ...layers.map((l) => new Option(l.name, l.path.join('/'))));
    }
    select.value = this.style?.kind === 'layer' ? this.style.layer.path.join('/') : '';
    const style = this.style;
    byId('style-title').textContent = style ? (style.kind === 'layer' ? `Layer “${style.layer.name}”` : `Image “${style.name}”`) : 'No style chosen';
    const thumb = byId('style-thumb');
    thumb.style.backgroundImage = style?.kind === 'file' ? `url("${pngUrl(style.image.png)}")` : '';
    byId('style-note').hidden = !this.isStyleTheSource();

    this.renderMask(layers, source);

    const o = this.options;
    for (const button of Array.from(byId('quality').querySelectorAll<HTMLButtonElement>('button[data-quality]'))) {
      button.setAttribute('aria-pressed', String(button.dataset.quality === o.quality));
    }
    const box = this.summary?.active?.box;
    const side = box ? workingSideFor(o, box[2] - box[0], box[3] - box[1]) : o.size;
    const sizeText = o.quality === 'full' && !box ? 'layer size' : `${Math.min(side, MAX_CLIENT_SIDE)} px`;
    byId('quality-summary').textContent = `${sizeText} · ${o.iterations} steps`;
    const estimate = byId('estimate');
    estimate.hidden = this.estimate.state === null;
    estimate.textContent = this.estimate.text();
    byId<HTMLInputElement>('opt-strength').value = String(o.styleStrength);
    byId<HTMLInputElement>('opt-keep-colors').checked = o.keepColors;
    byId('strength-note').hidden = this.welcome === null || strengthApplies(this.welcome);
    byId('colors-note').hidden = this.welcome === null || !o.keepColors || colorsApply(this.welcome);

    const running = this.phase !== 'idle';
    byId('options-section').hidden = running;
    byId('progress-section').hidden = !running;
    if (running) {
      const a = this.active;
      byId('progress-title').textContent = a ? `Stylising “${a.source.name}” with “${a.styleName}”${a.masked ? ' inside the mask' : ''}` : 'Preparing…';
      byId('progress-bar').style.width = `${Math.round(this.progress.fraction * 100)}%`;
      byId('progress-detail').textContent = this.progress.detail;
      const preview = byId<HTMLImageElement>('preview');
      preview.hidden = !this.progress.preview;
      if (this.progress.preview) preview.src = pngUrl(this.progress.preview);
      byId<HTMLButtonElement>('cancel').disabled = (a?.cancelRequested ?? false) || this.phase === 'placing';
    }
    const outcome = this.outcome;
    byId('done-section').hidden = running || outcome === null;
    byId('done-text').className = outcome?.kind === 'failed' ? 'error' : '';
    byId('done-text').textContent =
      outcome === null ? '' : outcome.kind === 'added' ? `Done: added “${outcome.name}” above the original.` : outcome.kind === 'cancelled' ? 'Cancelled. Nothing was added.' : outcome.message;

    const apply = byId<HTMLButtonElement>('apply');
    apply.disabled = !this.canApply();
    apply.textContent = running ? 'Stylising…' : 'Apply style';
    byId('apply-hint').textContent = running
      ? ''
      : this.connection.kind !== 'ready'
        ? connectHint(this.deps.target)
        : !source
          ? 'Select the layer to stylise in Photopea.'
          : !style
            ? 'Choose a style layer, or drop an image above.'
            : this.isStyleTheSource()
              ? 'The style is the layer being stylised; choose another.'
              : this.maskBlocks() !== null
                ? this.maskBlocks()!
              : this.estimate.blocksApply() !== null
                ? this.estimate.blocksApply()!
              : 'The original stays untouched; the result is a new layer above it.';
  }

  /** The Mask choice, its layer list, Edge softness (only with a mask) and why a mask cannot be used. */
  private renderMask(layers: LayerRef[], source: LayerRef | null): void {
    const mask = this.mask;
    byId<HTMLSelectElement>('mask-kind').value = mask.kind;
    const select = byId<HTMLSelectElement>('mask-layer');
    select.hidden = mask.kind !== 'layer';
    const key = layers.map((l) => `${l.path.join('/')}=${l.name}`).join('|');
    if (select.dataset.key !== key) {
      select.dataset.key = key;
      select.replaceChildren(new Option('Choose the mask layer…', ''), ...layers.map((l) => new Option(l.name, l.path.join('/'))));
    }
    select.value = mask.kind === 'layer' && mask.layer ? mask.layer.path.join('/') : '';
    byId('edge-fields').hidden = mask.kind === 'none';
    const edge = byId<HTMLInputElement>('opt-edge');
    edge.max = String(MAX_EDGE_SOFTNESS_PX);
    if (document.activeElement !== edge) edge.value = String(this.options.edgeSoftness);
    const name = source ? `“${source.name}”` : 'the layer';
    const summary = byId('mask-summary');
    summary.hidden = mask.kind === 'none';
    summary.textContent =
      mask.kind === 'selection'
        ? `Only the selected part of ${name} is stylised; outside it the layer stays as it is.`
        : mask.kind === 'layer' && mask.layer
          ? `Only where “${mask.layer.name}” has pixels is ${name} stylised; elsewhere it stays as it is.`
          : '';
    // Only the daemon's lack of `regions` is a note here; a layer still to pick is Apply's hint.
    const note = byId('mask-note');
    const blocked = this.maskBlocks();
    note.hidden = blocked === null || !(this.welcome && !regionsApply(this.welcome));
    note.textContent = note.hidden ? '' : blocked!;
  }
}

function sameLayer(a: LayerRef, b: LayerRef): boolean {
  return a.name === b.name && a.path.join('/') === b.path.join('/');
}
