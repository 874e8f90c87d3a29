/**
 * The slice of Figma's plugin API that the main code uses, written as narrow views of the
 * official typings. The real `figma` object satisfies it (checked in code.ts), and so does the
 * fake in test/plugin/fake-figma, which is what lets the main code run under node's test runner.
 */
import type {
  ExportSettingsImage,
  NodeType,
  Paint,
  Rect,
  ShowUIOptions,
  Transform,
} from '@figma/plugin-typings/plugin-api-standalone.js';

export type SceneNodeType = Exclude<NodeType, 'DOCUMENT' | 'PAGE'>;

/** Any layer on a page. Optional members exist only on some layer types. */
export interface HostSceneNode {
  readonly id: string;
  readonly type: SceneNodeType;
  name: string;
  readonly removed: boolean;
  /** Written only to leave a mask inside its frame out of that frame's export (main/mask-export.ts). */
  visible: boolean;
  readonly parent: HostParent | null;
  readonly width: number;
  readonly height: number;
  x: number;
  y: number;
  readonly rotation?: number;
  /** Relative to the nearest container that is not a group or boolean operation. */
  readonly relativeTransform?: Transform;
  readonly absoluteTransform?: Transform;
  /** Without shadows and strokes; rotated layers give the box around them. */
  readonly absoluteBoundingBox?: Rect | null;
  /**
   * What is drawn: shadows, outside strokes, unclipped children, text glyphs; null when
   * invisible. Optional only because a few FigJam layer types lack it.
   */
  readonly absoluteRenderBounds?: Rect | null;
  readonly fills?: ReadonlyArray<Paint> | symbol;
  /** Frames, components and instances: whether their children are cut at their box. */
  readonly clipsContent?: boolean;
  readonly children?: ReadonlyArray<HostSceneNode>;
  readonly layoutMode?: string;
  exportAsync?(settings: ExportSettingsImage): Promise<Uint8Array>;
  getPluginData(key: string): string;
  /** Each call replaces every button this plugin put on the layer (plugin-api.d.ts, setRelaunchData). */
  setRelaunchData(data: { [command: string]: string }): void;
  getRelaunchData(): { [command: string]: string };
}

/** Where a layer can live: a page or a container layer. */
export interface HostParent {
  readonly id: string;
  readonly type: NodeType;
  readonly name: string;
  readonly removed: boolean;
  readonly parent: HostParent | null;
  /** Pages, when the parent is the document (the typings allow it; it never holds a layer). */
  readonly children: ArrayLike<HostSceneNode | HostPage>;
  readonly layoutMode?: string;
  /** Layers have one; pages do not (their space is the page's own). */
  readonly absoluteTransform?: Transform;
  insertChild(index: number, child: HostSceneNode): void;
}

export interface HostPage extends HostParent {
  readonly type: 'PAGE';
  selection: ReadonlyArray<HostSceneNode>;
  /** Matched in the editor: only matches become plugin objects (unlike findAll's callback). */
  findAllWithCriteria(criteria: { types: SceneNodeType[] }): HostSceneNode[];
  loadAsync(): Promise<void>;
}

export interface HostDocument {
  readonly id: string;
  readonly type: 'DOCUMENT';
  readonly name: string;
  readonly children: ReadonlyArray<HostPage>;
  /** Kept with the file, private to the plugin id: per-file choices live here. */
  getPluginData(key: string): string;
  setPluginData(key: string, value: string): void;
}

/** The result layer we create. */
export interface HostRectangle extends HostSceneNode {
  readonly type: 'RECTANGLE';
  fills: ReadonlyArray<Paint> | symbol;
  layoutPositioning: 'AUTO' | 'ABSOLUTE';
  relativeTransform: Transform;
  resize(width: number, height: number): void;
  setPluginData(key: string, value: string): void;
  remove(): void;
}

export interface HostUi {
  postMessage(pluginMessage: unknown): void;
  onmessage: ((pluginMessage: unknown, props: { origin: string }) => void) | undefined;
  resize(width: number, height: number): void;
}

export interface HostApi {
  readonly command: string;
  /** On only while the style search runs (main/style-layers.ts says why). */
  skipInvisibleInstanceChildren: boolean;
  readonly editorType: string;
  readonly root: HostDocument;
  /** Read-only with dynamic-page: switching goes through setCurrentPageAsync. */
  readonly currentPage: HostPage;
  readonly ui: HostUi;
  readonly clientStorage: {
    getAsync(key: string): Promise<unknown>;
    setAsync(key: string, value: unknown): Promise<void>;
  };
  readonly viewport: HostViewport;
  showUI(html: string, options?: ShowUIOptions): void;
  createRectangle(): HostRectangle;
  createImage(data: Uint8Array): { readonly hash: string };
  setCurrentPageAsync(page: HostPage): Promise<void>;
  getNodeByIdAsync(id: string): Promise<HostSceneNode | HostPage | HostDocument | null>;
  commitUndo(): void;
  notify(message: string, options?: { timeout?: number; error?: boolean }): { cancel(): void };
  on(type: 'selectionchange' | 'currentpagechange' | 'close', callback: () => void): void;
  closePlugin(message?: string): void;
}

export interface HostViewport {
  scrollAndZoomIntoView(nodes: ReadonlyArray<HostSceneNode | HostPage | HostDocument>): void;
}
