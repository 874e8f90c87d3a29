import type { ExportSettingsImage, ShowUIOptions } from '@figma/plugin-typings/plugin-api-standalone.js';
import type { HostApi, HostSceneNode, HostUi, HostViewport } from '../../../plugin/main/figma-host.ts';
import { readPngSize } from '../../../protocol/index.ts';
import {
  FakeDocument,
  FakePage,
  FakeRectangle,
  FakeSceneNode,
  PerPluginId,
  skippedInInstance,
  type FakeDocumentHooks,
  type FakeNodeInit,
  type FakeTraversalCount,
} from './fake-nodes.ts';

/**
 * Figma's async calls cross from the sandbox to the editor and back: they resolve after other
 * work has had its turn, never within the same microtask burst. The fake waits a macrotask so
 * code that races its own UI (or assumes instant loads) fails here as it would in Figma.
 */
export function editorRoundTripAsync(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/** Figma's own limit, repeated here on purpose: the fake must not trust the code it tests. */
const FIGMA_IMAGE_LIMIT = 4096;

export interface ExportCall {
  nodeId: string;
  settings: ExportSettingsImage;
}

class FakeUi implements HostUi {
  onmessage: ((pluginMessage: unknown, props: { origin: string }) => void) | undefined = undefined;
  readonly posted: unknown[] = [];
  size: { width: number; height: number } | null = null;
  private readonly listeners: ((message: unknown) => void)[] = [];

  postMessage(pluginMessage: unknown): void {
    this.posted.push(pluginMessage);
    for (const listener of this.listeners) listener(pluginMessage);
  }

  resize(width: number, height: number): void {
    this.size = { width, height };
  }

  /** Messages the UI sent while the main code had no `figma.ui.onmessage`: Figma drops them. */
  readonly dropped: unknown[] = [];

  /**
   * What the UI iframe does with parent.postMessage({ pluginMessage }, '*'): the message
   * crosses by structured clone (a Uint8Array view keeps its whole underlying buffer and its
   * offset), and reaches only a handler that is already set.
   */
  sendFromUi(pluginMessage: unknown): void {
    const copy = structuredClone(pluginMessage);
    if (this.onmessage) this.onmessage(copy, { origin: 'null' });
    else this.dropped.push(copy);
  }

  /** Observes every message the main code posts to the UI (the harness relays them). */
  subscribe(listener: (message: unknown) => void): void {
    this.listeners.push(listener);
  }
}

/**
 * A fake of the Figma plugin API, typed by the slice the main code uses (`HostApi`, itself
 * cut from @figma/plugin-typings). It keeps a real layer tree, renders exports as real PNGs,
 * enforces Figma's rules that matter here (4096 px images, no layers inside instances,
 * dynamic page loading) and keeps an undo journal so a test can press undo.
 */
export class FakeFigma implements HostApi {
  command = '';
  readonly editorType = 'figma';
  readonly ui = new FakeUi();
  readonly exports: ExportCall[] = [];
  readonly images = new Map<string, Uint8Array>();
  readonly notifications: string[] = [];
  readonly failExports = new Set<string>();
  /**
   * The manifest `id` of the running plugin (figma.pluginId). Plugin data, relaunch data and
   * clientStorage belong to it: a test changes it to model a plugin published under a new id.
   */
  pluginId = 'atelier-style-transfer';
  /**
   * figma.skipInvisibleInstanceChildren: "Defaults to … false in Figma and FigJam"; when true,
   * invisible layers inside instances (and their descendants) cannot be reached.
   */
  skipInvisibleInstanceChildren = false;
  /** Nodes searches walked and handed to the plugin (fake-nodes.ts, FakeTraversalCount). */
  readonly traversal: FakeTraversalCount = { walked: 0, toPlugin: 0 };
  shownHtml: string | null = null;
  shownOptions: ShowUIOptions | undefined;
  closedWith: string | null | undefined = undefined;
  zoomedTo: string[] = [];
  readonly root: FakeDocument;
  private page: FakePage;
  private readonly storageById = new PerPluginId<Map<string, unknown>>(() => this.pluginId, () => new Map());
  private allPagesLoaded = false;

  private idCounter = 0;
  private readonly nodes = new Map<string, FakeSceneNode | FakePage>();
  private readonly handlers = new Map<string, (() => void)[]>();
  private openStep: FakeSceneNode[] = [];
  private readonly undoStack: FakeSceneNode[][] = [];
  readonly hooks: FakeDocumentHooks;

  constructor() {
    const self = this;
    this.hooks = {
      nextId: () => `${1 + Math.floor(this.idCounter / 1000)}:${this.idCounter++ % 1000}`,
      register: (node) => this.nodes.set(node.id, node),
      recordExport: (node, settings) => this.exports.push({ nodeId: node.id, settings }),
      recordCreated: (node) => this.openStep.push(node),
      get failExports() {
        return self.failExports;
      },
      pluginId: () => this.pluginId,
      skipInvisibleInstanceChildren: () => this.skipInvisibleInstanceChildren,
      traversal: this.traversal,
    };
    const first = new FakePage(this.hooks, 'Page 1', true, (page) => this.selectionChanged(page));
    this.root = new FakeDocument(this.hooks);
    this.root.children.push(first);
    this.page = first;
  }

  /** This plugin id's clientStorage ("Data will become inaccessible if your plugin ID changes"). */
  get storage(): Map<string, unknown> {
    return this.storageById.current;
  }

  get currentPage(): FakePage {
    return this.page;
  }
  /** PluginAPI.currentPage: with dynamic-page "this property is read-only. Use setCurrentPageAsync". */
  set currentPage(_page: FakePage) {
    throw new Error('Cannot set currentPage with documentAccess: dynamic-page. Use figma.setCurrentPageAsync instead');
  }

  /** PluginAPI.getNodeById: "will throw an exception if the plugin manifest contains documentAccess: dynamic-page". */
  getNodeById(_id: string): never {
    throw new Error('Cannot call getNodeById with documentAccess: dynamic-page. Use figma.getNodeByIdAsync instead');
  }

  async loadAllPagesAsync(): Promise<void> {
    for (const page of this.root.children) await page.loadAsync();
    this.allPagesLoaded = true;
  }

  readonly clientStorage = {
    getAsync: async (key: string): Promise<unknown> => structuredClone(this.storage.get(key)),
    setAsync: async (key: string, value: unknown): Promise<void> => {
      this.storage.set(key, structuredClone(value));
    },
  };

  readonly viewport: HostViewport = {
    scrollAndZoomIntoView: (nodes) => {
      this.zoomedTo = nodes.map((n) => n.id);
    },
  };

  // ---- building documents (test side) ----

  addPage(name: string): FakePage {
    const page = new FakePage(this.hooks, name, false, (p) => this.selectionChanged(p));
    this.root.children.push(page);
    return page;
  }

  frame(init: FakeNodeInit & { type?: 'FRAME' | 'GROUP' | 'INSTANCE' | 'COMPONENT' | 'COMPONENT_SET' | 'SECTION' | 'BOOLEAN_OPERATION' } = {}): FakeSceneNode {
    return new FakeSceneNode(init.type ?? 'FRAME', this.hooks, init, true);
  }

  layer(type: 'RECTANGLE' | 'ELLIPSE' | 'TEXT' | 'VECTOR' | 'WIDGET', init: FakeNodeInit = {}): FakeSceneNode {
    return new FakeSceneNode(type, this.hooks, init, false);
  }

  /** A layer showing an image fill (what a designer pastes a painting into). */
  imageLayer(init: FakeNodeInit = {}): FakeSceneNode {
    const hash = `img-${this.idCounter}`;
    return this.layer('RECTANGLE', {
      pattern: 'stripes',
      ...init,
      fills: [{ type: 'IMAGE', imageHash: hash, scaleMode: 'FILL' }],
    });
  }

  select(...nodes: FakeSceneNode[]): void {
    this.currentPage.setSelection(nodes);
  }

  /** The designer clicks another page in the pages panel. */
  async switchPageAsync(page: FakePage): Promise<void> {
    await this.setCurrentPageAsync(page);
  }

  /** Undoes the last undo step, as Cmd+Z would: layers created in it disappear. */
  undo(): void {
    const step = this.openStep.length > 0 ? this.openStep : this.undoStack.pop();
    this.openStep = [];
    for (const node of step ?? []) if (!node.removed) node.remove();
  }

  node(id: string): FakeSceneNode | FakePage | undefined {
    return this.nodes.get(id);
  }

  // ---- the HostApi surface (main code side) ----

  /**
   * Messages the UI sends the moment its iframe has loaded (Atelier's "ui-ready"), as a UI
   * does: after showUI returns, before anything else the main code awaits.
   */
  uiSendsOnLoad: unknown[] = [];

  showUI(html: string, options?: ShowUIOptions): void {
    this.shownHtml = html;
    this.shownOptions = options;
    const onLoad = this.uiSendsOnLoad.splice(0);
    if (onLoad.length > 0) queueMicrotask(() => { for (const m of onLoad) this.ui.sendFromUi(m); });
  }

  createRectangle(): FakeRectangle {
    const rect = new FakeRectangle('RECTANGLE', this.hooks, { name: 'Rectangle', fills: [{ type: 'SOLID', color: { r: 0.85, g: 0.85, b: 0.85 } }] }, false);
    this.currentPage.appendChild(rect);
    this.hooks.recordCreated(rect);
    return rect;
  }

  createImage(data: Uint8Array): { readonly hash: string } {
    const size = readPngSize(data);
    if (!size) throw new Error('Image type is unsupported');
    if (Math.max(size.width, size.height) > FIGMA_IMAGE_LIMIT) throw new Error('Image is too large');
    const hash = `hash-${this.images.size + 1}`;
    this.images.set(hash, data);
    return { hash };
  }

  /**
   * Loads the page, switches to it, then fires "currentpagechange" and, as the typings say,
   * "a currentpagechange event always triggers a selectionchange event".
   */
  async setCurrentPageAsync(page: FakePage): Promise<void> {
    if (!this.root.children.includes(page)) throw new Error('setCurrentPageAsync: not a page of this document');
    await page.loadAsync();
    await editorRoundTripAsync();
    if (page === this.page) return;
    this.page = page;
    for (const handler of this.handlers.get('currentpagechange') ?? []) handler();
    for (const handler of this.handlers.get('selectionchange') ?? []) handler();
  }

  async getNodeByIdAsync(id: string): Promise<FakeSceneNode | FakePage | FakeDocument | null> {
    if (id === this.root.id) return this.root;
    const node = this.nodes.get(id);
    // getNodeByIdAsync reaches nodes on any page, loading that page as needed.
    let top: FakeSceneNode | FakePage | null | undefined = node;
    while (top instanceof FakeSceneNode) top = top.parent;
    if (top instanceof FakePage) await top.loadAsync();
    await editorRoundTripAsync();
    if (node instanceof FakeSceneNode && (node.removed || skippedInInstance(node, this.hooks))) return null;
    return node ?? null;
  }

  commitUndo(): void {
    if (this.openStep.length > 0) this.undoStack.push(this.openStep);
    this.openStep = [];
  }

  notify(message: string): { cancel(): void } {
    this.notifications.push(message);
    return { cancel: () => undefined };
  }

  on(type: 'selectionchange' | 'currentpagechange' | 'close' | 'documentchange', callback: () => void): void {
    // PluginAPI.on: for "documentchange" with dynamic-page "you must first call loadAllPagesAsync".
    if (type === 'documentchange' && !this.allPagesLoaded) throw new Error('Cannot register documentchange without figma.loadAllPagesAsync() (documentAccess: dynamic-page)');
    const list = this.handlers.get(type) ?? [];
    list.push(callback);
    this.handlers.set(type, list);
  }

  closePlugin(message?: string): void {
    this.closedWith = message ?? null;
  }

  private selectionChanged(page: FakePage): void {
    if (page !== this.currentPage) return;
    for (const handler of this.handlers.get('selectionchange') ?? []) handler();
  }
}

export type { HostSceneNode };
