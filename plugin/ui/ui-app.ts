import type { ServerMessage, WelcomeMessage } from '../../protocol/index.ts';
import type { JobOptions, MainToUi, SelectionSummary, StyleLayer, UiToMain } from '../bridge/index.ts';
import { MAX_EDGE_SOFTNESS_PX, MAX_UI_ITERATIONS, MAX_WORKING_SIDE, MIN_WORKING_SIDE, QUALITY_PRESETS, type QualityName } from '../limits.ts';
import { welcomeAfter, type ConnectionState } from '../../client/connection-state.ts';
import { hostKeyStore, type StoredKey } from '../../client/key-store.ts';
import { DaemonClient, type JobMessage } from '../../client/daemon-client.ts';
import { byId, pngUrl, releasePng, setBackgroundPng } from '../../client/dom.ts';
import { renderConnectionPanels, wireConnectionPanels } from '../../client/connection-view.ts';
import { plural, trackJobStep } from '../../client/job-progress.ts';
import type { SocketLike } from '../../client/socket-like.ts';
import { colorsApply, regionsApply, strengthApplies } from '../../client/style-request.ts';
import { composeMaskAsync } from './compose-mask.ts';
import { jobRequestAsync } from './job-request.ts';
import { clearPastFeatherAsync, maskOfPlacement, type ResultCut } from './past-feather.ts';
import { EstimateTracker } from '../../client/estimate.ts';
import { workingSideFor } from '../../client/job-options.ts';
import { WaitingJobs } from '../../client/waiting-jobs.ts';
import { renderWaitingJobs, wireWaitingJobs } from '../../client/waiting-view.ts';
import { renderServerSetting, wireServerSetting } from '../../client/server-setting-view.ts';
import { connectHint, serverTarget, type ServerTarget } from '../../client/team-server.ts';
import { readPlacement } from '../bridge/index.ts';
import { BUILT_IN_TEAM_SERVER, whyFigmaBlocks } from '../team-build.ts';

type JobFromMain = Extract<MainToUi, { type: 'job' }>;

interface ActiveJob {
  mainJobId: string;
  daemonJobId: string | null;
  index: number;
  total: number;
  targetName: string;
  cancelRequested: boolean;
  /** The connection dropped while the daemon keeps the job: it is looked for at the next connection. */
  reconnecting: boolean;
  /** A masked job's region and feather: its result is made transparent past them (past-feather.ts). */
  cut: ResultCut | null;
}

interface Progress {
  fraction: number;
  detail: string;
  preview: Uint8Array | null;
}

interface BatchOutcome {
  inserted: { nodeId: string; name: string }[];
  failed: { name: string; message: string }[];
  cancelled: boolean;
}

export interface UiAppOptions {
  post(message: UiToMain): void;
  createSocket(url: string): SocketLike;
  clientVersion: string;
}

/**
 * The plugin window: connection panels, selection and style pickers, quality options, and the
 * progress of a batch. It relays jobs between the main code (pixels, layers) and the daemon.
 */
export class UiApp {
  private connection: ConnectionState = { kind: 'connecting', reconnecting: false };
  private welcome: WelcomeMessage | null = null;
  private options: JobOptions | null = null;
  private style: StyleLayer | null = null;
  private styleLayers: StyleLayer[] = [];
  /** The mask layer (issue 31): only the part of each layer under it is stylised; null: all of it. */
  private mask: StyleLayer | null = null;
  /** Shapes over the selected layers, offered as masks. */
  private maskLayers: StyleLayer[] = [];
  /** Whether the list covers every page, and how many other pages there are to search. */
  private styleScope: { allPages: boolean; otherPages: number; searching: boolean } = { allPages: false, otherPages: 0, searching: false };
  private selection: SelectionSummary | null = null;
  private autoStart = false;
  private phase: 'idle' | 'starting' | 'running' = 'idle';
  private active: ActiveJob | null = null;
  private progress: Progress = { fraction: 0, detail: '', preview: null };
  private outcome: BatchOutcome | null = null;
  private problem: string | null = null;
  private capNote: string | null = null;
  private client: DaemonClient | null = null;
  /** The Atelier the window talks to (the Team server setting, kept by the main code). */
  private target: ServerTarget = { kind: 'local' };
  /** The daemon's estimate for the first selected layer with the current options. */
  private readonly estimate = new EstimateTracker('est-');
  /** This file's jobs that ran on while the panel was closed (issue 32). */
  private readonly waiting = new WaitingJobs({
    client: () => this.client,
    place: (job, orphan) => {
      const png = job.pngs[0];
      if (!png) return this.waiting.notPlaced(job.jobId, 'Atelier sent no image for this result; apply the style again.');
      void this.placeWaitingAsync(job.jobId, job.data, png, orphan);
    },
    dismiss: (job) => this.deps.post({ type: 'dismiss-result', data: job.data }),
    changed: () => this.render(),
  });

  constructor(private readonly deps: UiAppOptions) {
    this.wire();
  }

  // ---- messages from the main code ----

  handleMain(message: MainToUi): void {
    switch (message.type) {
      case 'init':
        this.options = message.options;
        this.style = message.style;
        this.mask = message.mask ?? null;
        this.autoStart = message.autoStart;
        this.waiting.document = message.document;
        this.startClient(message.daemonUrl, message.key, message.teamServer);
        break;
      case 'server':
        this.startClient(message.daemonUrl, message.key, message.teamServer);
        break;
      case 'selection':
        this.selection = message.selection;
        if (this.phase === 'idle') this.problem = null;
        break;
      case 'style-layers':
        this.styleLayers = message.layers;
        this.styleScope = { allPages: message.allPages, otherPages: message.otherPages, searching: false };
        break;
      case 'style-chosen':
        this.style = message.style;
        this.problem = null;
        break;
      case 'mask-layers':
        this.maskLayers = message.layers;
        break;
      case 'mask-chosen':
        this.mask = message.mask;
        this.problem = null;
        break;
      case 'job':
        this.runJob(message);
        break;
      case 'job-inserted':
        this.outcome?.inserted.push({ nodeId: message.nodeId, name: message.name });
        // In the file now: the daemon may forget it (else a later panel would insert it again).
        if (this.active?.daemonJobId) this.client?.placed(this.active.daemonJobId);
        break;
      case 'result-placed':
        this.waiting.placed(message.jobId);
        break;
      case 'result-orphaned':
        this.waiting.orphaned(message.jobId);
        break;
      case 'result-not-placed':
        this.waiting.notPlaced(message.jobId, message.message);
        break;
      case 'batch-finished':
        this.phase = 'idle';
        this.active = null;
        this.outcome = { inserted: message.inserted, failed: message.failed, cancelled: message.cancelled };
        break;
      case 'problem':
        if (this.phase === 'starting') this.phase = 'idle';
        this.problem = message.message;
        break;
    }
    this.maybeAutoStart();
    this.render();
  }

  // ---- the daemon ----

  private startClient(url: string, key: StoredKey | null, teamServer: string | null): void {
    this.client?.stop();
    this.target = serverTarget(teamServer);
    this.connection = { kind: 'connecting', reconnecting: false };
    this.welcome = null;
    this.client = new DaemonClient({
      url,
      // Kept by the main code in clientStorage, filed under the server this client dials (bound
      // here, so a late save from a previous server's client lands under that server); the
      // crypto happens here, in the UI iframe.
      keyStore: hostKeyStore(key, (next) => this.deps.post({ type: 'store-key', server: teamServer, key: next })),
      team: teamServer !== null,
      clientVersion: this.deps.clientVersion,
      createSocket: this.deps.createSocket,
      onState: (state) => {
        const wasReady = this.connection.kind === 'ready';
        this.connection = state;
        // Each new connection asks again: jobs may have finished (or the daemon restarted) meanwhile.
        if (state.kind === 'ready' && !wasReady) this.waiting.refresh();
        this.welcome = welcomeAfter(state, this.welcome);
        this.maybeAutoStart();
        this.render();
      },
      onJobMessage: (message, images) => {
        this.handleJobMessage(message, images);
        this.render();
      },
      onConnectionLost: () => {
        const active = this.active;
        if (active && !active.cancelRequested && active.daemonJobId && this.client?.keepsJobs) {
          // The daemon keeps the job; the next connection follows it again (handleJobList).
          active.reconnecting = true;
          this.progress.detail = 'The connection to Atelier dropped; the job goes on there. Reconnecting…';
        } else if (active && !active.cancelRequested) {
          this.failActive('disconnected', `The connection to Atelier was lost while stylising “${active.targetName}”, so nothing was added for it.`);
        }
        this.render();
      },
      onProtocolError: (text) => console.warn('Atelier UI: daemon message ignored:', text),
    });
    this.client.start();
  }

  private runJob(job: JobFromMain): void {
    this.phase = 'running';
    this.capNote = job.capNote;
    this.active = { mainJobId: job.jobId, daemonJobId: null, index: job.index, total: job.total, targetName: job.targetName, cancelRequested: false, reconnecting: false, cut: null };
    // The file's id is made at its first job: from now on its jobs can be listed.
    this.waiting.document ||= job.placement.document;
    this.showPreview(null);
    this.progress = { fraction: job.index / job.total, detail: 'Sending to Atelier…', preview: null };
    this.sendJobAsync(job)
      .catch((error: unknown) => this.failActive('mask-failed', `The mask could not be prepared for “${job.targetName}” (${error instanceof Error ? error.message : String(error)}), so it was not sent.`))
      .finally(() => this.render());
  }

  /** Composes the job's mask (if any) into the image the daemon takes, then sends the job. */
  private async sendJobAsync(job: JobFromMain): Promise<void> {
    const outcome = await jobRequestAsync(job, this.welcome, composeMaskAsync);
    // Composing takes a moment: the designer may have cancelled meanwhile.
    if (this.active?.mainJobId !== job.jobId || this.active.cancelRequested) return;
    if (outcome.kind === 'refused') return this.failActive(outcome.code, outcome.message);
    this.active.cut = outcome.cut ?? null;
    if (!this.client?.stylize(outcome.request.message, outcome.request.images)) {
      this.failActive('not-connected', 'Atelier is not connected, so this layer was skipped. Reconnect and apply again.');
    }
  }

  /**
   * A waiting result (issue 32) goes to the main code as a fresh one would: a masked one made
   * transparent past its feather with the mask kept in its record; one whose mask was not kept
   * (too big for the record, or made by an older panel) as the daemon made it, and said so.
   */
  private async placeWaitingAsync(jobId: string, data: string, png: Uint8Array, orphan: 'ask' | 'insert'): Promise<void> {
    const mask = maskOfPlacement(data);
    let placed = png;
    if (mask.kind === 'kept') {
      placed = await clearPastFeatherAsync(png, mask.cut).catch((error: unknown) => {
        console.warn('Atelier UI: a waiting result could not be made transparent past the mask:', error);
        return png;
      });
    }
    if (mask.kind === 'lost' || (mask.kind === 'kept' && placed === png)) this.waiting.uncut(jobId);
    this.deps.post({ type: 'place-result', jobId, data, png: placed, orphan });
  }

  /** A sentence when the chosen mask cannot be used with this daemon (it lacks regions), else null. */
  private maskBlocked(): string | null {
    return this.mask && this.welcome && !regionsApply(this.welcome) ? 'Update Atelier to style part of a frame, or set Mask to None.' : null;
  }

  private failActive(code: string, message: string): void {
    const active = this.active;
    if (!active) return;
    this.active = { ...active, daemonJobId: null };
    this.deps.post({ type: 'job-failed', jobId: active.mainJobId, code, message });
  }

  private isActive(message: { requestId?: string; jobId?: string }): boolean {
    const active = this.active;
    if (!active) return false;
    return message.requestId === active.mainJobId || (active.daemonJobId !== null && message.jobId === active.daemonJobId);
  }

  private handleJobMessage(message: JobMessage, images: Map<string, Uint8Array>): void {
    if (this.estimate.take(message)) return;
    if (message.type === 'jobs') return this.handleJobList(message);
    if (this.waiting.take(message, images)) return;
    const active = this.active;
    if (!active || !this.isActive(message as ServerMessage & { requestId?: string; jobId?: string })) return;
    const step = trackJobStep(message, images, active, (jobId) => this.client?.cancel(jobId));
    if (step) {
      this.progress.detail = step.detail;
      if (step.fraction !== undefined) this.progress.fraction = (active.index + step.fraction) / active.total;
      if (step.preview) this.showPreview(step.preview);
      return;
    }
    switch (message.type) {
      case 'result': {
        const png = images.get(message.image.id);
        if (!png) return;
        this.progress.fraction = (active.index + 1) / active.total;
        this.progress.detail = 'Adding the layer…';
        this.showPreview(png);
        // `png` is a view into the WebSocket frame; postMessage would clone that whole frame
        // (header and all) and hand the main code a view at an offset. Send the image alone.
        if (!active.cut) return this.deps.post({ type: 'job-result', jobId: active.mainJobId, png: png.slice() });
        void clearPastFeatherAsync(png.slice(), active.cut)
          .catch((error: unknown) => {
            // The designer still gets the result, only not see-through past the feather.
            console.warn('Atelier UI: the result could not be made transparent past the mask:', error);
            return png.slice();
          })
          .then((cut) => {
            // Cutting takes a moment: the job may have been cancelled or failed meanwhile.
            if (this.active === active && !active.cancelRequested) this.deps.post({ type: 'job-result', jobId: active.mainJobId, png: cut });
          });
        return;
      }
      case 'completed':
        return;
      case 'cancelled':
        if (!active.cancelRequested) {
          const why = message.reason === 'shutdown' ? 'Atelier was shut down' : 'Atelier cancelled it';
          this.failActive('cancelled', `${why} while stylising “${active.targetName}”, so nothing was added for it.`);
        }
        return;
      case 'error':
        this.failActive(message.code, message.message);
        return;
    }
  }

  /** This file's jobs: the panel's own job is followed again after a dropped connection, the rest are the waiting list's. */
  private handleJobList(message: Extract<JobMessage, { type: 'jobs' }>): void {
    const own = this.active?.daemonJobId ?? null;
    const listed = this.waiting.takeList(message, (jobId) => jobId === own);
    const active = this.active;
    if (!active?.reconnecting || message.document !== this.waiting.document) return;
    active.reconnecting = false;
    if (own && listed.has(own)) {
      this.client?.reattach(own);
      this.progress.detail = 'Reconnected; following the job again…';
    } else {
      this.failActive('disconnected', `Atelier no longer has the job for “${active.targetName}” (was it restarted without it?), so nothing was added for it.`);
    }
  }

  private showPreview(png: Uint8Array | null): void {
    if (this.progress.preview !== png) releasePng(this.progress.preview);
    this.progress.preview = png;
  }

  private maybeAutoStart(): void {
    if (!this.autoStart || this.connection.kind !== 'ready' || !this.canApply()) return;
    this.autoStart = false;
    this.apply();
  }

  // ---- designer actions ----

  private canApply(): boolean {
    return this.phase === 'idle' && this.connection.kind === 'ready' && !!this.style && !!this.options && (this.selection?.targets.length ?? 0) > 0 && this.estimate.blocksApply() === null && this.maskBlocked() === null;
  }

  /**
   * Asks the daemon (once per size and options) what the first selected layer's job would take,
   * at the size the main code will export it (planExport's rule: longest side, Figma's cap).
   */
  private refreshEstimate(): void {
    const o = this.options;
    const first = this.selection?.targets[0];
    if (!o || !first || this.connection.kind !== 'ready' || this.phase !== 'idle') {
      if (this.phase === 'idle') this.estimate.clear();
      return;
    }
    const side = Math.max(MIN_WORKING_SIDE, Math.min(MAX_WORKING_SIDE, workingSideFor(o, first.width, first.height)));
    const landscape = first.width >= first.height;
    const ratio = landscape ? first.height / Math.max(1, first.width) : first.width / Math.max(1, first.height);
    const short = Math.max(1, Math.round(side * ratio));
    const [width, height] = landscape ? [side, short] : [short, side];
    // A mask is one region (its memory counts); the key then also changes with the mask.
    this.estimate.request(width, height, o, this.welcome, this.client, this.mask ? 1 : 0);
  }

  private apply(): void {
    if (!this.canApply() || !this.style || !this.options) return;
    this.phase = 'starting';
    this.problem = null;
    this.outcome = { inserted: [], failed: [], cancelled: false };
    this.showPreview(null);
    this.progress = { fraction: 0, detail: 'Exporting pixels…', preview: null };
    this.capNote = null;
    this.deps.post({ type: 'start', styleNodeId: this.style.id, options: this.options, maskNodeId: this.mask?.id ?? null });
  }

  private cancel(): void {
    const active = this.active;
    if (active) {
      active.cancelRequested = true;
      if (active.daemonJobId) this.client?.cancel(active.daemonJobId);
    }
    this.deps.post({ type: 'cancel' });
    this.progress.detail = 'Cancelling…';
  }

  private setOptions(patch: Partial<JobOptions>): void {
    if (!this.options) return;
    this.options = { ...this.options, ...patch };
    this.deps.post({ type: 'save-options', options: this.options });
    this.render();
  }

  private chooseQuality(quality: QualityName): void {
    const preset = QUALITY_PRESETS[quality];
    this.setOptions({ quality, size: preset.size, iterations: preset.iterations });
  }

  private wire(): void {
    const clamp = (value: number, min: number, max: number) => Math.max(min, Math.min(max, Math.round(value)));
    wireConnectionPanels(() => this.client, () => this.target);
    wireServerSetting((address) => {
      if (this.phase !== 'idle') return 'Wait for the running job to finish (or cancel it) before changing the server.';
      const blocked = whyFigmaBlocks(address);
      if (blocked === null) this.deps.post({ type: 'set-team-server', address });
      return blocked;
    });
    wireWaitingJobs(
      this.waiting,
      (job) => {
        // Apply again: its layer selected, ready for the Apply button.
        const record = readPlacement(job.data);
        if (record) this.deps.post({ type: 'focus-node', nodeId: record.sourceId });
      },
      () => this.render(),
    );
    byId('use-selection').addEventListener('click', () => this.deps.post({ type: 'use-selection-as-style' }));
    byId('refresh-styles').addEventListener('click', () => this.deps.post({ type: 'refresh-styles', allPages: this.styleScope.allPages }));
    // Other pages are searched only on request: loading every page of a big file stalls Figma.
    const more = document.createElement('button');
    more.id = 'style-more';
    more.className = 'link';
    more.hidden = true;
    byId('style-grid').after(more);
    more.addEventListener('click', () => {
      this.styleScope = { ...this.styleScope, searching: true };
      this.deps.post({ type: 'refresh-styles', allPages: true });
      this.render();
    });
    byId('use-selection-mask').addEventListener('click', () => this.deps.post({ type: 'use-selection-as-mask' }));
    byId('mask-none').addEventListener('click', () => this.deps.post({ type: 'choose-mask', maskNodeId: null }));
    byId('mask-grid').addEventListener('click', (event) => {
      const button = (event.target as HTMLElement).closest<HTMLButtonElement>('button[data-id]');
      if (button?.dataset.id) this.deps.post({ type: 'choose-mask', maskNodeId: button.dataset.id });
    });
    byId<HTMLInputElement>('opt-edge').addEventListener('change', (event) => {
      const value = Number((event.target as HTMLInputElement).value);
      if (Number.isFinite(value)) this.setOptions({ edgeSoftness: clamp(value, 0, MAX_EDGE_SOFTNESS_PX) });
    });
    byId('style-grid').addEventListener('click', (event) => {
      const button = (event.target as HTMLElement).closest<HTMLButtonElement>('button[data-id]');
      if (button?.dataset.id) this.deps.post({ type: 'choose-style', styleNodeId: button.dataset.id });
    });
    for (const button of Array.from(byId('quality').querySelectorAll<HTMLButtonElement>('button[data-quality]'))) {
      button.addEventListener('click', () => this.chooseQuality(button.dataset.quality as QualityName));
    }
    for (const button of Array.from(byId('full-scale').querySelectorAll<HTMLButtonElement>('button[data-scale]'))) {
      button.addEventListener('click', () => this.setOptions({ quality: 'full', fullSizeScale: button.dataset.scale === '2' ? 2 : 1 }));
    }
    byId<HTMLInputElement>('opt-size').addEventListener('change', (event) => {
      const value = Number((event.target as HTMLInputElement).value);
      if (Number.isFinite(value)) this.setOptions({ quality: 'custom', size: clamp(value, MIN_WORKING_SIDE, MAX_WORKING_SIDE * 4) });
    });
    byId<HTMLInputElement>('opt-iterations').addEventListener('change', (event) => {
      const value = Number((event.target as HTMLInputElement).value);
      if (Number.isFinite(value)) this.setOptions({ quality: 'custom', iterations: clamp(value, 1, MAX_UI_ITERATIONS) });
    });
    byId<HTMLInputElement>('opt-strength').addEventListener('change', (event) => {
      this.setOptions({ styleStrength: Number((event.target as HTMLInputElement).value) });
    });
    byId<HTMLInputElement>('opt-keep-colors').addEventListener('change', (event) => {
      this.setOptions({ keepColors: (event.target as HTMLInputElement).checked });
    });
    byId<HTMLSelectElement>('opt-preset').addEventListener('change', (event) => {
      this.setOptions({ preset: (event.target as HTMLSelectElement).value, presetChosen: true });
    });
    byId('apply').addEventListener('click', () => {
      this.apply();
      this.render();
    });
    byId('cancel').addEventListener('click', () => {
      this.cancel();
      this.render();
    });
    byId('done-text').addEventListener('click', (event) => {
      const button = (event.target as HTMLElement).closest<HTMLButtonElement>('button[data-node]');
      if (button?.dataset.node) this.deps.post({ type: 'focus-node', nodeId: button.dataset.node });
    });
  }

  // ---- rendering ----

  render(): void {
    renderConnectionPanels(this.connection, this.target);
    renderServerSetting(this.target, BUILT_IN_TEAM_SERVER, this.phase !== 'idle');
    renderWaitingJobs(this.waiting);
    this.renderSelection();
    this.renderStyle();
    this.renderMask();
    this.refreshEstimate();
    this.renderOptions();
    this.renderProgress();
    this.renderApply();
  }

  private renderSelection(): void {
    const targets = this.selection?.targets ?? [];
    setBackgroundPng(byId('sel-thumb'), this.selection?.thumbnail ?? null);
    const first = targets[0];
    byId('sel-title').textContent = !first ? 'Select a frame or layer' : targets.length === 1 ? first.name : plural(targets.length, 'layer');
    byId('sel-detail').textContent = !first
      ? 'Each selected layer gets its own stylised copy above it.'
      : targets.length === 1
        ? `${first.type.toLowerCase()} · ${Math.round(first.width)}×${Math.round(first.height)}`
        : `${first.name} and ${plural(targets.length - 1, 'other')}, one after the other`;
    const skipped = this.selection?.skipped ?? [];
    const note = byId('sel-skipped');
    note.hidden = skipped.length === 0;
    note.textContent = skipped.map((s) => `“${s.name}” is left out: ${s.reason}.`).join(' ');
  }

  private renderStyle(): void {
    const style = this.style;
    setBackgroundPng(byId('style-thumb'), style?.thumbnail ?? null);
    byId('style-title').textContent = style ? style.name : 'No style chosen';
    byId('style-detail').textContent = style
      ? `${style.pageName ? `${style.pageName} · ` : ''}${Math.round(style.width)}×${Math.round(style.height)}`
      : 'Pick an image below, or select one on the canvas and click “Use selection”.';
    renderLayerGrid(byId('style-grid'), this.styleLayers, style?.id ?? null);
    const scope = this.styleScope;
    const empty = byId('style-empty');
    empty.hidden = this.styleLayers.length > 0;
    empty.textContent = scope.allPages || scope.otherPages === 0
      ? 'No image layers found in this file. Paste a painting or photo, or use any selected layer as the style.'
      : 'No image layers on this page. Look on the other pages, paste a painting or photo, or use any selected layer as the style.';
    const more = byId<HTMLButtonElement>('style-more');
    more.hidden = scope.allPages || scope.otherPages === 0;
    more.disabled = scope.searching;
    more.textContent = scope.searching ? 'Looking through the other pages…' : `Show images from ${plural(scope.otherPages, 'other page')}`;
  }

  private renderMask(): void {
    const mask = this.mask;
    setBackgroundPng(byId('mask-thumb'), mask?.thumbnail ?? null);
    byId('mask-title').textContent = mask ? mask.name : 'None';
    byId('mask-detail').textContent = mask
      ? 'Only the part under this shape is stylised; the rest keeps its pixels.'
      : this.maskLayers.length > 0
        ? 'The whole layer is stylised, or pick a shape below.'
        : 'The whole layer is stylised. To style part of it, select a shape and click “Use selection”.';
    const grid = byId('mask-grid');
    grid.hidden = this.maskLayers.length === 0;
    renderLayerGrid(grid, this.maskLayers, mask?.id ?? null);
    const targets = this.selection?.targets ?? [];
    const misses = mask ? (this.selection?.maskMisses ?? []) : [];
    const note = byId('mask-note');
    note.hidden = misses.length === 0;
    note.textContent = !mask || misses.length === 0
      ? ''
      : misses.length >= targets.length
        ? `“${mask.name}” covers none of the selected layers: move it over the part to stylise, or pick another mask.`
        : `${misses.map((n) => `“${n}”`).join(', ')} ${misses.length === 1 ? 'is' : 'are'} not under “${mask.name}” and will be left out.`;
    byId('mask-update').hidden = this.maskBlocked() === null;
  }

  private renderOptions(): void {
    const o = this.options;
    if (!o) return;
    for (const button of Array.from(byId('quality').querySelectorAll<HTMLButtonElement>('button[data-quality]'))) {
      button.setAttribute('aria-pressed', String(button.dataset.quality === o.quality));
    }
    const full = o.quality === 'full';
    byId('full-scale').hidden = !full;
    for (const button of Array.from(byId('full-scale').querySelectorAll<HTMLButtonElement>('button[data-scale]'))) {
      button.setAttribute('aria-pressed', String(button.dataset.scale === String(o.fullSizeScale)));
    }
    const first = this.selection?.targets[0];
    const requested = first ? workingSideFor(o, first.width, first.height) : o.size;
    const capped = requested > MAX_WORKING_SIDE;
    const label = o.quality === 'custom' ? 'Custom · ' : '';
    const sizeText = full && !first ? `layer size at ${o.fullSizeScale}×` : `${Math.min(requested, MAX_WORKING_SIDE)} px`;
    byId('quality-summary').textContent = `${label}${sizeText} · ${o.iterations} steps`;
    const estimate = byId('estimate');
    estimate.hidden = this.estimate.state === null;
    estimate.textContent = this.estimate.text();
    const active = document.activeElement;
    const size = byId<HTMLInputElement>('opt-size');
    if (active !== size) size.value = String(o.size);
    const iterations = byId<HTMLInputElement>('opt-iterations');
    if (active !== iterations) iterations.value = String(o.iterations);
    byId<HTMLInputElement>('opt-strength').value = String(o.styleStrength);
    byId<HTMLInputElement>('opt-keep-colors').checked = o.keepColors;
    // The feather is a mask's edge: without a mask there is none to soften.
    const edge = byId<HTMLInputElement>('opt-edge');
    edge.hidden = byId('opt-edge-label').hidden = this.mask === null;
    edge.max = String(MAX_EDGE_SOFTNESS_PX);
    if (active !== edge) edge.value = String(o.edgeSoftness);
    const presets = this.welcome?.presets ?? [o.preset];
    const select = byId<HTMLSelectElement>('opt-preset');
    if (select.dataset.key !== presets.join(',')) {
      select.dataset.key = presets.join(',');
      select.replaceChildren(...presets.map((name) => new Option(name, name)));
    }
    select.value = presets.includes(o.preset) ? o.preset : (presets[0] ?? '');
    byId('strength-note').hidden = strengthApplies(this.welcome) || this.welcome === null;
    byId('colors-note').hidden = !o.keepColors || colorsApply(this.welcome) || this.welcome === null;
    const capNote = this.capNote ?? (capped ? `Figma images are at most ${MAX_WORKING_SIDE} px on their longest side, so this runs at ${MAX_WORKING_SIDE} px.` : null);
    byId('cap-note').hidden = !capNote;
    byId('cap-note').textContent = capNote ?? '';
  }

  private renderProgress(): void {
    const running = this.phase !== 'idle';
    byId('progress-section').hidden = !running;
    // Options cannot change mid-run; hiding them leaves room for the preview.
    byId('quality-section').hidden = running;
    if (running) {
      const a = this.active;
      byId('progress-title').textContent = a ? `Stylising “${a.targetName}”${a.total > 1 ? ` (${a.index + 1} of ${a.total})` : ''}` : 'Preparing…';
      byId('progress-bar').style.width = `${Math.round(this.progress.fraction * 100)}%`;
      byId('progress-detail').textContent = this.progress.detail;
      const preview = byId<HTMLImageElement>('preview');
      preview.hidden = !this.progress.preview;
      if (this.progress.preview) preview.src = pngUrl(this.progress.preview);
      byId<HTMLButtonElement>('cancel').disabled = a?.cancelRequested ?? false;
    }
    const outcome = this.outcome;
    const done = !running && outcome !== null;
    byId('done-section').hidden = !done;
    if (done) {
      const text = byId('done-text');
      const added = outcome.inserted;
      text.replaceChildren();
      const line = document.createElement('div');
      line.textContent = outcome.cancelled
        ? added.length > 0
          ? `Cancelled. ${plural(added.length, 'layer')} added before that stay in the file.`
          : 'Cancelled. Nothing was added.'
        : added.length > 0
          ? `Done: added ${added.length === 1 ? `“${added[0]!.name}”` : plural(added.length, 'layer')} above the original.`
          : 'Nothing was added.';
      text.append(line);
      for (const item of added.slice(0, 5)) {
        const show = document.createElement('button');
        show.className = 'link';
        show.dataset.node = item.nodeId;
        show.textContent = `Show “${item.name}”`;
        text.append(show, document.createElement('br'));
      }
      byId('done-failed').replaceChildren(
        ...outcome.failed.map((f) => {
          const li = document.createElement('li');
          li.textContent = `“${f.name}”: ${f.message}`;
          return li;
        }),
      );
    }
    byId('problem').hidden = !this.problem;
    byId('problem-text').textContent = this.problem ?? '';
  }

  private renderApply(): void {
    const button = byId<HTMLButtonElement>('apply');
    const count = this.selection?.targets.length ?? 0;
    button.disabled = !this.canApply();
    button.textContent = this.phase !== 'idle' ? 'Stylising…' : count > 1 ? `Apply style to ${count} layers` : 'Apply style';
    const hint =
      this.phase !== 'idle'
        ? ''
        : this.connection.kind === 'setting-up'
          ? 'Atelier is setting up; Apply style is enabled when it is ready.'
          : this.connection.kind !== 'ready'
          ? connectHint(this.target)
          : count === 0
            ? 'Select what to stylise on the canvas.'
            : !this.style
              ? 'Choose a style.'
              : this.maskBlocked() !== null
                ? this.maskBlocked()!
              : this.estimate.blocksApply() !== null
                ? this.estimate.blocksApply()!
              : count > 1
                ? 'The originals stay untouched; each result is one undo step.'
                : 'The original stays untouched; one undo removes the result.';
    byId('apply-hint').textContent = hint;
  }
}

/** A grid of layer thumbnails (styles, masks), rebuilt only when the layers or the choice change. */
function renderLayerGrid(grid: HTMLElement, layers: ReadonlyArray<StyleLayer>, chosenId: string | null): void {
  const key = layers.map((l) => l.id).join(',') + '|' + (chosenId ?? '');
  if (grid.dataset.key === key) return;
  grid.dataset.key = key;
  grid.replaceChildren(
    ...layers.map((layer) => {
      const button = document.createElement('button');
      button.dataset.id = layer.id;
      button.title = layer.pageName ? `${layer.name} (${layer.pageName})` : layer.name;
      button.setAttribute('role', 'option');
      button.setAttribute('aria-selected', String(layer.id === chosenId));
      if (layer.id === chosenId) button.className = 'chosen';
      if (layer.thumbnail) button.style.backgroundImage = `url("${pngUrl(layer.thumbnail)}")`;
      return button;
    }),
  );
}
